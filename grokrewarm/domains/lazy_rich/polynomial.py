"""Polynomial regression with a committee machine (Kumar et al. 2024, Section 5 and App. 11-15).

Task (Eq. 3): inputs ``x ~ N(0, I/D)``, target ``y(x) = (beta* . x)^2 / 2``; model
``f(x) = (alpha/N) sum_i v_i phi(w_i . x)`` with ``phi(h) = h + (eps/2) h^2`` and readouts
``v_i = 1`` fixed (the paper's minimal setting) or trained (App. 12, Eq. 21). App. 15.2's variant
replaces the target by ``He_k(beta* . x)`` and the activation by ``h + (eps/2) He_k(h)``.

Scalings the paper leaves implicit, taken from the authors' released code: ``beta* ~ N(0, I_D)``
(not normalised, so ``beta* . x ~ N(0, |beta*|^2/D)`` is about standard normal and
``|beta*|^2 / D`` about 1), first-layer weights ``w_i ~ N(0, I_D)`` (so ``M = I`` at wide
initialisation, App. 11.1), trained readouts ``v_i ~ N(0, 1)``, 1000 test points, and the loss
``mean((prediction - y)^2)`` without a 1/2. Defaults follow the authors' code: D=100, P=550,
N=500, eps=0.02; train the centred predictor ``CenteredOutputScale(CommitteeMachine(...), alpha)``
with full-batch GD at ``lazy_learning_rate(N, alpha)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import Tensor, nn

from grokrewarm.domains.lazy_rich.tensor_task import TensorTask
from grokrewarm.method.laziness import CenteredOutputScale

DEFAULT_DIM = 100
DEFAULT_N_TRAIN = 550
DEFAULT_N_TEST = 1000
DEFAULT_WIDTH = 500
DEFAULT_EPS = 0.02


def hermite_polynomial(z: Tensor, degree: int) -> Tensor:
    """Probabilists' Hermite polynomial ``He_k(z)`` (orthogonal under ``N(0, 1)``).

    ``He_0 = 1``, ``He_1 = z``, ``He_{k+1} = z He_k - k He_{k-1}``; e.g. ``He_2 = z^2 - 1``,
    ``He_3 = z^3 - 3z``. The paper (App. 15.2) writes ``H_k`` without saying which family; the
    probabilists' one is the natural choice for Gaussian inputs (its information exponent is k).
    """
    if degree < 0:
        raise ValueError(f"Hermite degree must be >= 0, got {degree}")
    previous, current = torch.ones_like(z), z
    if degree == 0:
        return previous
    for k in range(1, degree):
        previous, current = current, z * current - k * previous
    return current


def _check_hermite_degree(hermite_degree: int | None) -> None:
    if hermite_degree is not None and hermite_degree < 1:
        raise ValueError(f"hermite_degree must be None or >= 1, got {hermite_degree}")


def sample_inputs(
    n: int, dim: int, generator: torch.Generator | None = None, dtype=torch.float32
) -> Tensor:
    """``n`` inputs ``x ~ N(0, I/D)`` (Section 5), shape ``[n, dim]``."""
    return torch.randn(n, dim, generator=generator, dtype=dtype) / dim**0.5


def polynomial_target(x: Tensor, beta: Tensor, hermite_degree: int | None = None) -> Tensor:
    """``(beta . x)^2 / 2`` (Eq. 3), or ``He_k(beta . x)`` for ``hermite_degree=k`` (App. 15.2)."""
    _check_hermite_degree(hermite_degree)
    projection = x @ beta
    if hermite_degree is None:
        return projection.square() / 2
    return hermite_polynomial(projection, hermite_degree)


@dataclass(frozen=True)
class PolynomialData:
    """Train and test sets of the polynomial task and the target direction ``beta*``."""

    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor
    beta: Tensor


def make_polynomial_data(
    n_train: int = DEFAULT_N_TRAIN,
    n_test: int = DEFAULT_N_TEST,
    dim: int = DEFAULT_DIM,
    hermite_degree: int | None = None,
    seed: int = 0,
    dtype=torch.float32,
) -> PolynomialData:
    """Draw ``beta* ~ N(0, I_D)``, then train and test inputs, all from one generator seeded by
    ``seed`` (so the data are a pure function of the arguments)."""
    if n_train < 1 or n_test < 1 or dim < 1:
        raise ValueError(f"n_train, n_test and dim must be >= 1, got {n_train}, {n_test}, {dim}")
    generator = torch.Generator().manual_seed(seed)
    beta = torch.randn(dim, generator=generator, dtype=dtype)
    x_train = sample_inputs(n_train, dim, generator, dtype)
    x_test = sample_inputs(n_test, dim, generator, dtype)
    return PolynomialData(
        x_train=x_train,
        y_train=polynomial_target(x_train, beta, hermite_degree),
        x_test=x_test,
        y_test=polynomial_target(x_test, beta, hermite_degree),
        beta=beta,
    )


class CommitteeMachine(nn.Module):
    """``f(x) = (alpha/N) sum_i v_i phi(w_i . x)``, ``phi(h) = h + (eps/2) h^2`` (Eq. 3, Eq. 21).

    ``weight`` is ``[N, D]`` with rows ``w_i ~ N(0, I_D)``. Readouts ``v`` are a buffer of ones
    (Eq. 3) unless ``train_readouts``, then a parameter drawn ``N(0, 1)``. With
    ``hermite_degree=k`` the activation is ``h + (eps/2) He_k(h)`` (App. 15.2). Input ``[n, D]``,
    output ``[n]``. Leave ``alpha=1`` when wrapping in ``CenteredOutputScale``, which supplies
    the alpha of Eq. 7.
    """

    def __init__(
        self,
        dim: int = DEFAULT_DIM,
        width: int = DEFAULT_WIDTH,
        eps: float = DEFAULT_EPS,
        alpha: float = 1.0,
        train_readouts: bool = False,
        hermite_degree: int | None = None,
        generator: torch.Generator | None = None,
        dtype=torch.float32,
    ):
        super().__init__()
        _check_hermite_degree(hermite_degree)
        self.eps = float(eps)
        self.alpha = float(alpha)
        self.hermite_degree = hermite_degree
        self.weight = nn.Parameter(torch.randn(width, dim, generator=generator, dtype=dtype))
        if train_readouts:
            self.readout = nn.Parameter(torch.randn(width, generator=generator, dtype=dtype))
        else:
            self.register_buffer("readout", torch.ones(width, dtype=dtype))

    @property
    def width(self) -> int:
        return self.weight.shape[0]

    def activation(self, h: Tensor) -> Tensor:
        if self.hermite_degree is None:
            return h + self.eps / 2 * h.square()
        return h + self.eps / 2 * hermite_polynomial(h, self.hermite_degree)

    def forward(self, x: Tensor) -> Tensor:
        return self.alpha / self.width * (self.activation(x @ self.weight.T) @ self.readout)

    def extra_repr(self) -> str:
        dim, trained = self.weight.shape[1], isinstance(self.readout, nn.Parameter)
        return (
            f"dim={dim}, width={self.width}, eps={self.eps:g}, alpha={self.alpha:g}, "
            f"train_readouts={trained}, hermite_degree={self.hermite_degree}"
        )


class QuadraticPredictor(NamedTuple):
    """``f(x) = scale * (w_bar . x + (eps/2) x^T M x)`` (Section 5 after Eq. 4; Eq. 21)."""

    scale: float
    mean_weight: Tensor  # w_bar, [D]
    second_moment: Tensor  # M, [D, D]
    eps: float

    def __call__(self, x: Tensor) -> Tensor:
        quadratic = torch.einsum("nd,de,ne->n", x, self.second_moment, x)
        return self.scale * (x @ self.mean_weight + self.eps / 2 * quadratic)


def _moments(machine: CommitteeMachine) -> tuple[Tensor, Tensor]:
    weight, readout = machine.weight.detach(), machine.readout.detach()
    mean_weight = weight.T @ readout / machine.width  # Eq. 4 / Eq. 22
    second_moment = (weight * readout[:, None]).T @ weight / machine.width
    return mean_weight, second_moment


def quadratic_predictor(model: CommitteeMachine | CenteredOutputScale) -> QuadraticPredictor:
    """The summary statistics ``(w_bar, M)`` of Eq. 4 (Eq. 22 with readouts) of a committee machine.

    For ``CenteredOutputScale(machine, alpha_c)`` the predictor is
    ``alpha_c * (f - f_0)``, which is again of this form with ``w_bar - w_bar_0``, ``M - M_0``
    and scale ``alpha_c * machine.alpha``; those are the statistics that enter the loss
    decomposition of the centred model. Only for the quadratic activation of Eq. 3.
    """
    centered = isinstance(model, CenteredOutputScale)
    machine = model.model if centered else model
    if not isinstance(machine, CommitteeMachine) or machine.hermite_degree is not None:
        raise TypeError(
            "quadratic_predictor needs a CommitteeMachine with the quadratic activation of Eq. 3 "
            f"(optionally inside CenteredOutputScale), got {type(machine).__name__}"
        )
    mean_weight, second_moment = _moments(machine)
    scale = machine.alpha
    if centered:
        mean_weight0, second_moment0 = _moments(model.initial_model)
        mean_weight, second_moment = mean_weight - mean_weight0, second_moment - second_moment0
        scale *= model.alpha
    return QuadraticPredictor(scale, mean_weight, second_moment, machine.eps)


class LossDecomposition(NamedTuple):
    """The three terms of Kumar et al. Eq. 6; ``total`` is the population test MSE."""

    variance: Tensor
    misalignment: Tensor
    linear_power: Tensor

    @property
    def total(self) -> Tensor:
        return self.variance + self.misalignment + self.linear_power


def loss_decomposition(predictor: QuadraticPredictor, beta: Tensor) -> LossDecomposition:
    """Eq. 6: ``<(y - f)^2>`` over ``x ~ N(0, I/D)`` for ``y = (beta . x)^2 / 2``::

        variance     = (1/4) (|beta|^2 / D - (alpha eps / D) Tr M)^2
        misalignment = (1 / (2 D^2)) |alpha eps M - beta beta^T|_F^2
        linear_power = (alpha^2 / D) |w_bar|^2

    with ``alpha`` the predictor's scale. Exact (Gaussian fourth moments, no sampling): the error
    ``y - f = -(1/2) x^T Q x - alpha w_bar . x`` with ``Q = alpha eps M - beta beta^T`` has
    ``<(x^T Q x)^2> = ((Tr Q)^2 + 2 |Q|_F^2) / D^2`` and no odd cross term. The test error is zero
    iff ``M = beta beta^T / (alpha eps)`` and ``w_bar = 0``.
    """
    alpha, eps = predictor.scale, predictor.eps
    dim = beta.shape[0]
    second_moment = predictor.second_moment
    variance = (beta.square().sum() / dim - alpha * eps / dim * second_moment.trace()).square() / 4
    misalignment = (alpha * eps * second_moment - torch.outer(beta, beta)).square().sum() / (
        2 * dim**2
    )
    linear_power = alpha**2 / dim * predictor.mean_weight.square().sum()
    return LossDecomposition(variance, misalignment, linear_power)


def committee_machine_ntk(
    machine: CommitteeMachine, x1: Tensor, x2: Tensor | None = None
) -> Tensor:
    """Closed-form NTK of Eq. 5 for fixed unit readouts, ``[n1, n2]``::

        K(x, x') = (alpha^2 / N) (x . x') [1 + eps w_bar . (x + x') + eps^2 x^T M x']

    The paper writes Eq. 5 without the ``alpha^2 / N`` prefactor (the gradient of the
    ``alpha/N``-scaled output carries it). At a wide initialisation (``w_bar = 0``, ``M = I``) this
    is Eq. 10, ``x . x' + eps^2 (x . x')^2`` up to the prefactor. For the centred predictor multiply
    by ``CenteredOutputScale.alpha ** 2``. Costs ``O(n^2 D + n D^2)``, not ``O(n^2 N D)``.
    """
    if isinstance(machine.readout, nn.Parameter) or machine.hermite_degree is not None:
        raise ValueError("Eq. 5 holds for fixed unit readouts and the quadratic activation only")
    x2 = x1 if x2 is None else x2
    mean_weight, second_moment = _moments(machine)
    dots = x1 @ x2.T
    linear_shift = (x1 @ mean_weight)[:, None] + (x2 @ mean_weight)[None, :]
    bracket = 1 + machine.eps * linear_shift + machine.eps**2 * (x1 @ second_moment @ x2.T)
    return machine.alpha**2 / machine.width * dots * bracket


def committee_machine(
    dim: int,
    width: int = 500,
    eps: float = 0.02,
    train_readouts: bool = False,
    hermite_degree: int | None = None,
    initial_weight: Tensor | None = None,
) -> CommitteeMachine:
    """``CommitteeMachine`` with alpha = 1 (the output scale is the ``output_scale`` knob), drawn
    from the global RNG (seeded per run), or starting from ``initial_weight`` when a task's labels
    were made for one particular initialisation (eigenvector labels)."""
    machine = CommitteeMachine(
        dim=dim, width=width, eps=eps, train_readouts=train_readouts, hermite_degree=hermite_degree
    )
    if initial_weight is not None:
        if initial_weight.shape != machine.weight.shape:
            raise ValueError(
                f"initial_weight has shape {tuple(initial_weight.shape)}, the machine needs "
                f"{tuple(machine.weight.shape)} (width x dim)"
            )
        with torch.no_grad():
            machine.weight.copy_(initial_weight)
    return machine


class PolynomialTask(TensorTask):
    """Kumar et al. Section 5: ``x ~ N(0, I/D)``, ``y = (beta* . x)^2 / 2`` (or ``He_k``), MSE.

    ``extra_metrics`` logs the three terms of Eq. 6 (``decomposition/variance``,
    ``decomposition/misalignment``, ``decomposition/linear_power``) and their sum
    ``decomposition/total``, the population test loss, for a committee machine with the quadratic
    activation (optionally inside ``CenteredOutputScale``); nothing for other models.
    """

    def __init__(
        self,
        n_train: int = 550,
        n_test: int = 1000,
        dim: int = 100,
        hermite_degree: int | None = None,
        seed: int = 0,
        batch_size: int | None = None,
    ) -> None:
        data = make_polynomial_data(n_train, n_test, dim, hermite_degree, seed)
        super().__init__(
            data.x_train, data.y_train, data.x_test, data.y_test, batch_size=batch_size, seed=seed
        )
        self.dim = dim
        self.hermite_degree = hermite_degree
        self.register_buffer("beta", data.beta, persistent=False)

    def model_kwargs(self) -> dict:
        return {"dim": self.dim}

    def extra_metrics(self, model: nn.Module) -> dict[str, Tensor]:
        machine = model.model if isinstance(model, CenteredOutputScale) else model
        if not isinstance(machine, CommitteeMachine) or machine.hermite_degree is not None:
            return {}
        terms = loss_decomposition(quadratic_predictor(model), self.beta)
        return {
            "decomposition/variance": terms.variance,
            "decomposition/misalignment": terms.misalignment,
            "decomposition/linear_power": terms.linear_power,
            "decomposition/total": terms.total,
        }
