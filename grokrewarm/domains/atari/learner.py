"""The learning rules: DQN's Huber TD loss (Mnih et al. 2015) and Rainbow's categorical (C51)
loss with double-Q action selection (Bellemare et al. 2017, Hessel et al. 2018).

Both take a replay batch already on the device (``obs``, ``actions``, n-step ``returns``,
bootstrap ``discounts`` that are 0 after a terminal, ``next_obs``) and return the per-sample loss
and the per-sample priority for prioritized replay, without leaving the device.
"""

from __future__ import annotations

import contextlib

import torch
from torch import nn
from torch.nn import functional as F

PRECISIONS = ("fp32", "bf16")


def resolve_device(name: str) -> torch.device:
    """``agent.device``: ``auto`` is CUDA when there is a GPU, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def forward_precision(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """The context of the learner's forward passes (``agent.precision``): nothing for ``fp32``;
    for ``bf16``, autocast to bfloat16, so convolutions and matmuls run in bf16 while the
    parameters, their gradients and Adam's moments stay fp32 (autocast casts a copy of each
    weight per op, and the gradient flows back through that cast into the fp32 parameter)."""
    if precision not in PRECISIONS:
        raise ValueError(f"agent.precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)


def expected_values(out: torch.Tensor, support: torch.Tensor | None) -> torch.Tensor:
    """Action values ``(B, A)`` from a network's output: the output itself, or the mean of the
    distribution over ``support``."""
    return out if support is None else (out.softmax(dim=-1) * support).sum(dim=-1)


def q_values(network: nn.Module, obs: torch.Tensor, support: torch.Tensor | None) -> torch.Tensor:
    """Expected action values ``(B, A)``: the output itself, or the mean of the distribution."""
    return expected_values(network(obs), support)


def dqn_loss(
    online: nn.Module,
    target: nn.Module,
    batch: dict,
    double: bool = False,
    precision: str = "fp32",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Huber loss between Q(s, a) and R + discount * max_a' Q_target(s', a') (with ``double``,
    a' is the online network's greedy action, van Hasselt et al. 2016).

    With ``precision="bf16"`` only the network passes run in bf16; their outputs are cast to
    fp32 before the TD target and the loss: bf16 keeps 8 bits of mantissa, so a target of
    about 10 would be rounded to a multiple of 0.06, far coarser than the TD errors late in
    training."""
    with forward_precision(batch["obs"].device, precision):
        q = online(batch["obs"]).gather(1, batch["actions"][:, None]).squeeze(1)
        with torch.no_grad():
            next_q = target(batch["next_obs"])
            online_next_q = online(batch["next_obs"]) if double else next_q
    q, next_q = q.float(), next_q.float()  # no-ops in fp32
    with torch.no_grad():
        greedy = online_next_q.argmax(dim=1, keepdim=True)
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
    online: nn.Module,
    target: nn.Module,
    batch: dict,
    support: torch.Tensor,
    precision: str = "fp32",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy between the projected target distribution and the online distribution of
    the taken action; the next action is the online network's greedy one (double Q). Rainbow
    prioritizes by this loss (Hessel et al. 2018).

    With ``precision="bf16"`` only the network passes run in bf16: the logits are cast to fp32
    before every softmax, and the target distribution's projection stays fp32 (it floors and
    ceils atom positions, which bf16 would round to quarters of an atom near v_max)."""
    with forward_precision(batch["obs"].device, precision):
        logits = online(batch["obs"])
        with torch.no_grad():
            online_next = online(batch["next_obs"])
            target_next = target(batch["next_obs"])
    actions = batch["actions"][:, None, None].expand(-1, 1, support.numel())
    log_probs = logits.float().gather(1, actions).squeeze(1).log_softmax(dim=-1)
    with torch.no_grad():
        greedy = expected_values(online_next.float(), support).argmax(dim=1)
        next_probs = target_next.float().softmax(dim=-1)
        next_probs = next_probs[torch.arange(len(greedy), device=greedy.device), greedy]
        projected = categorical_projection(
            next_probs, batch["returns"], batch["discounts"], support
        )
    loss = -(projected * log_probs).sum(dim=-1)
    return loss, loss.detach()
