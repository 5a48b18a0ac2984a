"""Optimizer parameter groups: separate weight decay for weights and norm scales ("scale
decay"), and per-layer learning rates.

Lyle et al. 2025 (Section 4.1, Fig. 2 RHS) apply weight decay to the scale parameters of the
normalization layers only, so the attention inputs can shrink while every projected matrix keeps
its norm. Each group carries a ``name`` and an ``lr_scale`` (read by ``RewarmController``), so the
same groups serve the per-layer learning-rate rules of Fig. 5 LHS (``layerwise_param_groups``,
refreshed by ``update_even_ratio_abs``): the controller multiplies a group's ``lr_scale`` into
the scheduled learning rate.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from grokrewarm.method.projection import named_parameters_by_kind

LAYERWISE_LR_RULES = ("constant", "fast_features", "slow_features", "even_ratio_abs")
# Fig. 5 LHS: "fast features" divides the final layer's learning rate by 10, "slow features"
# divides every other layer's by 10.
SLOW_LR_FACTOR = 0.1


def decay_param_groups(
    model: nn.Module, weight_decay: float = 0.0, scale_decay: float = 0.0
) -> list[dict]:
    """Two groups: ``weights`` (matrices, embeddings, biases) and ``norm_scales``.

    Empty groups are dropped (a network without normalization layers has no scales to decay).
    """
    if weight_decay < 0 or scale_decay < 0:
        raise ValueError(f"decays must be >= 0, got {weight_decay}, {scale_decay}")
    by_kind = named_parameters_by_kind(model)
    weights = [p for kind in ("matrices", "embeddings", "biases") for _, p in by_kind[kind]]
    scales = [p for _, p in by_kind["norm_scales"]]
    groups = [
        {"name": "weights", "params": weights, "weight_decay": weight_decay, "lr_scale": 1.0},
        {"name": "norm_scales", "params": scales, "weight_decay": scale_decay, "lr_scale": 1.0},
    ]
    return [group for group in groups if group["params"]]


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
    # every layer's mean in one transfer (one host sync per refresh, not one per layer)
    mean_abs = torch.stack([_mean_abs(params) for params in layer_params]).cpu()
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


def param_groups(
    model: nn.Module,
    weight_decay: float = 0.0,
    scale_decay: float = 0.0,
    layer_lr: str | None = None,
) -> list[dict]:
    """``decay_param_groups``, or with a per-layer LR rule (Fig. 5 LHS) one group per layer
    (``layerwise_param_groups``), each decayed by ``scale_decay`` if it holds only norm scales and
    by ``weight_decay`` otherwise."""
    if layer_lr is None:
        return decay_param_groups(model, weight_decay, scale_decay)
    if weight_decay < 0 or scale_decay < 0:
        raise ValueError(f"decays must be >= 0, got {weight_decay}, {scale_decay}")
    scales = {id(p) for _, p in named_parameters_by_kind(model)["norm_scales"]}
    groups = layerwise_param_groups(model, layer_lr)
    for group in groups:
        only_scales = all(id(p) in scales for p in group["params"])
        group["weight_decay"] = scale_decay if only_scales else weight_decay
    return groups
