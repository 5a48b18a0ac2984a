import math

import numpy as np
import pytest
import torch

from grokrewarm.domains.lazy_rich.polynomial import (
    CommitteeMachine,
    PolynomialTask,
    QuadraticPredictor,
    committee_machine,
    committee_machine_ntk,
    hermite_polynomial,
    loss_decomposition,
    make_polynomial_data,
    quadratic_predictor,
    sample_inputs,
)
from grokrewarm.method.laziness import CenteredOutputScale
from grokrewarm.method.laziness_diagnostics import empirical_ntk

F64 = torch.float64


def test_hermite_polynomials_by_hand_and_orthogonality():
    z = torch.tensor([-1.5, 0.0, 0.5, 2.0], dtype=F64)
    assert torch.allclose(hermite_polynomial(z, 0), torch.ones(4, dtype=F64))
    assert torch.allclose(hermite_polynomial(z, 2), z**2 - 1)
    assert torch.allclose(hermite_polynomial(z, 3), z**3 - 3 * z)
    assert torch.allclose(hermite_polynomial(z, 4), z**4 - 6 * z**2 + 3)
    # <He_m He_n> = n! delta_mn under N(0, 1); 10-point Gauss-Hermite is exact to degree 19
    nodes, weights = np.polynomial.hermite_e.hermegauss(10)
    nodes, weights = torch.from_numpy(nodes), torch.from_numpy(weights / weights.sum())
    for m in range(5):
        for n in range(5):
            inner = (weights * hermite_polynomial(nodes, m) * hermite_polynomial(nodes, n)).sum()
            assert inner.item() == pytest.approx(math.factorial(n) if m == n else 0.0, abs=1e-10)


def test_data_are_the_quadratic_target_on_seeded_gaussian_inputs():
    data = make_polynomial_data(seed=3)
    assert data.x_train.shape == (550, 100) and data.x_test.shape == (1000, 100)
    assert torch.allclose(data.y_train, (data.x_train @ data.beta) ** 2 / 2)
    assert torch.allclose(data.y_test, (data.x_test @ data.beta) ** 2 / 2)
    # x ~ N(0, I/D): E|x|^2 = 1 with standard deviation sqrt(2/D) per point
    assert data.x_test.square().sum(1).mean().item() == pytest.approx(1.0, abs=0.03)
    again, other = make_polynomial_data(seed=3), make_polynomial_data(seed=4)
    assert torch.equal(again.x_train, data.x_train) and torch.equal(again.beta, data.beta)
    assert not torch.equal(other.x_train, data.x_train)
    hermite = make_polynomial_data(n_train=5, n_test=5, dim=4, hermite_degree=3, seed=3)
    projection = hermite.x_train @ hermite.beta
    assert torch.allclose(hermite.y_train, projection**3 - 3 * projection)


def machine(train_readouts: bool, seed: int = 0, dim: int = 4, width: int = 6, alpha=1.0):
    generator = torch.Generator().manual_seed(seed)
    return CommitteeMachine(
        dim=dim,
        width=width,
        eps=0.3,
        alpha=alpha,
        train_readouts=train_readouts,
        generator=generator,
        dtype=F64,
    )


@torch.no_grad()
def perturb_(model, seed: int = 1) -> None:
    generator = torch.Generator().manual_seed(seed)
    for param in model.parameters():
        param.add_(0.5 * torch.randn(param.shape, generator=generator, dtype=param.dtype))


@pytest.mark.parametrize("train_readouts", [False, True])
def test_machine_is_the_quadratic_form_of_its_moments(train_readouts):
    model = machine(train_readouts, alpha=1.7)
    x = sample_inputs(9, 4, torch.Generator().manual_seed(5), F64)
    # Eq. 3 by hand: (alpha / N) sum_i v_i (h_i + eps/2 h_i^2)
    h = x @ model.weight.T
    by_hand = 1.7 / 6 * ((h + 0.15 * h**2) @ model.readout)
    assert torch.allclose(model(x), by_hand, atol=1e-14)
    assert torch.allclose(quadratic_predictor(model)(x), model(x), atol=1e-13)
    assert isinstance(model.readout, torch.nn.Parameter) == train_readouts


def test_centred_machine_is_the_quadratic_form_of_its_moment_changes():
    model = machine(train_readouts=True)
    wrapped = CenteredOutputScale(model, 2.5)
    perturb_(model)
    x = sample_inputs(9, 4, torch.Generator().manual_seed(5), F64)
    predictor = quadratic_predictor(wrapped)
    assert predictor.scale == pytest.approx(2.5)
    assert torch.allclose(predictor(x), wrapped(x), atol=1e-13)
    assert wrapped(x).abs().max() > 0.1


def population_test_loss(model, beta: torch.Tensor) -> torch.Tensor:
    """Exact <(y - f)^2> over x ~ N(0, I/D): tensor-product 3-point Gauss-Hermite quadrature is
    exact for polynomials of degree <= 5 in each coordinate, and (y - f)^2 has degree 4."""
    dim = beta.shape[0]
    nodes, weights = np.polynomial.hermite_e.hermegauss(3)
    grid = np.stack(np.meshgrid(*[nodes] * dim, indexing="ij"), -1).reshape(-1, dim)
    grid_weights = np.prod(
        np.stack(np.meshgrid(*[weights / weights.sum()] * dim, indexing="ij"), -1), -1
    ).reshape(-1)
    x = torch.from_numpy(grid) / math.sqrt(dim)
    with torch.no_grad():
        squared_error = ((x @ beta) ** 2 / 2 - model(x)) ** 2
    return (torch.from_numpy(grid_weights) * squared_error).sum()


