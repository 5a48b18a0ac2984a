"""The learning rules: DQN's Huber TD loss (Mnih et al. 2015) and Rainbow's categorical (C51)
loss with double-Q action selection (Bellemare et al. 2017, Hessel et al. 2018).

Both take a replay batch already on the device (``obs``, ``actions``, n-step ``returns``,
bootstrap ``discounts`` that are 0 after a terminal, ``next_obs``) and return the per-sample loss
and the per-sample priority for prioritized replay, without leaving the device.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def q_values(network: nn.Module, obs: torch.Tensor, support: torch.Tensor | None) -> torch.Tensor:
    """Expected action values ``(B, A)``: the output itself, or the mean of the distribution."""
    out = network(obs)
    return out if support is None else (out.softmax(dim=-1) * support).sum(dim=-1)


def dqn_loss(
    online: nn.Module, target: nn.Module, batch: dict, double: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """Huber loss between Q(s, a) and R + discount * max_a' Q_target(s', a') (with ``double``,
    a' is the online network's greedy action, van Hasselt et al. 2016)."""
    q = online(batch["obs"]).gather(1, batch["actions"][:, None]).squeeze(1)
    with torch.no_grad():
        next_q = target(batch["next_obs"])
        if double:
            greedy = online(batch["next_obs"]).argmax(dim=1, keepdim=True)
        else:
            greedy = next_q.argmax(dim=1, keepdim=True)
        bootstrap = next_q.gather(1, greedy).squeeze(1)
        td_target = batch["returns"] + batch["discounts"] * bootstrap
    loss = F.smooth_l1_loss(q, td_target, reduction="none")
    return loss, (q - td_target).detach().abs()


def categorical_projection(
    next_probs: torch.Tensor, returns: torch.Tensor, discounts: torch.Tensor, support: torch.Tensor
) -> torch.Tensor:
    """Project the distribution of ``returns + discounts * Z`` (``Z`` on ``support`` with
    probabilities ``next_probs``, shape ``(B, K)``) back onto ``support`` (Bellemare et al. 2017,
    Algorithm 1): each atom's mass is split between its two nearest support points."""
    v_min, v_max = support[0], support[-1]
    delta = (v_max - v_min) / (support.numel() - 1)
    shifted = (returns[:, None] + discounts[:, None] * support[None, :]).clamp(v_min, v_max)
    position = (shifted - v_min) / delta  # fractional index into the support
    lower, upper = position.floor(), position.ceil()
    # an atom landing exactly on a support point goes wholly to it (lower == upper)
    lower_mass = next_probs * (upper - position + (lower == upper).float())
    upper_mass = next_probs * (position - lower)
    target = torch.zeros_like(next_probs)
    target.scatter_add_(1, lower.long(), lower_mass)
    target.scatter_add_(1, upper.long(), upper_mass)
    return target


def c51_loss(
    online: nn.Module, target: nn.Module, batch: dict, support: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy between the projected target distribution and the online distribution of
    the taken action; the next action is the online network's greedy one (double Q). Rainbow
    prioritizes by this loss (Hessel et al. 2018)."""
    logits = online(batch["obs"])
    actions = batch["actions"][:, None, None].expand(-1, 1, support.numel())
    log_probs = logits.gather(1, actions).squeeze(1).log_softmax(dim=-1)
    with torch.no_grad():
        greedy = q_values(online, batch["next_obs"], support).argmax(dim=1)
        next_probs = target(batch["next_obs"]).softmax(dim=-1)
        next_probs = next_probs[torch.arange(len(greedy), device=greedy.device), greedy]
        projected = categorical_projection(
            next_probs, batch["returns"], batch["discounts"], support
        )
    loss = -(projected * log_probs).sum(dim=-1)
    return loss, loss.detach()
