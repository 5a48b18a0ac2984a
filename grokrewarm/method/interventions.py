"""Warm-starting interventions (Lyle et al. 2025, Section 5): ``shrink_and_perturb``, the
baseline of Section 5.1 (Ash & Adams, 2020), and ``ShrinkAndPerturbAt``, which applies it at given
optimizer steps (e.g. when data is added).

The per-layer learning-rate rules of Fig. 5 LHS are parameter groups
(``grokrewarm.method.param_groups``); dead units and feature rank are metrics
(``grokrewarm.method.metrics``).
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def _reinitialize(module: nn.Module, covered: set[int]) -> None:
    """Re-run ``module``'s initialization: its own ``reset_parameters`` if it has one (a whole
    model may define one), else each child's; records which parameters were re-drawn."""
    reset = getattr(module, "reset_parameters", None)
    if callable(reset):
        reset()
        covered.update(id(param) for param in module.parameters())
        return
    for child in module.children():
        _reinitialize(child, covered)


@torch.no_grad()
def shrink_and_perturb(
    model: nn.Module,
    shrink: float = 0.4,
    perturb: float = 0.1,
    generator: torch.Generator | None = None,
) -> None:
    """``theta <- shrink * theta + perturb * noise`` in place, noise drawn from the model's own
    initialization (Ash & Adams, 2020; the baseline of Lyle et al. 2025, Section 5.1).

    As in Ash & Adams' code, the noise is the parameters of a freshly initialized copy of the
    model, so each parameter gets noise of its own init distribution (norm scales get their init
    value, 1), and buffers (BatchNorm running statistics) are taken from the fresh copy. The
    defaults 0.4 and 0.1 are their code's defaults (the paper does not give its values).

    The copy is initialized on the CPU from a seed drawn from ``generator`` (the global RNG if
    ``None``) inside ``torch.random.fork_rng``, so the noise does not depend on the device and the
    caller's global RNG stream is left as it was. Models whose parameters a ``reset_parameters``
    cannot reach raise ``ValueError``.
    """
    seed = int(torch.randint(2**62, (1,), generator=generator))
    fresh = copy.deepcopy(model).cpu()
    covered: set[int] = set()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        _reinitialize(fresh, covered)
    unreached = [name for name, param in fresh.named_parameters() if id(param) not in covered]
    if unreached:
        raise ValueError(
            f"no reset_parameters re-initializes {unreached}; give {type(model).__name__} a "
            "reset_parameters method"
        )
    for param, noise in zip(model.parameters(), fresh.parameters(), strict=True):
        param.mul_(shrink).add_(noise.to(param.device, param.dtype), alpha=perturb)
    for buffer, fresh_buffer in zip(model.buffers(), fresh.buffers(), strict=True):
        buffer.copy_(fresh_buffer)


class ShrinkAndPerturbAt:
    """Apply ``shrink_and_perturb`` to a model when training reaches one of ``steps``.

    ``steps`` count optimizer steps already taken (so ``steps=[k]`` acts between the k-th and the
    (k+1)-th update, where a ``FixedStepsTrigger([k])`` re-warms). The noise seed is a function of
    ``(seed, step)``, so a resumed run draws the same noise as an uninterrupted one.
    """

    def __init__(self, steps, shrink: float = 0.4, perturb: float = 0.1, seed: int = 0) -> None:
        self.steps = frozenset(int(s) for s in steps)
        if not self.steps or any(s <= 0 for s in self.steps):
            raise ValueError(f"steps must be a non-empty list of steps > 0, got {steps!r}")
        if not 0.0 <= shrink <= 1.0 or perturb < 0.0:
            raise ValueError(f"need 0 <= shrink <= 1 and perturb >= 0, got {shrink}, {perturb}")
        self.shrink, self.perturb, self.seed = shrink, perturb, seed

    def __call__(self, step: int, model: nn.Module) -> bool:
        """Shrink and perturb ``model`` if ``step`` is one of the steps; return whether it did."""
        if step not in self.steps:
            return False
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + step)
        shrink_and_perturb(model, self.shrink, self.perturb, generator)
        return True
