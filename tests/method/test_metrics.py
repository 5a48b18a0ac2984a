import math

import pytest
import torch

from grokrewarm.method import metrics as M


def test_normalized_covariance_by_hand():
    f = torch.tensor([[1.0, 0.0], [1.0, 1.0]])  # ||f||_F^2 = 3
    expected = torch.tensor([[1.0, 1.0], [1.0, 2.0]]) / 3
    assert torch.allclose(M.normalized_covariance(f), expected)


def test_feature_covariance_change_by_hand():
    before = torch.tensor([[1.0, 0.0], [0.0, 1.0]])  # C = I / 2
    after = torch.tensor([[1.0, 0.0], [1.0, 0.0]])  # C = ones / 2
    # C_before - C_after = [[0, -1/2], [-1/2, 0]] -> Frobenius norm sqrt(2) / 2
    assert M.feature_covariance_change(before, after).item() == pytest.approx(math.sqrt(2) / 2)
    assert M.feature_covariance_change(before, 3 * before).item() == pytest.approx(
        0.0
    )  # scale-free


def test_activation_pattern_change_by_hand():
    before = M.activation_pattern(torch.tensor([[1.0, -1.0, 2.0], [0.0, 3.0, -2.0]]))
    after = M.activation_pattern(torch.tensor([[1.0, 1.0, 2.0], [0.5, 3.0, -2.0]]))
    assert before.tolist() == [[True, False, True], [False, True, False]]
    # two of six indicators flipped; ||A - A'||_F^2 / (n d) = 2 / 6
    assert M.activation_pattern_change(before, after).item() == pytest.approx(1 / 3)


def test_dead_units_by_hand():
    pre = torch.tensor([[1.0, -1.0, 0.0, 2.0], [0.5, -3.0, -1.0, -2.0]])
    assert M.dead_unit_mask(pre).tolist() == [False, True, True, False]
    assert M.dead_unit_fraction(pre).item() == pytest.approx(0.5)


def test_dead_conv_units_are_channels():
    pre = torch.full((2, 3, 2, 2), -1.0)  # [n, channels, h, w]
    pre[1, 0, 1, 1] = 0.5  # channel 0 fires once, at one position of one input
    pre[0, 2, 0, 0] = 2.0  # channel 2 too
    assert M.dead_unit_mask(pre).tolist() == [False, True, False]
    assert M.dead_unit_fraction(pre).item() == pytest.approx(1 / 3)


def test_effective_rank_by_hand():
    # singular values 10, 1, 0.05: 10 / 11.05 = 0.905, 11 / 11.05 = 0.9955 >= 0.99
    f = torch.diag(torch.tensor([10.0, 1.0, 0.05]))
    assert M.effective_rank(f).item() == 2
    assert M.effective_rank(f, threshold=0.0001).item() == 3
    assert M.effective_rank(torch.ones(5, 4)).item() == 1


def test_effective_learning_rate_and_norms():
    norm = torch.tensor(4.0)
    assert M.effective_learning_rate(1e-2, norm).item() == pytest.approx(2.5e-3)
    assert M.effective_learning_rate(1e-2, norm, adaptive=False).item() == pytest.approx(6.25e-4)
    a = [torch.tensor([1.0, 2.0]), torch.tensor([[3.0]])]
    b = [torch.tensor([1.0, 5.0]), torch.tensor([[7.0]])]
    assert M.update_norm(M.flat_parameters(a), M.flat_parameters(b)).item() == pytest.approx(5.0)
