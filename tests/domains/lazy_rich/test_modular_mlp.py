import pytest
import torch

from grokrewarm.domains.lazy_rich.modular_mlp import (
    ModularAdditionMLP,
    ModularAdditionMLPTask,
    modular_addition_data,
)


def test_default_split_sizes_and_one_hot_encoding():
    data = modular_addition_data()  # p = 23, 90% train
    assert data.x_train.shape == (476, 46) and data.y_train.shape == (476, 23)
    assert data.x_test.shape == (53, 46) and data.labels_test.shape == (53,)
    inputs = torch.cat([data.x_train, data.x_test])
    a, b = inputs[:, :23].argmax(1), inputs[:, 23:].argmax(1)
    assert torch.equal(inputs[:, :23].sum(1), torch.ones(529))
    assert torch.equal(inputs[:, 23:].sum(1), torch.ones(529))
    answers = torch.cat([data.labels_train, data.labels_test])
    assert torch.equal(answers, (a + b) % 23)
    assert torch.equal(torch.cat([data.y_train, data.y_test]).argmax(1), answers)
    # train and test partition all p^2 pairs
    assert torch.equal(torch.sort(a * 23 + b).values, torch.arange(529))


def test_split_depends_on_the_seed_only():
    first, again, other = (modular_addition_data(p=7, seed=s) for s in (1, 1, 2))
    assert torch.equal(first.x_train, again.x_train)
    assert not torch.equal(first.x_train, other.x_train)
    assert first.x_train.shape[0] == round(0.9 * 49) == 44


@pytest.mark.parametrize("p", [1, 0, 2.5, True, "23"])
def test_invalid_p_is_rejected(p):
    with pytest.raises(ValueError, match="p must be an integer >= 2"):
        modular_addition_data(p=p)


@pytest.mark.parametrize("fraction", [0.0, 1.0, 1.5, -0.1])
def test_invalid_fraction_is_rejected(fraction):
    with pytest.raises(ValueError, match=r"train_fraction must be in \(0, 1\)"):
        modular_addition_data(train_fraction=fraction)


def test_fraction_leaving_an_empty_split_is_rejected():
    with pytest.raises(ValueError, match="both be non-empty"):
        modular_addition_data(p=2, train_fraction=0.1)  # round(0.4) = 0 training pairs
    with pytest.raises(ValueError, match="both be non-empty"):
        modular_addition_data(p=2, train_fraction=0.9)  # round(3.6) = 4 = all pairs


def test_mlp_is_the_scaled_quadratic_network():
    model = ModularAdditionMLP(p=5, width=7, alpha=2.0, generator=torch.Generator().manual_seed(0))
    assert [tuple(p.shape) for p in model.parameters()] == [(7, 10), (5, 7)]  # no biases
    x = modular_addition_data(p=5).x_train
    w1, w2 = model.hidden.weight, model.readout.weight
    by_hand = 2.0 / (10 * 7) * (x @ w1.T) ** 2 @ w2.T
    assert torch.allclose(model(x), by_hand, atol=1e-6)
    assert model(x).shape == (x.shape[0], 5)


def test_mlp_weights_are_standard_normal():
    model = ModularAdditionMLP(generator=torch.Generator().manual_seed(0))  # 4600 + 2300 weights
    weights = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    assert weights.mean().item() == pytest.approx(0.0, abs=0.05)
    assert weights.std().item() == pytest.approx(1.0, abs=0.05)


def test_modular_task_summed_squared_error_is_p_times_the_mean():
    task = ModularAdditionMLPTask(p=7, train_fraction=0.5, seed=0)
    data = modular_addition_data(7, 0.5, 0)
    assert torch.equal(task.train_batch(0)[1], data.y_train)
    model = ModularAdditionMLP(p=7, width=5)
    x, y = task.train_batch(0)
    by_hand = (model(x) - y).square().sum(1).mean()
    assert task.loss(model(x), y).item() == pytest.approx(by_hand.item(), rel=1e-6)
    mean_task = ModularAdditionMLPTask(p=7, train_fraction=0.5, seed=0, loss="mse")
    assert mean_task.loss(model(x), y).item() == pytest.approx(by_hand.item() / 7, rel=1e-6)
