"""Labels set to an eigenvector of the initial NTK Gram matrix (Kumar et al. 2024, Section 6.1,
Fig. 5 and App. 17, Fig. 19).

The committee machine of Section 5 is kept, Gaussian inputs are kept, and the labels become the
``j``-th eigenvector of ``K_0(X, X)``. Small ``j`` (large eigenvalue) is well aligned with the
initial kernel and generalises at once; large ``j`` cannot be learned from the data; in between
(``j ~ 70`` of 200 points in Fig. 5) the network groks.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from grokrewarm.domains.lazy_rich.polynomial import CommitteeMachine, sample_inputs
from grokrewarm.domains.lazy_rich.tensor_task import TensorTask
from grokrewarm.method.laziness_diagnostics import empirical_ntk

# Fig. 5 in the authors' code: P = 100 train and 100 test points, D = 100, a committee machine of
# width N = 2 with eps = 0.25 and alpha = 1; j in {1, 70, 100} (the authors' code).
DEFAULT_N_TRAIN = 100
DEFAULT_N_TEST = 100
DEFAULT_DIM = 100
DEFAULT_WIDTH = 2
DEFAULT_EPS = 0.25


def kernel_eigenvector(
    kernel: Tensor, j: int, subtract_mean: bool = False
) -> tuple[Tensor, Tensor]:
    """``(lambda_j, v_j)``, the ``j``-th eigenpair of a symmetric Gram matrix: ``K v = lambda v``.

    Ordering: by descending eigenvalue, ``j = 1`` the largest (the paper's convention). The vector
    has unit Euclidean norm over all ``n`` points, and its sign is fixed so that its entry of
    largest magnitude is positive (eigensolvers return either sign; this makes labels
    reproducible). ``subtract_mean=True`` first subtracts the scalar mean of ``K`` from every
    entry, as the authors' released code does (it removes most of the constant top mode); the
    eigenpair is then that of the shifted matrix.
    """
    n = kernel.shape[0]
    if kernel.shape != (n, n):
        raise ValueError(f"kernel must be square, got shape {tuple(kernel.shape)}")
    if not 1 <= j <= n:
        raise ValueError(f"j must be in 1..{n} (1 = top eigenvalue), got {j}")
    if subtract_mean:
        kernel = kernel - kernel.mean()
    # float64: eigenvectors of nearby eigenvalues are ill-conditioned in float32
    eigenvalues, eigenvectors = torch.linalg.eigh(kernel.double())  # ascending
    eigenvalue = eigenvalues[n - j].to(kernel.dtype)
    eigenvector = eigenvectors[:, n - j].to(kernel.dtype)
    if eigenvector[eigenvector.abs().argmax()] < 0:
        eigenvector = -eigenvector
    return eigenvalue, eigenvector


@dataclass(frozen=True)
class EigenvectorLabelData:
    """Train/test split of eigenvector labels and the committee machine whose ``K_0`` made them
    (the data of the training task ``tasks.EigenvectorLabelTask``).

    Train from ``model`` as returned: the labels are aligned (or not) with this model's initial
    NTK, so a fresh initialisation would be a different task.
    """

    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor
    model: CommitteeMachine
    eigenvalue: Tensor
    alignment_rank: int  # j


def make_eigenvector_data(
    j: int,
    n_train: int = DEFAULT_N_TRAIN,
    n_test: int = DEFAULT_N_TEST,
    dim: int = DEFAULT_DIM,
    width: int = DEFAULT_WIDTH,
    eps: float = DEFAULT_EPS,
    subtract_mean: bool = False,
    seed: int = 0,
    dtype=torch.float32,
) -> EigenvectorLabelData:
    """Gaussian inputs ``x ~ N(0, I/D)`` and labels ``v_j`` of the initial NTK on all of them.

    Labels must exist on test points too, so, as in the authors' code, the eigenvector is taken on
    the ``n_train + n_test`` points together and split: the first ``n_train`` entries train, the
    rest test. The kernel is the empirical NTK (Eq. 2) of a freshly initialised
    ``CommitteeMachine(dim, width, eps)`` (fixed unit readouts, alpha = 1; output scaling only
    multiplies ``K_0`` and leaves its eigenvectors unchanged). Inputs and weights come from one
    generator seeded by ``seed``.
    """
    if n_train < 1 or n_test < 1:
        raise ValueError(f"n_train and n_test must be >= 1, got {n_train}, {n_test}")
    generator = torch.Generator().manual_seed(seed)
    x = sample_inputs(n_train + n_test, dim, generator, dtype)
    model = CommitteeMachine(dim=dim, width=width, eps=eps, generator=generator, dtype=dtype)
    eigenvalue, labels = kernel_eigenvector(empirical_ntk(model, x), j, subtract_mean)
    return EigenvectorLabelData(
        x_train=x[:n_train],
        y_train=labels[:n_train],
        x_test=x[n_train:],
        y_test=labels[n_train:],
        model=model,
        eigenvalue=eigenvalue,
        alignment_rank=j,
    )


class EigenvectorLabelTask(TensorTask):
    """Kumar et al. Section 6.1, Fig. 5: labels are the ``j``-th eigenvector of the initial NTK
    Gram matrix of a committee machine on Gaussian inputs (train and test points together).

    The model must start from that machine: ``model_kwargs()`` hands its weights to
    ``committee_machine`` (``initial_weight``). Labels are unit-norm over all ``n_train + n_test``
    points, so they are ``O(1/sqrt(n))``; ``label_scale`` (default ``sqrt(n)``, entries of order
    one) multiplies them, which changes no alignment and keeps MSE values readable.
    ``subtract_mean``: take the eigenvector of ``K_0`` minus its scalar mean, as the authors' code
    does (``kernel_eigenvector``).
    """

    def __init__(
        self,
        j: int = 70,
        n_train: int = 100,
        n_test: int = 100,
        dim: int = 100,
        width: int = DEFAULT_WIDTH,
        eps: float = DEFAULT_EPS,
        label_scale: float | None = None,
        subtract_mean: bool = False,
        seed: int = 0,
        batch_size: int | None = None,
    ) -> None:
        data = make_eigenvector_data(j, n_train, n_test, dim, width, eps, subtract_mean, seed)
        scale = (n_train + n_test) ** 0.5 if label_scale is None else label_scale
        super().__init__(
            data.x_train,
            data.y_train * scale,
            data.x_test,
            data.y_test * scale,
            batch_size=batch_size,
            seed=seed,
        )
        self.j, self.dim, self.width, self.eps = j, dim, width, eps
        self.initial_weight = data.model.weight.detach().clone()  # not a buffer: host-side spec

    def model_kwargs(self) -> dict:
        return {
            "dim": self.dim,
            "width": self.width,
            "eps": self.eps,
            "initial_weight": self.initial_weight,
        }
