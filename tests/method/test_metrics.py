import math

import pytest
import torch
from torch import nn

from grokrewarm.method import metrics as M
from tests.host_syncs import counting_host_syncs


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


def test_dead_units_of_a_linear_layer():
    layer = nn.Linear(3, 4, bias=False)
    with torch.no_grad():
        layer.weight.copy_(
            torch.tensor(
                [
                    [1.0, 1.0, 1.0],  # positive on any nonzero nonnegative input: alive
                    [-1.0, -1.0, -1.0],  # never positive on nonnegative inputs: dead
                    [1.0, -1.0, 0.0],  # positive when x0 > x1: alive
                    [-1.0, 0.0, -2.0],  # dead
                ]
            )
        )
    probes = torch.rand(64, 3, generator=torch.Generator().manual_seed(0))
    assert M.dead_unit_mask(layer(probes)).tolist() == [False, True, False, True]
    assert M.dead_unit_fraction(layer(probes)).item() == 0.5


def test_dead_units_of_a_conv_layer_count_channels():
    pre = -torch.ones(2, 3, 2, 2)
    pre[1, 0, 1, 0] = 0.5  # channel 0 fires at one position of one input: alive
    pre[:, 2] = 0.0  # channel 2 is exactly zero: its ReLU output is zero, dead
    assert M.dead_unit_mask(pre).tolist() == [False, True, True]  # channel 1 never fires
    assert M.dead_unit_fraction(pre).item() == pytest.approx(2 / 3)


def test_effective_rank_of_a_rotated_diagonal_is_the_feature_rank():
    singular_values = torch.tensor([10.0, 5.0, 1.0, 0.04, 0.005])  # sum 16.045
    generator = torch.Generator().manual_seed(0)
    left = torch.linalg.qr(torch.randn(8, 5, generator=generator))[0]
    right = torch.linalg.qr(torch.randn(5, 5, generator=generator))[0]
    features = left @ torch.diag(singular_values) @ right.T  # not diagonal: uses the SVD
    assert M.effective_rank(features) == 3  # 16 >= 0.99 * 16.045 > 15
    assert M.effective_rank(features, threshold=0.1) == 2  # 15 >= 0.9 * 16.045
    assert M.effective_rank(features, threshold=0.001) == 4  # 16.04 >= 0.999 * 16.045 > 16
    assert M.effective_rank(torch.diag(torch.ones(6))) == 6
    assert M.effective_rank(torch.zeros(4, 3)) == 0
    with pytest.raises(ValueError):
        M.effective_rank(features, threshold=1.0)


def test_host_row_reads_every_tensor_in_one_transfer_and_rounds_numbers_as_float32(
    monkeypatch,
):
    values = {
        "loss": torch.tensor(0.1, dtype=torch.float64),
        "lr": 1e-3,
        "count": torch.tensor(7),
        "rewarms": 2,
        "rank": torch.tensor(3.3),
    }
    with counting_host_syncs(monkeypatch) as counts:
        row = M.host_row(values)
    assert dict(counts) == {"tolist": 1}  # no number goes to the device and back
    assert list(row) == list(values)
    expected = {k: torch.as_tensor(v, dtype=torch.float32).item() for k, v in values.items()}
    assert row == expected and row["lr"] != 1e-3  # float32, as a device value would be
