"""``ntk_regression_test_loss``: kernel regression with the empirical NTK (Kumar et al. Fig. 1b).

For a linear model ``f(x) = w . x`` the NTK is ``X X^T`` and NTK regression from ``w_0`` is the
min-norm least-squares move of ``w``: the values below are worked by hand."""

import pytest
import torch
from torch import nn

from grokrewarm.domains.lazy_rich.polynomial import CommitteeMachine, committee_machine_ntk
from grokrewarm.method.laziness import CenteredOutputScale
from grokrewarm.method.laziness_diagnostics import ntk_regression_test_loss


def linear(weight: list[float], bias: float | None = None) -> nn.Linear:
    model = nn.Linear(len(weight), 1, bias=bias is not None)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([weight]))
        if bias is not None:
            model.bias.fill_(bias)
    return model


def test_linear_model_interpolates_from_its_initial_weights():
    # K = X X^T = I; residual y - X w0 = (5 - 1, -1 - 2) = (4, -3); w = w0 + X^T (4, -3)
    # = (5, -1, 3): predictions 7, 6, 10 against 6, 6, 7 -> errors 1, 0, 9 -> MSE 10/3
    x_train = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    y_train = torch.tensor([5.0, -1.0])
    x_test = torch.tensor([[1.0, 1.0, 1.0], [0.0, 0.0, 2.0], [2.0, 0.0, 0.0]])
    y_test = torch.tensor([6.0, 6.0, 7.0])
    loss = ntk_regression_test_loss(linear([1.0, 2.0, 3.0]), x_train, y_train, x_test, y_test)
    assert loss.item() == pytest.approx(10 / 3, rel=1e-6)
    # test points in blocks of one give the same answer
    blocked = ntk_regression_test_loss(
        linear([1.0, 2.0, 3.0]), x_train, y_train, x_test, y_test, block_size=1
    )
    assert blocked.item() == pytest.approx(10 / 3, rel=1e-6)


def test_singular_kernel_gives_the_min_norm_least_squares_fit():
    # a repeated input with two labels: K is singular, least squares fits their mean 3 on x_1
    # and leaves x_3 (never seen) at w0's 0: test errors 0 and 1 -> MSE 1/2
    x_train = torch.tensor([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    y_train = torch.tensor([2.0, 4.0, 0.0])
    x_test = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    y_test = torch.tensor([3.0, 1.0])
    loss = ntk_regression_test_loss(linear([0.0, 0.0, 0.0]), x_train, y_train, x_test, y_test)
    assert loss.item() == pytest.approx(0.5, rel=1e-6)


def test_bias_enters_the_kernel():
    # f = w x + b, w0 = b0 = 0, one training point x = 1, y = 2: K = x^2 + 1 = 2, coefficient 1,
    # move (w, b) = (1, 1): f(3) = 4 against 5 -> MSE 1 (without the bias it would be f(3) = 6)
    loss = ntk_regression_test_loss(
        linear([0.0], bias=0.0),
        torch.tensor([[1.0]]),
        torch.tensor([2.0]),
        torch.tensor([[3.0]]),
        torch.tensor([5.0]),
    )
    assert loss.item() == pytest.approx(1.0, rel=1e-6)


def test_committee_machine_matches_regression_with_the_eq5_kernel():
    torch.manual_seed(0)
    dim, n_train, n_test = 6, 10, 7
    machine = CommitteeMachine(dim=dim, width=5, eps=0.3, dtype=torch.float64)
    model = CenteredOutputScale(machine, alpha=2.0)  # f_0 = 0; the kernel is 4 x Eq. 5's
    x_train = torch.randn(n_train, dim, dtype=torch.float64)
    x_test = torch.randn(n_test, dim, dtype=torch.float64)
    y_train, y_test = x_train[:, 0] ** 2, x_test[:, 0] ** 2
    kernel = committee_machine_ntk(machine, x_train)
    cross = committee_machine_ntk(machine, x_test, x_train)
    expected = ((cross @ torch.linalg.solve(kernel, y_train) - y_test) ** 2).mean()
    loss = ntk_regression_test_loss(model, x_train, y_train, x_test, y_test)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-8)
    assert loss.item() > 0.01  # not a trivial fit


def test_multi_output_models_are_refused():
    with pytest.raises(ValueError, match="scalar-output"):
        ntk_regression_test_loss(
            nn.Linear(3, 2), torch.ones(2, 3), torch.ones(2), torch.ones(1, 3), torch.ones(1)
        )
