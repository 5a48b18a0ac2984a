import pytest
import torch
from torch import nn

from grokrewarm.method.projection import (
    NormProjection,
    named_parameters_by_kind,
    project_to_initial_norm,
)


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Embedding(7, 6), nn.Linear(6, 5, bias=True), nn.LayerNorm(5), nn.Linear(5, 3)
    )


def _scramble(model: nn.Module) -> None:
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.mul_(1.5 + i).add_(0.3)


def test_parameter_kinds():
    kinds = {k: [n for n, _ in v] for k, v in named_parameters_by_kind(_net()).items()}
    assert kinds == {
        "matrices": ["1.weight", "3.weight"],
        "embeddings": ["0.weight"],
        "norm_scales": ["2.weight"],
        "biases": ["1.bias", "2.bias", "3.bias"],
    }


def test_per_tensor_projection_restores_initial_norms_and_leaves_others():
    model = _net()
    initial = {n: p.detach().norm().item() for n, p in model.named_parameters()}
    projection = NormProjection(model)  # matrices + embeddings
    _scramble(model)
    scrambled_gain = model[2].weight.detach().clone()
    projection.project()
    for name in ("0.weight", "1.weight", "3.weight"):
        assert dict(model.named_parameters())[name].norm().item() == pytest.approx(
            initial[name], rel=1e-6
        )
    assert torch.equal(model[2].weight, scrambled_gain)  # norm gains stay free


def test_projection_keeps_direction():
    model = _net()
    projection = NormProjection(model, include=["matrices"])
    _scramble(model)
    before = model[1].weight.detach().clone()
    projection.project()
    cosine = torch.nn.functional.cosine_similarity(before.flatten(), model[1].weight.flatten(), 0)
    assert cosine.item() == pytest.approx(1.0, abs=1e-6)


def test_scale_and_global_scope():
    model = _net()
    params = [model[1].weight, model[3].weight]
    joint = torch.sqrt(sum(p.detach().norm() ** 2 for p in params)).item()
    projection = NormProjection(model, include=["matrices"], scale=0.5, scope="global")
    _scramble(model)
    projection.project()
    after = torch.sqrt(sum(p.detach().norm() ** 2 for p in params)).item()
    assert after == pytest.approx(0.5 * joint, rel=1e-6)


def test_every_k_steps():
    model = _net()
    norm0 = model[1].weight.norm().item()
    projection = NormProjection(model, include=["matrices"], every_k_steps=3)
    _scramble(model)
    projection.maybe_project(2)
    assert model[1].weight.norm().item() != pytest.approx(norm0)
    projection.maybe_project(3)
    assert model[1].weight.norm().item() == pytest.approx(norm0, rel=1e-6)


def test_state_dict_round_trip_and_mismatch():
    model = _net()
    projection = NormProjection(model, include=["matrices"], scale=2.0)
    other = NormProjection(_net(), include=["matrices"])
    other.load_state_dict(projection.state_dict())
    assert torch.equal(other.target_norms, projection.target_norms)
    with pytest.raises(ValueError, match="different set of parameters"):
        NormProjection(_net(), include=["embeddings"]).load_state_dict(projection.state_dict())


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown parameter kinds"):
        NormProjection(_net(), include=["weights"])
    with pytest.raises(ValueError, match="every_k_steps"):
        NormProjection(_net(), every_k_steps=0)
    with pytest.raises(ValueError, match="no parameters"):
        NormProjection(nn.Sequential(nn.ReLU()))


def test_functional_projection():
    w = torch.tensor([[3.0, 4.0]])  # norm 5
    project_to_initial_norm([w], [torch.tensor(1.0)])
    assert torch.allclose(w, torch.tensor([[0.6, 0.8]]))