def test_quadrature_reproduces_a_known_gaussian_moment():
    # <y^2> = <(beta.x)^4> / 4 = 3 |beta|^4 / (4 D^2) for the zero predictor
    beta = torch.tensor([1.0, -2.0, 0.5, 3.0], dtype=F64)
    zero = machine(train_readouts=False)
    zero = CenteredOutputScale(zero, 1.0)
    expected = 3 * beta.square().sum() ** 2 / (4 * 16)
    assert population_test_loss(zero, beta).item() == pytest.approx(expected.item(), rel=1e-12)


@pytest.mark.parametrize("centred", [False, True])
@pytest.mark.parametrize("train_readouts", [False, True])
def test_loss_decomposition_sums_to_the_test_loss(train_readouts, centred):
    beta = torch.randn(4, generator=torch.Generator().manual_seed(9), dtype=F64)
    model = machine(train_readouts, alpha=1.3)
    wrapped = CenteredOutputScale(model, 2.0) if centred else model
    perturb_(model)
    terms = loss_decomposition(quadratic_predictor(wrapped), beta)
    assert all(term.item() > 1e-3 for term in terms)  # every term is exercised
    assert terms.total.item() == pytest.approx(
        population_test_loss(wrapped, beta).item(), rel=1e-10
    )


def test_loss_decomposition_terms_by_hand():
    # D = 2, beta = (1, 1), alpha = eps = 1, M = 0, w_bar = (1, 0)
    predictor = QuadraticPredictor(
        1.0, torch.tensor([1.0, 0.0], dtype=F64), torch.zeros(2, 2, dtype=F64), 1.0
    )
    terms = loss_decomposition(predictor, torch.ones(2, dtype=F64))
    assert terms.variance.item() == pytest.approx(0.25)  # (|beta|^2 / D)^2 / 4
    assert terms.misalignment.item() == pytest.approx(0.5)  # |beta beta^T|_F^2 / (2 D^2)
    assert terms.linear_power.item() == pytest.approx(0.5)  # |w_bar|^2 / D
    beta = torch.tensor([0.5, -1.0, 2.0], dtype=F64)
    solution = QuadraticPredictor(
        2.0, torch.zeros(3, dtype=F64), torch.outer(beta, beta) / 0.4, 0.2
    )
    assert loss_decomposition(solution, beta).total.item() == pytest.approx(0.0, abs=1e-14)


def test_eq5_ntk_matches_the_empirical_ntk():
    model = machine(train_readouts=False, dim=5, width=7, alpha=1.5)
    perturb_(model)  # w_bar != 0 and M != I, so every term of Eq. 5 matters
    x = sample_inputs(6, 5, torch.Generator().manual_seed(2), F64)
    closed_form = committee_machine_ntk(model, x)
    assert torch.allclose(closed_form, empirical_ntk(model, x), atol=1e-12)
    wrapped = CenteredOutputScale(model, 3.0)
    assert torch.allclose(empirical_ntk(wrapped, x), 9.0 * closed_form, atol=1e-11)
    x2 = sample_inputs(3, 5, torch.Generator().manual_seed(4), F64)
    assert committee_machine_ntk(model, x, x2).shape == (6, 3)
    with pytest.raises(ValueError, match="readouts"):
        committee_machine_ntk(machine(train_readouts=True), x)


def test_quadratic_predictor_needs_the_quadratic_activation():
    hermite_model = CommitteeMachine(dim=3, width=4, hermite_degree=3)
    x = sample_inputs(2, 3)
    h = x @ hermite_model.weight.T
    expected = (h + 0.01 * (h**3 - 3 * h)).mean(1)
    assert torch.allclose(hermite_model(x), expected, atol=1e-6)
    with pytest.raises(TypeError, match="quadratic"):
        quadratic_predictor(hermite_model)


def test_polynomial_task_is_the_data_builders_full_batch_with_mse():
    task = PolynomialTask(n_train=30, n_test=40, dim=8, seed=3)
    data = make_polynomial_data(30, 40, 8, seed=3)
    x, y = task.train_batch(0)
    assert torch.equal(x, data.x_train) and torch.equal(y, data.y_train)
    assert task.train_batch(17)[0] is task.x_train  # full batch every step
    assert task.model_kwargs() == {"dim": 8}
    outputs = torch.randn(30)
    assert task.loss(outputs, y).item() == pytest.approx((outputs - y).square().mean().item())


def test_polynomial_extra_metrics_are_eq6_terms_summing_to_the_population_loss():
    torch.manual_seed(0)
    task = PolynomialTask(n_train=50, n_test=20000, dim=6, seed=0)
    model = CenteredOutputScale(committee_machine(dim=6, width=40, eps=0.5), alpha=1.5)
    with torch.no_grad():
        model.model.weight.add_(0.3 * torch.randn_like(model.model.weight))
    terms = task.extra_metrics(model)
    parts = sum(terms[f"decomposition/{k}"] for k in ("variance", "misalignment", "linear_power"))
    assert terms["decomposition/total"].item() == pytest.approx(parts.item(), rel=1e-6)
    # the exact population loss against a large test sample (sampling error ~1-2%)
    sampled = task.loss(model(task.x_test), task.y_test).item()
    assert terms["decomposition/total"].item() == pytest.approx(sampled, rel=0.05)
    # the Hermite variant has no Eq. 6: nothing logged
    hermite = committee_machine(dim=6, width=4, hermite_degree=3)
    assert task.extra_metrics(hermite) == {}


def test_committee_machine_starts_from_given_weights_and_checks_their_shape():
    weight = torch.randn(3, 5)
    machine = committee_machine(dim=5, width=3, eps=0.1, initial_weight=weight)
    assert torch.equal(machine.weight.detach(), weight) and machine.eps == 0.1
    with pytest.raises(ValueError, match="initial_weight has shape"):
        committee_machine(dim=5, width=4, initial_weight=weight)
