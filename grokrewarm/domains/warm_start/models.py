"""Networks of the warm-starting experiments (Lyle et al. 2025, Section 5 and A.2).

Neither has a bias or shift parameter anywhere. A.2 drops biases from the ResNet because they
"complicate the estimation of the effective learning rate without improving performance"; the
same holds for the CNN, and it makes every parameter either a weight matrix that
Normalize-and-Project rescales or a normalization scale (``grokrewarm.method.projection``).

Both expose ``hidden_activations(x)``: the input of every ReLU, for the feature-learning metrics
(activation patterns, feature covariance, dead units), and ``features(x)``: the penultimate
representation on which feature rank is measured.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn
from torchvision.models.resnet import BasicBlock, ResNet


class ChannelLayerNorm(nn.LayerNorm):
    """LayerNorm over the channels at each position of ``[N, C, H, W]``, with a scale, no shift.

    Over channels rather than over (C, H, W): the paper's code is JAX (A.2 loads data with
    tfds), whose ``flax.linen.LayerNorm`` normalizes the last axis, the channels of an NHWC
    feature map. It also keeps the norm layers to 32 scales each instead of one per
    channel-position (8,192 after the first conv), which would dominate the parameter norm.
    """

    def __init__(self, num_channels: int, eps: float = 1e-5) -> None:
        super().__init__(num_channels, eps=eps, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class ConvNet(nn.Module):
    """The small CNN of A.2: three convs (5x5, 3x3, 3x3; 32 channels), each LayerNorm then ReLU,
    flatten, one hidden fully connected ReLU layer, linear logits.

    Choices the paper leaves open: strides 2, 2, 1 with "same" padding (the Nature CNN it is
    based on downsamples in its convs, with strides 4, 2, 1 on 84x84 inputs; on 32x32 inputs this
    gives 8x8x32 = 2,048 flattened features instead of 32,768 with no downsampling); hidden width
    512, the Nature CNN's; PyTorch's default initialization (total parameter norm about 17.4 at
    init, near the "about 20" the paper reports for projected networks).
    """

    relu_layers = ("conv1", "conv2", "conv3", "hidden")  # hidden_activations are ReLU inputs

    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 3,
        image_size: int = 32,
        channels: int = 32,
        hidden_width: int = 512,
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 5, stride=2, padding=2, bias=False)
        self.norm1 = ChannelLayerNorm(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=2, padding=1, bias=False)
        self.norm2 = ChannelLayerNorm(channels)
        self.conv3 = nn.Conv2d(channels, channels, 3, stride=1, padding=1, bias=False)
        self.norm3 = ChannelLayerNorm(channels)
        side = (image_size - 1) // 2 + 1  # conv1: 5x5, stride 2, padding 2
        side = (side - 1) // 2 + 1  # conv2: 3x3, stride 2, padding 1; conv3 keeps the size
        self.flat_features = channels * side * side
        self.hidden = nn.Linear(self.flat_features, hidden_width, bias=False)
        self.head = nn.Linear(hidden_width, num_classes, bias=False)

    def _conv_blocks(self) -> tuple[tuple[str, nn.Conv2d, ChannelLayerNorm], ...]:
        return (
            ("conv1", self.conv1, self.norm1),
            ("conv2", self.conv2, self.norm2),
            ("conv3", self.conv3, self.norm3),
        )

    def _features(self, x: Tensor, pre_activations: dict[str, Tensor] | None) -> Tensor:
        for name, conv, norm in self._conv_blocks():
            x = norm(conv(x))
            if pre_activations is not None:
                pre_activations[name] = x
            x = torch.relu(x)
        x = self.hidden(x.flatten(1))
        if pre_activations is not None:
            pre_activations["hidden"] = x
        return torch.relu(x)

    def features(self, x: Tensor) -> Tensor:
        """The penultimate representation ``[n, hidden_width]`` (after the hidden ReLU)."""
        return self._features(x, None)

    def hidden_activations(self, x: Tensor) -> dict[str, Tensor]:
        """The input of each ReLU: ``conv1..3`` ``[n, 32, h, w]`` (after LayerNorm) and
        ``hidden`` ``[n, hidden_width]``."""
        pre_activations: dict[str, Tensor] = {}
        self._features(x, pre_activations)
        return pre_activations

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self._features(x, None))


class CifarResNet18(ResNet):
    """torchvision's ResNet-18 for 32x32 inputs, with no bias or shift parameters (A.2).

    The usual CIFAR adaptation: the 7x7 stride-2 stem and the max-pool, which would shrink a
    32x32 image to 8x8 before the first block, become one 3x3 stride-1 conv. The ``fc`` layer
    loses its bias (A.2) and the BatchNorm layers their shift, so the only non-matrix parameters
    are the BatchNorm scales. Everything else is torchvision's code and initialization.
    """

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__(BasicBlock, [2, 2, 2, 2], num_classes=num_classes)
        self.num_classes = num_classes
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        nn.init.kaiming_normal_(self.conv1.weight, mode="fan_out", nonlinearity="relu")  # as tv
        self.maxpool = nn.Identity()
        self.fc = nn.Linear(self.fc.in_features, num_classes, bias=False)
        for module in self.modules():
            if isinstance(module, nn.BatchNorm2d):
                # F.batch_norm takes bias=None; removed after torchvision's init, which sets it
                module.register_parameter("bias", None)

    # srank needs an SVD of [probe, channels x positions]: only the last block's output (the
    # pooled features' source, Fig. 13) is small enough to measure on every metric row
    rank_layers = ("layer4.1.relu2",)

    @property
    def relu_layers(self) -> tuple[str, ...]:
        """Every ``hidden_activations`` entry is a ReLU input."""
        return ("relu",) + tuple(
            f"layer{i}.{j}.relu{k}" for i in range(1, 5) for j in range(2) for k in (1, 2)
        )

    def reset_parameters(self) -> None:
        """Re-draw every parameter from torchvision's initialization (and reset BN statistics);
        used by ``shrink_and_perturb`` as its noise source."""
        self.load_state_dict(type(self)(self.num_classes).state_dict())

    def features(self, x: Tensor) -> Tensor:
        """The pooled penultimate features ``[n, 512]``, the input of ``fc``."""
        return _capture_inputs({"fc": self.fc}, lambda: self(x))["fc"][0]

    def hidden_activations(self, x: Tensor) -> dict[str, Tensor]:
        """The input of each ReLU: ``relu`` (stem) and, per block, ``<block>.relu1`` (after
        ``bn1``) and ``<block>.relu2`` (after the residual sum); e.g. ``layer1.0.relu2``.

        torchvision's blocks call one in-place ReLU module twice, so its inputs are captured with
        pre-hooks, cloned before the ReLU overwrites them.
        """
        relus = {name: module for name, module in self.named_modules() if name.endswith("relu")}
        captured = _capture_inputs(relus, lambda: self(x))
        pre_activations = {"relu": captured.pop("relu")[0]}
        for name, (after_bn1, after_sum) in captured.items():
            block = name.removesuffix(".relu")
            pre_activations[f"{block}.relu1"] = after_bn1
            pre_activations[f"{block}.relu2"] = after_sum
        return pre_activations


def _capture_inputs(
    modules: dict[str, nn.Module], run: Callable[[], object]
) -> dict[str, list[Tensor]]:
    """Call ``run`` and return a copy of the first input of every call to each of ``modules``."""
    captured: dict[str, list[Tensor]] = {name: [] for name in modules}

    def hook(name: str) -> Callable:
        return lambda _module, args: captured[name].append(args[0].clone())

    handles = [module.register_forward_pre_hook(hook(name)) for name, module in modules.items()]
    try:
        run()
    finally:
        for handle in handles:
            handle.remove()
    return captured


def resnet18_cifar(num_classes: int = 10) -> CifarResNet18:
    """ResNet-18 for CIFAR-10 (A.2): see ``CifarResNet18``."""
    return CifarResNet18(num_classes)
