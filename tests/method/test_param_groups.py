from collections import OrderedDict

import pytest
import torch
from torch import nn

from grokrewarm.domains.warm_start.models import ConvNet, resnet18_cifar
from grokrewarm.method.param_groups import (
    decay_param_groups,
    layerwise_param_groups,
    param_groups,
    update_even_ratio_abs,
)
from tests.host_syncs import counting_host_syncs


def test_scale_decay_goes_to_norm_gains_only():
    model = nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4), nn.Linear(4, 2, bias=False))
    groups = {g["name"]: g for g in decay_param_groups(model, weight_decay=0.1, scale_decay=1.0)}
    assert groups["norm_scales"]["params"] == [model[1].weight]
    assert groups["norm_scales"]["weight_decay"] == 1.0
    weights = {id(p) for p in groups["weights"]["params"]}
    assert weights == {
        id(model[0].weight),
        id(model[0].bias),
        id(model[1].bias),
        id(model[2].weight),
    }
    assert groups["weights"]["weight_decay"] == 0.1
    assert all(g["lr_scale"] == 1.0 for g in groups.values())


def test_no_norm_layers_means_one_group():
    groups = decay_param_groups(nn.Linear(3, 3), scale_decay=1.0)
    assert [g["name"] for g in groups] == ["weights"]
    with pytest.raises(ValueError):
        decay_param_groups(nn.Linear(3, 3), weight_decay=-1.0)


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


def test_even_ratio_abs_reads_every_layers_mean_in_one_transfer(monkeypatch):
    model = _three_layer_model()
    optimizer = torch.optim.Adam(layerwise_param_groups(model, "even_ratio_abs"), lr=1e-3)
    with counting_host_syncs(monkeypatch) as counts:
        update_even_ratio_abs(optimizer.param_groups)
    assert len(optimizer.param_groups) == 3 and counts["cpu"] == 1


def test_per_layer_groups_decay_norm_only_layers_by_the_scale_decay():
    groups = param_groups(_three_layer_model(), 0.1, 1.0, layer_lr="fast_features")
    decays = {group["name"]: group["weight_decay"] for group in groups}
    assert decays == {"body": 0.1, "norm": 1.0, "head": 0.1}
    assert _scales(groups) == {"body": 1.0, "norm": 1.0, "head": 0.1}
