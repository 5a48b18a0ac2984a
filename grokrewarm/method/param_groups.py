"""Optimizer parameter groups: separate weight decay for weights and norm scales ("scale decay").

Lyle et al. 2025 (Section 4.1, Fig. 2 RHS) apply weight decay to the scale parameters of the
normalization layers only, so the attention inputs can shrink while every projected matrix keeps
its norm. Each group carries a ``name`` and an ``lr_scale`` (read by ``RewarmController``), so the
same groups serve per-layer learning-rate rules.
"""

from __future__ import annotations

from torch import nn

from grokrewarm.method.interventions import layerwise_param_groups
from grokrewarm.method.projection import named_parameters_by_kind


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
