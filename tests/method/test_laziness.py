import copy

import pytest
import torch
from torch import nn

from grokrewarm.method.laziness import (
    CenteredOutputScale,
    OutputScale,
    lazy_learning_rate,
    scale_initialization_,
)


def small_mlp(seed: int) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)).double()


@torch.no_grad()
def perturb_(model: nn.Module, seed: int = 1) -> None:
    generator = torch.Generator().manual_seed(seed)
    for param in model.parameters():
        param.add_(0.3 * torch.randn(param.shape, generator=generator, dtype=param.dtype))


def inputs(n: int = 5) -> torch.Tensor:
    return torch.randn(n, 4, generator=torch.Generator().manual_seed(7), dtype=torch.float64)


def test_centered_output_is_exactly_zero_at_init_then_alpha_times_the_change():
    model = small_mlp(0)
    before = copy.deepcopy(model)
    wrapped = CenteredOutputScale(model, alpha=3.0)
    x = inputs()
    assert torch.equal(wrapped(x), torch.zeros(5, 3, dtype=torch.float64))
    perturb_(model)
    expected = 3.0 * (model(x) - before(x))
    assert expected.abs().max() > 0.1  # the perturbation moved the output
    assert torch.allclose(wrapped(x), expected, atol=1e-14)


def test_gradient_is_alpha_times_the_unwrapped_gradient():
    # d/dtheta [alpha (f - f0)] = alpha df/dtheta at any theta, here away from initialisation
    alpha = 5.0
    model = small_mlp(0)
    wrapped = CenteredOutputScale(model, alpha)
    perturb_(model)
    x = inputs()
    wrapped_grads = torch.autograd.grad(wrapped(x).square().sum() / 2, list(model.parameters()))
    # same loss on the unwrapped output shifted by f0 has residual 1/alpha times as large
    shifted = model(x) - wrapped.initial_model(x)
    plain_grads = torch.autograd.grad(shifted.square().sum() / 2, list(model.parameters()))
    for wrapped_grad, plain_grad in zip(wrapped_grads, plain_grads, strict=True):
        assert torch.allclose(wrapped_grad, alpha**2 * plain_grad, atol=1e-12)
    output_grads = torch.autograd.grad(wrapped(x)[:, 0].sum(), list(model.parameters()))
    plain_output_grads = torch.autograd.grad(model(x)[:, 0].sum(), list(model.parameters()))
    for output_grad, plain_grad in zip(output_grads, plain_output_grads, strict=True):
        assert torch.allclose(output_grad, alpha * plain_grad, atol=1e-12)


def test_reference_holds_no_parameters_and_survives_optimizer_steps():
    model = small_mlp(0)
    wrapped = CenteredOutputScale(model, 2.0)
    names = [name for name, _ in wrapped.named_parameters()]
    assert names == ["model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"]
    state_keys = set(wrapped.state_dict())
    assert {"initial_model.0.weight", "initial_model.2.bias"} <= state_keys
    assert not any(b.requires_grad for b in wrapped.initial_model.buffers())
    x = inputs()
    reference_before = wrapped.initial_model(x).clone()
    optimizer = torch.optim.SGD(wrapped.parameters(), lr=0.5)
    for _ in range(3):
        optimizer.zero_grad()
        (wrapped(x) - 1.0).square().mean().backward()
        optimizer.step()
    assert torch.equal(wrapped.initial_model(x), reference_before)
    assert wrapped(x).abs().max() > 1e-3


def test_state_dict_round_trip_restores_the_initial_function():
    model = small_mlp(0)
    wrapped = CenteredOutputScale(model, 2.0)
    perturb_(model)
    x = inputs()
    restored = CenteredOutputScale(small_mlp(123), 2.0)  # different weights and f0
    assert not torch.allclose(restored(x), wrapped(x))
    restored.load_state_dict(wrapped.state_dict())
    assert torch.equal(restored(x), wrapped(x))
    assert torch.equal(restored.initial_model(x), wrapped.initial_model(x))


