"""Lazy-vs-rich diagnostics of Kumar et al. (2024): empirical NTK, kernel alignment, parameter
movement and time to grok, as plain tensor/array functions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
import torch
from torch import Tensor, nn
from torch.func import functional_call, jacrev, vmap

Centering = Literal["double", "columns", "none"]


def empirical_ntk(model: nn.Module, x: Tensor, chunk_size: int | None = None) -> Tensor:
    """Gram matrix ``K[i, j] = sum_k grad_theta f_k(x_i) . grad_theta f_k(x_j)``, shape ``[n, n]``.

    Kumar et al. (2024) Eq. 2 at the current parameters (call it at initialisation for ``K_0``).
    Only parameters with ``requires_grad`` count. For a model with ``k`` outputs the kernel is the
    trace over outputs (the sum of the ``k`` per-output NTKs); that is the kernel whose alignment
    with one-hot targets ``Y`` is ``tr(Y^T K Y)`` (``ntk_alignment``). For a scalar output it is
    exactly Eq. 2.

    Per-example Jacobians come from ``vmap(jacrev(functional_call))`` over single examples, so the
    model must treat examples independently (no batch statistics: call ``model.eval()`` first if it
    has BatchNorm). Memory is ``n * k * (number of parameters)`` floats for the Jacobians;
    ``chunk_size`` bounds how many examples ``vmap`` processes at once.
    """
    params = {name: p.detach() for name, p in model.named_parameters() if p.requires_grad}
    if not params:
        raise ValueError("the model has no parameters with requires_grad=True")

    def flat_output(trainable: dict[str, Tensor], example: Tensor) -> Tensor:
        # names missing from the dict (frozen parameters, buffers) keep the module's own tensors
        return functional_call(model, trainable, (example.unsqueeze(0),)).reshape(-1)

    jacobians = vmap(jacrev(flat_output), in_dims=(None, 0), chunk_size=chunk_size)(params, x)
    # one [n, k, *param.shape] Jacobian per parameter tensor; flatten(1) sums over outputs too
    return sum(jacobian.flatten(1) @ jacobian.flatten(1).T for jacobian in jacobians.values())


def _center_rows_and_columns(kernel: Tensor) -> Tensor:
    """``H K H`` with ``H = I - 11^T / n``."""
    return (
        kernel - kernel.mean(dim=0, keepdim=True) - kernel.mean(dim=1, keepdim=True) + kernel.mean()
    )


def ntk_alignment(kernel: Tensor, labels: Tensor, centering: Centering = "double") -> Tensor:
    """Kernel-task alignment ``y^T K y / (||K||_F ||y||^2)`` (Kumar et al. 2024, Section 5).

    The paper prints the formula without centring symbols but calls it "centered kernel
    alignment (CKA)" and cites Cortes et al. (2012) and Kornblith et al. (2019), whose centred
    alignment replaces ``K`` by ``H K H`` and ``y`` by ``H y`` (``H = I - 11^T/n``). ``centering``:

    - ``"double"`` (default): Cortes et al.'s centred alignment,
      ``(Hy)^T K (Hy) / (||HKH||_F ||Hy||^2)``; equal to
      ``centered_kernel_alignment(K, y y^T)``.
    - ``"columns"``: what the authors' released code computes: ``y`` centred, ``K`` centred over
      rows only (``K - mean over rows``), i.e. the same numerator over ``||K H||_F`` rather than
      ``||H K H||_F``. Use it to reproduce their curves' numbers.
    - ``"none"``: the formula as printed, ``y^T K y / (||K||_F ||y||^2)``. With ``y`` the unit
      ``j``-th eigenvector of ``K`` this is ``lambda_j / ||K||_F``, which is what makes the
      eigenvector labels of Fig. 5 "high alignment by construction" for small ``j``.

    ``labels`` may be ``[n]`` or ``[n, k]`` (one-hot targets against an output-traced kernel);
    then the numerator is ``tr(Y^T K Y)`` and ``||y||^2`` is ``||Y||_F^2``. The paper's second
    mention of the formula (after Eq. 6) writes ``||y||`` rather than ``||y||^2``: a typo, the
    ratio would not be scale-free in ``y``.
    """
    labels = labels.reshape(labels.shape[0], -1).to(kernel.dtype)
    if centering == "none":
        kernel_denominator = kernel
    elif centering in ("double", "columns"):
        labels = labels - labels.mean(dim=0, keepdim=True)
        # with centred labels, y^T K y = y^T H K H y, so only the norm differs between the two
        kernel_denominator = (
            _center_rows_and_columns(kernel)
            if centering == "double"
            else kernel - kernel.mean(dim=0, keepdim=True)
        )
    else:
        raise ValueError(f"centering must be 'double', 'columns' or 'none', got {centering!r}")
    numerator = torch.einsum("ik,ij,jk->", labels, kernel, labels)
    return numerator / (torch.linalg.matrix_norm(kernel_denominator) * labels.square().sum())


def centered_kernel_alignment(kernel_a: Tensor, kernel_b: Tensor) -> Tensor:
    """``<HK_aH, HK_bH>_F / (||HK_aH||_F ||HK_bH||_F)`` (Cortes et al. 2012, Def. 4; Kornblith et
    al. 2019 CKA): a cosine between centred Gram matrices, in ``[-1, 1]`` and 1 iff proportional.
    """
    a = _center_rows_and_columns(kernel_a)
    b = _center_rows_and_columns(kernel_b)
    return (a * b).sum() / (torch.linalg.matrix_norm(a) * torch.linalg.matrix_norm(b))


def relative_parameter_change(params: Iterable[Tensor], params0: Iterable[Tensor]) -> Tensor:
    """``||w - w_0|| / ||w_0||`` over all parameters together (Kumar et al. 2024, Fig. 7 d-f).

    Global Euclidean norms of the concatenated parameters, matched in order. (The authors' code
    for Fig. 7 plots the square of this ratio; the paper's axis is the ratio itself.)
    """
    params, params0 = list(params), list(params0)
    if len(params) != len(params0):
        raise ValueError(f"got {len(params)} parameters but {len(params0)} initial ones")
    squared_change = sum(
        (p.detach() - p0.detach()).square().sum() for p, p0 in zip(params, params0, strict=True)
    )
    squared_norm0 = sum(p0.detach().square().sum() for p0 in params0)
    return torch.sqrt(squared_change / squared_norm0)


def _first_step_reaching(
    steps: np.ndarray, metric: np.ndarray, threshold: float, mode: str
) -> float:
    reached = metric >= threshold if mode == "acc" else metric < threshold
    hits = np.flatnonzero(reached)
    return float(steps[hits[0]]) if hits.size else math.nan


def time_to_grok(
    steps: Sequence[float] | np.ndarray,
    train_metric: Sequence[float] | np.ndarray,
    test_metric: Sequence[float] | np.ndarray,
    threshold: float,
    mode: Literal["acc", "loss"] = "acc",
) -> float:
    """Steps between the train and the test curve first reaching ``threshold``.

    ``mode="acc"``: a curve reaches the threshold at the first logged step with
    ``metric >= threshold``; ``mode="loss"``: at the first step with ``metric < threshold``
    (dropping below it). Returns ``test_step - train_step`` (negative if the test curve got there
    first), or NaN if either curve never does. This is Kumar et al.'s "time to grok" (Fig. 3e), for
    which the authors' code takes the first epoch each loss is below 0.1 and plots
    ``max(0, test - train)``. NaN entries never count as reaching the threshold.
    """
    if mode not in ("acc", "loss"):
        raise ValueError(f"mode must be 'acc' or 'loss', got {mode!r}")
    steps_array = np.asarray(steps, dtype=float)
    train_array = np.asarray(train_metric, dtype=float)
    test_array = np.asarray(test_metric, dtype=float)
    if not (steps_array.ndim == train_array.ndim == test_array.ndim == 1):
        raise ValueError("steps, train_metric and test_metric must be 1-D")
    if not (len(steps_array) == len(train_array) == len(test_array)):
        raise ValueError(
            f"steps, train_metric and test_metric must have one length, got "
            f"{len(steps_array)}, {len(train_array)}, {len(test_array)}"
        )
    train_step = _first_step_reaching(steps_array, train_array, threshold, mode)
    test_step = _first_step_reaching(steps_array, test_array, threshold, mode)
    return test_step - train_step


def _flat_jacobian(
    model: nn.Module, params: dict[str, Tensor], x: Tensor, chunk_size: int | None
) -> Tensor:
    """``[n, number of parameters]``: the gradient of the scalar output at each row of ``x``."""

    def scalar_output(trainable: dict[str, Tensor], example: Tensor) -> Tensor:
        return functional_call(model, trainable, (example.unsqueeze(0),)).reshape(())

    jacobians = vmap(jacrev(scalar_output), in_dims=(None, 0), chunk_size=chunk_size)(params, x)
    return torch.cat([jacobian.flatten(1) for jacobian in jacobians.values()], dim=1)


@torch.no_grad()
def ntk_regression_test_loss(
    model: nn.Module,
    x_train: Tensor,
    y_train: Tensor,
    x_test: Tensor,
    y_test: Tensor,
    block_size: int = 256,
) -> Tensor:
    """Test MSE of kernel regression with the empirical NTK at ``model``'s current parameters.

    Kumar et al. (2024) Fig. 1b's horizontal line: "the mean-squared error of best kernel
    regression estimate with the NTK at initialization" (call it on the model as initialized).
    This is where gradient descent on MSE lands in the lazy limit: the linearized network
    ``f_0 + J_0 (w - w_0)`` trained to zero training loss from ``w_0`` converges to the min-norm
    interpolant ``f(x) = f_0(x) + K(x, X) K(X, X)^+ (y - f_0(X))``. ``K(X, X)^+`` is the
    pseudo-inverse (``torch.linalg.pinv``, Hermitian), so this is the exact solve
    ``K^{-1} (y - f_0)`` the authors' code uses when ``K(X, X)`` is invertible and the min-norm
    least-squares fit when it is not. For a centred model (``CenteredOutputScale``) ``f_0 = 0``.

    Scalar-output models only (``[n]`` or ``[n, 1]`` outputs): for ``k`` outputs the NTK is a
    ``[nk, nk]`` kernel, not ``empirical_ntk``'s output-traced one. Parameters with
    ``requires_grad`` define the kernel, as in ``empirical_ntk``. Kernel and solve are in float64;
    the Jacobians of the test points are built ``block_size`` rows at a time (memory
    ``(n_train + block_size) * (number of parameters)`` floats). Returns a 0-d tensor in
    ``y_test``'s dtype, ``mean((f(x_test) - y_test)^2)``.
    """
    params = {name: p.detach() for name, p in model.named_parameters() if p.requires_grad}
    if not params:
        raise ValueError("the model has no parameters with requires_grad=True")
    if block_size < 1:
        raise ValueError(f"block_size must be >= 1, got {block_size}")
    f_train, f_test = model(x_train), model(x_test)
    if f_train[0].numel() != 1:
        raise ValueError(
            f"NTK regression needs a scalar-output model, got outputs of shape "
            f"{tuple(f_train.shape)}"
        )
    f_train, f_test = f_train.reshape(-1).double(), f_test.reshape(-1).double()
    residual = y_train.reshape(-1).double() - f_train
    jacobian_train = _flat_jacobian(model, params, x_train, None).double()
    kernel_train = jacobian_train @ jacobian_train.T
    coefficients = torch.linalg.pinv(kernel_train, hermitian=True) @ residual
    # w - w_0 = J^T K^+ (y - f_0): the min-norm move of the linearized model, so that
    # K(x, X) K^+ (y - f_0) = J(x) (w - w_0)
    displacement = jacobian_train.T @ coefficients
    predictions = torch.cat(
        [
            _flat_jacobian(model, params, x_test[start : start + block_size], None).double()
            @ displacement
            for start in range(0, len(x_test), block_size)
        ]
    )
    predictions = predictions + f_test
    return (predictions - y_test.reshape(-1).double()).square().mean().to(y_test.dtype)
