import math

import numpy as np
import pytest
import torch
from torch import nn

from grokrewarm.method.laziness_diagnostics import (
    centered_kernel_alignment,
    empirical_ntk,
    ntk_alignment,
    relative_parameter_change,
    time_to_grok,
)

X = torch.tensor([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0], [2.0, 0.5, -1.0], [1.0, 1.0, 1.0]])


def linear(out_features: int, bias: bool) -> nn.Linear:
    torch.manual_seed(0)
    return nn.Linear(3, out_features, bias=bias)


def test_ntk_of_a_linear_model_is_the_gram_matrix():
    assert torch.allclose(empirical_ntk(linear(1, bias=False), X), X @ X.T)
    # a bias adds d(w.x + b)/db = 1 to every gradient pair
    assert torch.allclose(empirical_ntk(linear(1, bias=True), X), X @ X.T + 1)


def test_ntk_of_a_vector_output_sums_the_per_output_kernels():
    # output k depends only on row k of the weight, so each per-output NTK is X X^T
    assert torch.allclose(empirical_ntk(linear(4, bias=False), X), 4 * X @ X.T)


def test_ntk_ignores_frozen_parameters():
    model = linear(1, bias=True)
    model.bias.requires_grad_(False)
    assert torch.allclose(empirical_ntk(model, X), X @ X.T)
    model.weight.requires_grad_(False)
    with pytest.raises(ValueError, match="requires_grad"):
        empirical_ntk(model, X)


def test_ntk_of_an_mlp_matches_per_example_autograd():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 2)).double()
    x = X.double()
    rows = []
    for example in x:  # the slow reference: one backward per example and output
        per_output = []
        for k in range(2):
            grads = torch.autograd.grad(model(example[None])[0, k], list(model.parameters()))
            per_output.append(torch.cat([g.reshape(-1) for g in grads]))
        rows.append(torch.stack(per_output))
    jacobian = torch.stack(rows)  # [n, k, P]
    expected = torch.einsum("ikp,jkp->ij", jacobian, jacobian)
    assert torch.allclose(empirical_ntk(model, x, chunk_size=2), expected, atol=1e-12)


K = torch.tensor([[2.0, 1.0, 0.0], [1.0, 2.0, 1.0], [0.0, 1.0, 2.0]], dtype=torch.float64)
Y = torch.tensor([1.0, 2.0, 0.0], dtype=torch.float64)


def test_alignment_as_printed_by_hand():
    # y^T K y = 2*1 + 2*(1*1*2) + 2*4 = 14, ||K||_F = 4, ||y||^2 = 5
    assert ntk_alignment(K, Y, centering="none").item() == pytest.approx(14 / 20)


def test_centred_alignment_by_hand():
    # Hy = [0, 1, -1]: numerator K11 + K22 - 2 K12 = 2, ||Hy||^2 = 2.
    # HKH = [[10, -2, -8], [-2, 4, -2], [-8, -2, 10]] / 9, so ||HKH||_F = sqrt(360) / 9
    assert ntk_alignment(K, Y).item() == pytest.approx(2 / (math.sqrt(360) / 9 * 2))
    # authors' code: ||K - column means||_F = sqrt(14/3) instead
    assert ntk_alignment(K, Y, centering="columns").item() == pytest.approx(
        2 / (math.sqrt(14 / 3) * 2)
    )


def test_alignment_with_one_hot_labels_traces_over_columns():
    labels = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]], dtype=torch.float64)
    # columns [1,0,1] -> K00 + K22 + 2 K02 = 4 and [0,1,0] -> K11 = 2; ||Y||_F^2 = 3
    assert ntk_alignment(K, labels, centering="none").item() == pytest.approx(6 / (4 * 3))


def test_alignment_rejects_unknown_centering():
    with pytest.raises(ValueError, match="centering"):
        ntk_alignment(K, Y, centering="rows")


def test_centered_kernel_alignment_by_hand():
    e0 = torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64)
    e1 = torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64)
    # H e0 = [2,-1,-1]/3, H e1 = [-1,2,-1]/3: (u.v)^2 / (|u|^2 |v|^2) = (1/9) / (4/9)
    cka = centered_kernel_alignment(torch.outer(e0, e0), torch.outer(e1, e1))
    assert cka.item() == pytest.approx(0.25)
    assert centered_kernel_alignment(K, 5 * K).item() == pytest.approx(1.0)
    assert centered_kernel_alignment(K, -K).item() == pytest.approx(-1.0)
    # the label alignment is the CKA between K and the label kernel y y^T
    assert centered_kernel_alignment(K, torch.outer(Y, Y)).item() == pytest.approx(
        ntk_alignment(K, Y).item()
    )


def test_relative_parameter_change_by_hand():
    params0 = [torch.tensor([3.0, 0.0]), torch.tensor([[4.0]])]  # ||w0|| = 5
    params = [torch.tensor([4.0, 0.0]), torch.tensor([[4.0]])]  # ||w - w0|| = 1
    assert relative_parameter_change(params, params0).item() == pytest.approx(0.2)
    moved = [torch.tensor([3.0, 3.0]), torch.tensor([[0.0]])]  # ||(0, 3, -4)|| = 5
    assert relative_parameter_change(moved, params0).item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="parameters"):
        relative_parameter_change(params[:1], params0)


def test_relative_parameter_change_of_a_trained_model():
    model = linear(2, bias=True)
    initial = [p.detach().clone() for p in model.parameters()]
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(1.5)  # every parameter moves by half its size
    assert relative_parameter_change(model.parameters(), initial).item() == pytest.approx(0.5)


STEPS = [0, 10, 20, 30, 40, 50]


def test_time_to_grok_in_accuracy():
    train = [0.1, 0.5, 0.96, 1.0, 1.0, 1.0]
    test = [0.0, 0.0, 0.1, 0.2, 0.97, 1.0]
    assert time_to_grok(STEPS, train, test, threshold=0.95) == 20
    # reaching the threshold exactly counts for accuracy
    assert time_to_grok(STEPS, train, [0, 0, 0, 0.95, 1, 1], threshold=0.95) == 10


def test_time_to_grok_in_loss():
    train = np.array([1.0, 0.5, 0.05, 0.01, 0.01, 0.01])
    test = np.array([1.0, 1.2, 0.8, 0.1, 0.09, 0.02])  # 0.1 is not below 0.1
    assert time_to_grok(STEPS, train, test, threshold=0.1, mode="loss") == 20
    log_steps = [1, 10, 100, 1000, 10000, 100000]
    assert time_to_grok(log_steps, train, test, threshold=0.1, mode="loss") == 9900


def test_time_to_grok_when_never_reached_or_test_first():
    train = [0.1, 0.5, 0.96, 1.0, 1.0, 1.0]
    assert math.isnan(time_to_grok(STEPS, train, [0.1] * 6, threshold=0.95))
    assert math.isnan(time_to_grok(STEPS, [0.1] * 6, train, threshold=0.95))
    assert time_to_grok(STEPS, [0, 0, 0, 1, 1, 1], [0, 1, 1, 1, 1, 1], threshold=0.5) == -20
    with_nan = [float("nan"), 0.97, 1, 1, 1, 1]
    assert time_to_grok(STEPS, with_nan, [0, 0, 0, 0, 0, 1], threshold=0.95) == 40


def test_time_to_grok_validates_inputs():
    with pytest.raises(ValueError, match="mode"):
        time_to_grok(STEPS, [0] * 6, [0] * 6, threshold=0.5, mode="error")
    with pytest.raises(ValueError, match="length"):
        time_to_grok(STEPS, [0] * 5, [0] * 6, threshold=0.5)
