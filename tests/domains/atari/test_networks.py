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
