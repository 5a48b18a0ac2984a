import pytest
from torch import nn

from grokrewarm.method.param_groups import decay_param_groups


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
