"""Warm-starting interventions and diagnostics (Lyle et al. 2025, Section 5, Fig. 5, B.5).

- ``shrink_and_perturb``: the baseline of Section 5.1 (Ash & Adams, 2020), and
  ``ShrinkAndPerturbAt``, which applies it at given optimizer steps (e.g. when data is added).
- ``layerwise_param_groups`` / ``update_even_ratio_abs``: the per-layer learning-rate rules of
  Fig. 5 LHS, as optimizer parameter groups carrying an ``lr_scale`` that the project's LR
  controller multiplies into the scheduled learning rate.
- ``dead_units`` (Fig. 5 LHS) and ``feature_rank`` (Fig. 13, B.5).
"""

from __future__ import annotations

import copy

import torch
from torch import Tensor, nn

from grokrewarm.method.metrics import dead_unit_mask, effective_rank

LAYERWISE_LR_RULES = ("constant", "fast_features", "slow_features", "even_ratio_abs")
# Fig. 5 LHS: "fast features" divides the final layer's learning rate by 10, "slow features"
# divides every other layer's by 10.
SLOW_LR_FACTOR = 0.1


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


def _layers(model: nn.Module) -> list[tuple[str, list[nn.Parameter]]]:
    """(qualified name, trainable parameters) of every module that holds parameters directly."""
    layers = []
    for name, module in model.named_modules():
        params = [p for p in module.parameters(recurse=False) if p.requires_grad]
        if params:
            layers.append((name, params))
    return layers


def _mean_abs(params: list[nn.Parameter]) -> Tensor:
    """Mean absolute value over all entries of a layer's parameters."""
    total = sum(p.detach().abs().sum(dtype=torch.float64) for p in params)
    return total / sum(p.numel() for p in params)


def _even_ratio_abs_scales(layer_params: list[list[nn.Parameter]]) -> list[float]:
    mean_abs = torch.stack([_mean_abs(params).cpu() for params in layer_params])
    if not bool((mean_abs > 0).all()):
        raise ValueError("even_ratio_abs needs every layer to have a nonzero parameter")
    return (mean_abs / mean_abs.mean()).tolist()


def layerwise_param_groups(
    model: nn.Module, rule: str, final_layer_name: str | None = None
) -> list[dict]:
    """One optimizer parameter group per layer, with an ``lr_scale`` set by ``rule`` (Fig. 5 LHS).

    A layer is a module that holds parameters directly (a norm layer is a layer of its own); its
    group is ``{"params": [...], "name": <qualified module name>, "lr_scale": <float>}``. The final
    layer is ``final_layer_name``, by default the last such module in registration order (``head``
    of ``ConvNet``, ``fc`` of ``CifarResNet18``). Rules:

    - ``constant``: every layer 1.
    - ``fast_features``: the final layer 1/10, the others 1.
    - ``slow_features``: every non-final layer 1/10, the final one 1.
    - ``even_ratio_abs``: proportional to the layer's mean absolute parameter value, so an
      Adam-sized update (about lr per entry) is the same fraction of every layer's L1 norm.
      Normalized to average 1 over layers (unweighted), so the schedule's LR is the LR of a
      typical layer, as under ``constant``. Refresh with ``update_even_ratio_abs``.
    """
    if rule not in LAYERWISE_LR_RULES:
        raise ValueError(f"unknown per-layer LR rule {rule!r}; choose one of {LAYERWISE_LR_RULES}")
    layers = _layers(model)
    if not layers:
        raise ValueError(f"{type(model).__name__} has no trainable parameters")
    names = [name for name, _ in layers]
    final_layer_name = names[-1] if final_layer_name is None else final_layer_name
    if final_layer_name not in names:
        raise ValueError(f"final layer {final_layer_name!r} is not one of the layers {names}")
    if rule == "even_ratio_abs":
        scales = _even_ratio_abs_scales([params for _, params in layers])
    else:
        final_scale, other_scale = {
            "constant": (1.0, 1.0),
            "fast_features": (SLOW_LR_FACTOR, 1.0),
            "slow_features": (1.0, SLOW_LR_FACTOR),
        }[rule]
        scales = [final_scale if name == final_layer_name else other_scale for name in names]
    return [
        {"params": params, "name": name, "lr_scale": scale}
        for (name, params), scale in zip(layers, scales, strict=True)
    ]


@torch.no_grad()
def update_even_ratio_abs(param_groups: list[dict]) -> dict[str, float]:
    """Recompute the ``even_ratio_abs`` scales of ``param_groups`` (e.g. an optimizer's) in place
    from the current parameters; returns them by group name for logging. The caller picks the
    schedule; this costs one host sync."""
    scales = _even_ratio_abs_scales([group["params"] for group in param_groups])
    for group, scale in zip(param_groups, scales, strict=True):
        group["lr_scale"] = scale
    return {group.get("name", str(i)): group["lr_scale"] for i, group in enumerate(param_groups)}


def dead_units(pre_activations: Tensor) -> tuple[int, float]:
    """Count and fraction of a ReLU layer's units that output zero on every probe input (Fig. 5);
    a convolutional unit is a channel (see ``grokrewarm.method.metrics.dead_unit_mask``)."""
    mask = dead_unit_mask(pre_activations)
    count = int(mask.sum())
    return count, count / mask.numel()


def feature_rank(features: Tensor, threshold: float = 0.01) -> int:
    """srank (Kumar et al. 2021; Lyle et al. 2022) of ``features`` ``[n, d]``: the smallest k with
    ``sum_{i<=k} sigma_i >= (1 - threshold) * sum_i sigma_i``; 0 for an all-zero matrix.

    The feature rank of Fig. 13 (B.5), measured on the penultimate features of a probe batch.
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    if not bool(features.ne(0).any()):
        return 0
    return int(effective_rank(features, threshold))
