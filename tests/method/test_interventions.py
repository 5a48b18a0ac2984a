import pytest
import torch
from torch import nn

from grokrewarm.domains.warm_start.models import ConvNet, resnet18_cifar
from grokrewarm.method.interventions import shrink_and_perturb


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
