from collections import OrderedDict

import pytest
import torch
from torch import nn

from grokrewarm.domains.vision.models import ConvNet, resnet18_cifar
from grokrewarm.method.interventions import (
    dead_units,
    feature_rank,
    layerwise_param_groups,
    shrink_and_perturb,
    update_even_ratio_abs,
)


def _snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: param.detach().clone() for name, param in model.named_parameters()}


def test_shrink_without_perturbation_scales_every_parameter_exactly():
    model = ConvNet(hidden_width=64)
    before = _snapshot(model)
    shrink_and_perturb(model, shrink=0.4, perturb=0.0)
    for name, param in model.named_parameters():
        assert torch.equal(param, before[name] * 0.4), name


def test_perturbation_has_the_init_distribution():
    torch.manual_seed(0)
    model = ConvNet(hidden_width=512)
    with torch.no_grad():
        model.hidden.weight.mul_(7.0)  # trained weights differ from init; the noise must not
    before = _snapshot(model)
    shrink_and_perturb(model, shrink=1.0, perturb=0.1, generator=torch.Generator().manual_seed(1))
    noise = {name: (param - before[name]) / 0.1 for name, param in model.named_parameters()}
    # PyTorch's Linear init: uniform(+-1/sqrt(fan_in)), std 1/sqrt(3 fan_in); fan_in = 2048
    assert noise["hidden.weight"].std().item() == pytest.approx((3 * 2048) ** -0.5, rel=0.01)
    assert noise["hidden.weight"].abs().max().item() <= 2048**-0.5 * (1 + 1e-4)
    assert noise["conv2.weight"].std().item() == pytest.approx((3 * 288) ** -0.5, rel=0.03)
    assert torch.allclose(noise["norm1.weight"], torch.ones(32), atol=1e-4)  # LayerNorm init: 1


def test_perturbation_is_seeded_by_the_generator_and_spares_the_global_rng():
    torch.manual_seed(0)
    original = ConvNet(hidden_width=32)
    results = []
    for seed in (1, 1, 2):
        model = ConvNet(hidden_width=32)
        model.load_state_dict(original.state_dict())
        rng_state = torch.get_rng_state()
        shrink_and_perturb(model, generator=torch.Generator().manual_seed(seed))
        assert torch.equal(torch.get_rng_state(), rng_state)
        results.append(model.head.weight.detach().clone())
    assert torch.equal(results[0], results[1]) and not torch.equal(results[0], results[2])


def test_resnet_shrink_and_perturb_uses_its_own_init_and_fresh_statistics():
    model = resnet18_cifar()
    with torch.no_grad():
        model.bn1.running_mean.fill_(5.0)
    shrink_and_perturb(model, shrink=0.4, perturb=0.1)
    assert torch.allclose(model.bn1.weight, torch.full((64,), 0.5))  # 0.4 * 1 + 0.1 * 1
    assert torch.equal(model.bn1.running_mean, torch.zeros(64))  # as Ash & Adams' fresh copy


def test_parameters_without_an_initializer_are_refused():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.gain = nn.Parameter(torch.ones(3))

    with pytest.raises(ValueError, match=r"\['gain'\]"):
        shrink_and_perturb(Scaled())


def _three_layer_model() -> nn.Module:
    """Hand-set parameters; mean |theta| per layer: body 0.2, norm 0.5, head 0.3."""
    model = nn.Sequential(
        OrderedDict(
            body=nn.Linear(2, 3),  # the bias is part of the body layer
            norm=nn.LayerNorm(3, bias=False),
            head=nn.Linear(3, 2, bias=False),
        )
    )
    with torch.no_grad():
        model.body.weight.copy_(torch.tensor([[0.1, -0.3], [0.2, -0.2], [0.3, -0.1]]))
        model.body.bias.copy_(torch.tensor([0.2, -0.2, 0.2]))  # 9 entries, |sum| 1.8: mean 0.2
        model.norm.weight.copy_(torch.tensor([0.5, -0.5, 0.5]))
        model.head.weight.fill_(-0.3)
    return model


