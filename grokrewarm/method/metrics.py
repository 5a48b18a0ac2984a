"""Feature-learning metrics (Lyle et al. 2025, Section 3.1) as plain tensor functions.

Features are matrices ``[n, d]``: n probe inputs, d units (higher-rank activations are flattened
per input). Nothing here syncs with the host except where a Python number is returned on purpose;
the training callbacks call these on a schedule, never on every step.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import Tensor


def _as_matrix(features: Tensor) -> Tensor:
    return features.reshape(features.shape[0], -1).float()


def normalized_covariance(features: Tensor) -> Tensor:
    """``C = f f^T / ||f||_F^2`` (Eq. 3): the n x n Gram matrix of the probe inputs' features."""
    f = _as_matrix(features)
    return (f @ f.T) / f.square().sum().clamp_min(torch.finfo(f.dtype).tiny)


def feature_covariance_change(features_before: Tensor, features_after: Tensor) -> Tensor:
    """``Delta_C = ||C_t - C_{t+T}||_F`` (Eq. 3) between two snapshots of one layer's features."""
    return torch.linalg.matrix_norm(
        normalized_covariance(features_before) - normalized_covariance(features_after)
    )


def activation_pattern(pre_activations: Tensor) -> Tensor:
    """``A[i, j] = 1(f(x_i)_j > 0)`` (Eq. 4) for a ReLU layer, given its inputs; bool ``[n, d]``."""
    return pre_activations.reshape(pre_activations.shape[0], -1) > 0


def activation_pattern_change(pattern_before: Tensor, pattern_after: Tensor) -> Tensor:
    """Fraction of (input, unit) activation indicators that flipped between two snapshots.

    This is ``||A_t - A_{t+T}||_F^2 / (n d)`` for the binary patterns of Eq. 4: the squared
    Frobenius norm counts the flips, and dividing by the pattern size makes layers of different
    widths comparable, as the "percentage change in activation patterns" of Fig. 3.
    """
    return (pattern_before != pattern_after).float().mean()


def dead_unit_mask(pre_activations: Tensor) -> Tensor:
    """Units whose ReLU output is zero on every probe input; bool ``[units]``.

    ``pre_activations`` is the ReLU's input, ``[n, units]`` or ``[n, channels, ...]``: a
    convolutional unit is a channel (one filter), dead if non-positive at every position for
    every input, so the count does not depend on the image size.
    """
    if pre_activations.ndim < 2:
        raise ValueError(f"expected [n, units, ...], got shape {tuple(pre_activations.shape)}")
    return ~(pre_activations > 0).any(dim=(0, *range(2, pre_activations.ndim)))


def dead_unit_fraction(pre_activations: Tensor) -> Tensor:
    """Fraction of a ReLU layer's units that are dead on the probe batch."""
    return dead_unit_mask(pre_activations).float().mean()


def singular_values_of(matrix: Tensor) -> Tensor:
    """Singular values of a 2-D ``matrix``, descending, via the eigenvalues of its smaller Gram
    matrix in float64.

    On this project's CPUs LAPACK's SVD of a wide probe-feature matrix is slow (11 s for
    512 x 8192 in float64, ~40x more in float32); the Gram route takes 0.4 s and agrees to about
    1e-10 relative, far below what srank's cumulative sums can see.
    """
    m = matrix.double()
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    return torch.linalg.eigvalsh(gram).flip(0).clamp_min(0).sqrt()


def effective_rank(features: Tensor, threshold: float = 0.01) -> Tensor:
    """srank (Kumar et al. 2021; Lyle et al. 2022): the smallest k with
    ``sum_{i<=k} sigma_i >= (1 - threshold) * sum_i sigma_i``; 0 for an all-zero matrix.

    The rank of the attention outputs (Lyle et al. 2025, Fig. 8 / B.1) and the feature rank of
    penultimate features (Fig. 13, B.5). A device tensor (no host sync).
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    singular_values = singular_values_of(_as_matrix(features))
    total = singular_values.sum()
    cumulative = singular_values.cumsum(0) / total.clamp_min(1e-30)
    rank = (cumulative < 1.0 - threshold).sum() + 1
    return torch.where(total > 0, rank, torch.zeros_like(rank))


def effective_learning_rate(
    lr: float | Tensor, param_norm: Tensor, adaptive: bool = True
) -> Tensor:
    """ELR (Section 2.3): ``lr / ||theta||`` for Adam-type optimizers, ``/ ||theta||^2`` for SGD."""
    return lr / (param_norm if adaptive else param_norm.square())


def flat_parameters(params) -> Tensor:
    """Concatenate parameters into one detached vector (for update norms between snapshots)."""
    return torch.cat([p.detach().reshape(-1) for p in params])


def update_norm(params_before: Tensor, params_after: Tensor) -> Tensor:
    """``||theta_{t+T} - theta_t||`` between two flat parameter snapshots."""
    return torch.linalg.vector_norm(params_after - params_before)


def host_row(
    values: Mapping[str, Tensor | float], device: torch.device | str = "cpu"
) -> dict[str, float]:
    """``{name: float}`` of a metric row's values, each rounded to float32, in ``values``' order.

    The tensors (scalars, on ``device``) are stacked and read in one device-to-host transfer.
    Python numbers (the LR, counts) are rounded to float32 on the host instead of being copied
    to the device: on CUDA each such small copy from pageable memory waits for the stream, once
    per value. The rounding is the one ``torch.tensor(v, dtype=torch.float32)`` does.
    """
    tensors = {name: v for name, v in values.items() if isinstance(v, Tensor)}
    row = {name: float(np.float32(v)) for name, v in values.items() if name not in tensors}
    if tensors:
        stacked = torch.stack([v.to(device=device, dtype=torch.float32) for v in tensors.values()])
        row.update(zip(tensors, stacked.tolist(), strict=True))  # the one transfer
    return {name: row[name] for name in values}
