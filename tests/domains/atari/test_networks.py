"""Networks: shapes, the NaP variant's normalizations and projected tensors, noisy layers, and
the resets baseline (which parameters and which optimizer moments change)."""

import pytest
import torch
from torch import nn

from grokrewarm.domains.atari.networks import (
    AtariNetwork,
    NoisyLinear,
    ProjectedWeights,
    modules_to_reset,
    reset_layers,
)
from grokrewarm.method.projection import NormProjection

OBS = torch.randint(0, 256, (2, 4, 84, 84), dtype=torch.uint8)


def test_dqn_and_rainbow_output_shapes():
    assert AtariNetwork(6)(OBS).shape == (2, 6)
    rainbow = AtariNetwork(6, atoms=51, dueling=True, noisy=True)
    assert rainbow(OBS).shape == (2, 6, 51)
    assert set(rainbow.streams) == {"value", "advantage"}


def test_nap_variant_normalizes_before_every_relu():
    net = AtariNetwork(4, norm="layernorm")
    kinds = [type(m).__name__ for m in net.torso]
    assert kinds == ["Conv2d", "GroupNorm", "ReLU"] * 3 + ["Flatten"]
    assert isinstance(net.streams["q"].norm, nn.LayerNorm)


def test_projection_keeps_weights_and_noisy_means_at_their_initial_norm_but_not_sigmas():
    torch.manual_seed(0)
    net = AtariNetwork(4, atoms=51, dueling=True, noisy=True, norm="layernorm")
    weights = net.weight_matrices()
    assert len(weights) == 3 + 4  # three convolutions, two noisy layers per stream
    assert all(w is not layer.weight_sigma for w in weights for layer in _noisy(net))
    projection = NormProjection(ProjectedWeights(weights))
    initial = [w.norm().item() for w in weights]
    sigma = net.streams["value"].hidden.weight_sigma
    sigma_norm = sigma.double().norm().item()  # float32 sums of 1.6M equal squares drift
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(1.7)
    projection.project()
    assert [w.norm().item() for w in weights] == pytest.approx(initial, rel=1e-5)
    assert sigma.double().norm().item() == pytest.approx(1.7 * sigma_norm, rel=1e-6)  # free


def _noisy(net):
    return [m for m in net.modules() if isinstance(m, NoisyLinear)]


def test_noisy_layers_draw_fresh_noise_in_training_and_none_in_eval():
    layer = NoisyLinear(8, 3)
    x = torch.ones(1, 8)
    assert not torch.equal(layer(x), layer(x))
    layer.eval()
    assert torch.equal(layer(x), layer(x))
    assert torch.allclose(layer(x), x @ layer.weight_mu.T + layer.bias_mu)


@pytest.mark.parametrize(
    ("layers", "changed_prefixes"),
    [
        (["out"], ["streams.value.out.", "streams.advantage.out."]),
        (["hidden", "out"], ["streams."]),
        (["torso"], ["torso."]),
    ],
)
def test_reset_reinitializes_exactly_the_chosen_layers_and_their_adam_moments(
    layers, changed_prefixes
):
    torch.manual_seed(0)
    net = AtariNetwork(4, atoms=51, dueling=True, noisy=True, norm="layernorm")
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    q = net(OBS).sum()
    q.backward()
    optimizer.step()
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    names = set(reset_layers(net, optimizer, layers))
    for name, param in net.named_parameters():
        expected = any(name.startswith(prefix) for prefix in changed_prefixes)
        assert (name in names) == expected, name
        has_state = param in optimizer.state
        assert has_state != expected, name
        if expected and "norm" not in name and "sigma" not in name:
            assert not torch.equal(param, before[name]), name  # fresh random weights
        if not expected:
            assert torch.equal(param, before[name]), name


def test_reset_layer_names_are_checked():
    net = AtariNetwork(4)
    assert sorted(modules_to_reset(net, ["out"])) == ["streams.q.out"]
    with pytest.raises(ValueError, match="unknown layers"):
        modules_to_reset(net, ["head"])


def test_noisy_layer_computes_the_factorized_noisy_weight_without_building_it():
    """Two matmuls, ``x mu^T + ((x eps_in) sigma^T) eps_out``, give the output and gradients
    of ``F.linear`` with the built weight ``mu + sigma outer(eps_out, eps_in)``, same noise."""
    torch.manual_seed(0)
    layer = NoisyLinear(7, 5, sigma0=0.5)
    with torch.no_grad():  # sigmas as large as the means, so the noise term matters
        layer.weight_sigma.normal_()
        layer.bias_sigma.normal_()
    x = torch.randn(3, 7)
    torch.manual_seed(1)
    out = layer(x)
    out.square().sum().backward()
    torch.manual_seed(1)  # the same draws, in the layer's order: eps_in, then eps_out
    eps_in = NoisyLinear._scaled_noise(7, "cpu")
    eps_out = NoisyLinear._scaled_noise(5, "cpu")
    mu, sigma = (
        layer.weight_mu.detach().requires_grad_(),
        layer.weight_sigma.detach().requires_grad_(),
    )
    weight = mu + sigma * torch.outer(eps_out, eps_in)
    expected = torch.nn.functional.linear(x, weight, layer.bias_mu + layer.bias_sigma * eps_out)
    expected.square().sum().backward()
    assert torch.allclose(out, expected, atol=1e-6)
    assert torch.allclose(layer.weight_mu.grad, mu.grad, atol=1e-5)
    assert torch.allclose(layer.weight_sigma.grad, sigma.grad, atol=1e-5)
    assert not torch.allclose(out, x @ layer.weight_mu.T + layer.bias_mu, atol=1e-2)  # noisy
