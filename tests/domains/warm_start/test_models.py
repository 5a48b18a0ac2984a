import pytest
import torch
from torch import nn

from grokrewarm.domains.warm_start.models import ConvNet, resnet18_cifar


def _bias_parameters(model: nn.Module) -> list[str]:
    named = [name for name, _ in model.named_parameters() if name.endswith("bias")]
    attributes = [
        name for name, module in model.named_modules() if getattr(module, "bias", None) is not None
    ]
    return named + attributes


@pytest.fixture(scope="module")
def resnet():
    torch.manual_seed(0)
    return resnet18_cifar(num_classes=10).eval()


def test_convnet_shapes_layers_and_no_biases():
    torch.manual_seed(0)
    model = ConvNet(num_classes=10, hidden_width=512)
    x = torch.randn(5, 3, 32, 32)
    assert model(x).shape == (5, 10)
    assert _bias_parameters(model) == []
    assert model.flat_features == 32 * 8 * 8
    convs = 3 * 32 * 25 + 2 * (32 * 32 * 9)
    norm_scales = 3 * 32
    fully_connected = 2048 * 512 + 512 * 10
    assert sum(p.numel() for p in model.parameters()) == convs + norm_scales + fully_connected
    pre = model.hidden_activations(x)
    assert {name: tuple(t.shape) for name, t in pre.items()} == {
        "conv1": (5, 32, 16, 16),
        "conv2": (5, 32, 8, 8),
        "conv3": (5, 32, 8, 8),
        "hidden": (5, 512),
    }
    assert torch.equal(torch.relu(pre["hidden"]), model.features(x))
    assert torch.allclose(model.head(model.features(x)), model(x))


def test_convnet_layernorm_normalizes_channels_at_each_position():
    model = ConvNet()
    with torch.no_grad():
        model.norm1.weight.fill_(2.0)
    conv1 = model.hidden_activations(torch.randn(3, 3, 32, 32))["conv1"]
    # over the 32 channels of every (image, row, column): mean 0, std = the scale
    assert torch.allclose(conv1.mean(dim=1), torch.zeros(3, 16, 16), atol=1e-5)
    assert torch.allclose(conv1.std(dim=1, correction=0), torch.full((3, 16, 16), 2.0), atol=1e-3)
    assert not torch.allclose(conv1.mean(dim=(2, 3)), torch.zeros(3, 32), atol=1e-2)


def test_convnet_other_image_sizes():
    model = ConvNet(num_classes=7, image_size=28, hidden_width=64)
    assert model.flat_features == 32 * 7 * 7
    assert model(torch.randn(2, 3, 28, 28)).shape == (2, 7)


def test_resnet_cifar_stem_shapes_and_no_biases(resnet):
    assert _bias_parameters(resnet) == []
    assert resnet.conv1.kernel_size == (3, 3) and resnet.conv1.stride == (1, 1)
    assert isinstance(resnet.maxpool, nn.Identity)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        logits, features = resnet(x), resnet.features(x)
        pre = resnet.hidden_activations(x)
    assert logits.shape == (2, 10) and features.shape == (2, 512)
    assert torch.allclose(resnet.fc(features), logits, atol=1e-5)
    assert len(pre) == 1 + 8 * 2  # the stem and two ReLUs in each of the 8 blocks
    assert pre["relu"].shape == (2, 64, 32, 32)  # no downsampling before the first block
    assert pre["layer4.1.relu2"].shape == (2, 512, 4, 4)
    assert (pre["layer1.0.relu1"] < 0).any()  # captured before the in-place ReLU
    pooled = torch.relu(pre["layer4.1.relu2"]).mean(dim=(2, 3))
    assert torch.allclose(pooled, features, atol=1e-6)


def test_resnet_reset_parameters_redraws_torchvision_init(resnet):
    model = resnet18_cifar()
    before = model.layer4[0].conv2.weight.clone()
    with torch.no_grad():
        model.layer1[0].bn1.weight.fill_(3.0)
        model.layer1[0].bn1.running_mean.fill_(5.0)
    model.reset_parameters()
    weight = model.layer4[0].conv2.weight
    assert not torch.equal(weight, before)
    fan_out = 512 * 3 * 3  # torchvision: kaiming normal, fan_out mode, ReLU gain
    assert weight.std().item() == pytest.approx((2.0 / fan_out) ** 0.5, rel=0.02)
    assert torch.equal(model.layer1[0].bn1.weight, torch.ones(64))
    assert torch.equal(model.layer1[0].bn1.running_mean, torch.zeros(64))