def _scales(groups: list[dict]) -> dict[str, float]:
    return {group["name"]: group["lr_scale"] for group in groups}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("constant", {"body": 1.0, "norm": 1.0, "head": 1.0}),
        ("fast_features", {"body": 1.0, "norm": 1.0, "head": 0.1}),
        ("slow_features", {"body": 0.1, "norm": 0.1, "head": 1.0}),
        ("even_ratio_abs", {"body": 0.6, "norm": 1.5, "head": 0.9}),  # / mean(0.2, 0.5, 0.3)
    ],
)
def test_layerwise_rules(rule, expected):
    model = _three_layer_model()
    groups = layerwise_param_groups(model, rule)
    assert [group["name"] for group in groups] == ["body", "norm", "head"]
    assert [len(group["params"]) for group in groups] == [2, 1, 1]
    assert _scales(groups) == pytest.approx(expected)
    assert groups[0]["params"][1] is model.body.bias


def test_final_layer_can_be_named():
    groups = layerwise_param_groups(_three_layer_model(), "fast_features", final_layer_name="body")
    assert _scales(groups) == {"body": 0.1, "norm": 1.0, "head": 1.0}
    with pytest.raises(ValueError, match="'tail' is not one of the layers"):
        layerwise_param_groups(_three_layer_model(), "constant", final_layer_name="tail")
    with pytest.raises(ValueError, match="unknown per-layer LR rule"):
        layerwise_param_groups(_three_layer_model(), "fast")


def test_default_final_layer_of_the_vision_models():
    assert layerwise_param_groups(ConvNet(hidden_width=16), "slow_features")[-1]["name"] == "head"
    groups = layerwise_param_groups(resnet18_cifar(), "fast_features")
    assert _scales(groups)["fc"] == 0.1 and _scales(groups)["layer1.0.conv1"] == 1.0
    assert len(groups) == 1 + 1 + 8 * 4 + 3 * 2 + 1  # stem conv+bn, blocks, downsamples, fc


def test_even_ratio_abs_update_in_an_optimizer():
    model = _three_layer_model()
    optimizer = torch.optim.Adam(layerwise_param_groups(model, "even_ratio_abs"), lr=1e-3)
    with torch.no_grad():
        model.head.weight.fill_(0.6)
    returned = update_even_ratio_abs(optimizer.param_groups)
    expected = {"body": 0.2 / 1.3 * 3, "norm": 0.5 / 1.3 * 3, "head": 0.6 / 1.3 * 3}
    assert returned == pytest.approx(expected)
    assert _scales(optimizer.param_groups) == pytest.approx(expected)


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
    assert dead_units(layer(probes)) == (2, 0.5)


def test_dead_units_of_a_conv_layer_count_channels():
    pre = -torch.ones(2, 3, 2, 2)
    pre[1, 0, 1, 0] = 0.5  # channel 0 fires at one position of one input: alive
    pre[:, 2] = 0.0  # channel 2 is exactly zero: its ReLU output is zero, dead
    count, fraction = dead_units(pre)
    assert (count, fraction) == (2, pytest.approx(2 / 3))


def test_feature_rank_of_a_rotated_diagonal():
    singular_values = torch.tensor([10.0, 5.0, 1.0, 0.04, 0.005])  # sum 16.045
    generator = torch.Generator().manual_seed(0)
    left = torch.linalg.qr(torch.randn(8, 5, generator=generator))[0]
    right = torch.linalg.qr(torch.randn(5, 5, generator=generator))[0]
    features = left @ torch.diag(singular_values) @ right.T  # not diagonal: uses the SVD
    assert feature_rank(features) == 3  # 16 >= 0.99 * 16.045 > 15
    assert feature_rank(features, threshold=0.1) == 2  # 15 >= 0.9 * 16.045
    assert feature_rank(features, threshold=0.001) == 4  # 16.04 >= 0.999 * 16.045 > 16
    assert feature_rank(torch.diag(torch.ones(6))) == 6
    assert feature_rank(torch.zeros(4, 3)) == 0
    with pytest.raises(ValueError):
        feature_rank(features, threshold=1.0)


def test_shrink_and_perturb_noise_does_not_depend_on_the_device(device):
    torch.manual_seed(0)
    reference = ConvNet(hidden_width=32)
    on_device = ConvNet(hidden_width=32).to(device)
    on_device.load_state_dict(reference.state_dict())
    for model in (reference, on_device):
        shrink_and_perturb(model, generator=torch.Generator().manual_seed(4))
    for (name, expected), param in zip(
        reference.named_parameters(), on_device.parameters(), strict=True
    ):
        assert param.device.type == device
        assert torch.allclose(param.detach().cpu(), expected.detach(), atol=1e-7), name