def test_dtype_and_device_moves_carry_the_reference():
    wrapped = CenteredOutputScale(small_mlp(0).float(), 4.0)
    wrapped.double()
    assert all(b.dtype == torch.float64 for b in wrapped.initial_model.buffers())
    assert torch.equal(wrapped(inputs()), torch.zeros(5, 3, dtype=torch.float64))


def test_invalid_alpha_is_rejected():
    for alpha in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="alpha"):
            CenteredOutputScale(small_mlp(0), alpha)


def test_lazy_learning_rate_is_eta0_over_alpha_squared():
    assert lazy_learning_rate(500.0, 2.0) == pytest.approx(125.0)
    assert lazy_learning_rate(500.0, 0.5) == pytest.approx(2000.0)
    assert lazy_learning_rate(1.0, 10.0) == pytest.approx(0.01)
    with pytest.raises(ValueError):
        lazy_learning_rate(1.0, 0.0)


def first_step_output_change(alpha: float, lr: float) -> torch.Tensor:
    model = small_mlp(0)
    wrapped = CenteredOutputScale(model, alpha)
    x, y = inputs(), torch.ones(5, 3, dtype=torch.float64)
    loss = (wrapped(x) - y).square().sum() / 2
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= lr * param.grad
        return wrapped(x)


def test_rescaled_learning_rate_makes_the_first_step_independent_of_alpha():
    # App. 8.1: eta0 / alpha^2 keeps df/dt at t=0 the same for every alpha
    eta0 = 1e-3
    change_1 = first_step_output_change(1.0, lazy_learning_rate(eta0, 1.0))
    change_10 = first_step_output_change(10.0, lazy_learning_rate(eta0, 10.0))
    assert torch.allclose(change_10, change_1, rtol=1e-2)
    unscaled_10 = first_step_output_change(10.0, eta0)  # the NTK grew by alpha^2 = 100
    assert torch.allclose(unscaled_10, 100 * change_1, rtol=5e-2)


def test_scale_initialization_multiplies_every_parameter_and_the_norm():
    model = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.Linear(5, 2))
    before = [p.detach().clone() for p in model.parameters()]
    norm_before = torch.sqrt(sum(p.square().sum() for p in before))
    assert scale_initialization_(model, 8.0) is model
    for param, original in zip(model.parameters(), before, strict=True):
        assert torch.allclose(param, 8.0 * original)
    assert model[0].bias.abs().sum() > 0  # biases were nonzero and are scaled too
    norm_after = torch.sqrt(sum(p.detach().square().sum() for p in model.parameters()))
    assert norm_after.item() == pytest.approx(8.0 * norm_before.item(), rel=1e-6)
    assert torch.equal(model[1].running_var, torch.ones(5))  # buffers untouched


def test_uncentred_output_scale_keeps_the_initial_function_times_alpha():
    model = small_mlp(0)
    x = inputs()
    wrapped = OutputScale(model, alpha=0.25, lr_power=1.0)
    assert torch.allclose(wrapped(x), 0.25 * model(x), atol=1e-15)
    assert not hasattr(wrapped, "initial_model") and wrapped(x).abs().max() > 0
    assert torch.equal(OutputScale(model, 1.0)(x), model(x))  # alpha = 1: the model itself
    assert list(wrapped.parameters()) == list(model.parameters())
    grads = torch.autograd.grad(wrapped(x)[:, 1].sum(), list(model.parameters()))
    plain = torch.autograd.grad(model(x)[:, 1].sum(), list(model.parameters()))
    for grad, plain_grad in zip(grads, plain, strict=True):
        assert torch.allclose(grad, 0.25 * plain_grad, atol=1e-14)
    with pytest.raises(ValueError, match="alpha"):
        OutputScale(model, alpha=0.0)
