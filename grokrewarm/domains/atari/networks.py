"""The Nature DQN network (Mnih et al. 2015) and its Rainbow heads (Hessel et al. 2018), with the
NaP option of a normalization layer before every nonlinearity (Lyle et al. 2024, 2025).

Module names are the reset vocabulary: ``torso`` (the three convolutions), and per output stream
(``q``, or ``value`` and ``advantage`` when dueling) a ``hidden`` layer and an ``out`` layer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import nn
from torch.nn import functional as F


class NoisyLinear(nn.Module):
    """Factorized-Gaussian noisy linear layer (Fortunato et al. 2018): fresh noise on every
    forward pass in training mode, the mean weights in eval mode.

    The noisy weight ``mu + sigma * outer(eps_out, eps_in)`` is never built: the layer computes
    ``x mu^T + ((x * eps_in) sigma^T) * eps_out``, the same function with two matmuls. At a
    Rainbow batch of 32 a 3136x512 layer is bound by reading its weights, and building the noisy
    weight took three extra passes over them each forward (and one more backward): 56% of a
    Rainbow update on CPU. The result differs from the built weight only by float rounding.
    """

    def __init__(self, in_features: int, out_features: int, sigma0: float = 0.5) -> None:
        super().__init__()
        self.in_features, self.out_features, self.sigma0 = in_features, out_features, sigma0
        self.weight_mu = nn.Parameter(torch.empty(out_features, in_features))
        self.weight_sigma = nn.Parameter(torch.empty(out_features, in_features))
        self.bias_mu = nn.Parameter(torch.empty(out_features))
        self.bias_sigma = nn.Parameter(torch.empty(out_features))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.in_features)
        nn.init.uniform_(self.weight_mu, -bound, bound)
        nn.init.uniform_(self.bias_mu, -bound, bound)
        nn.init.constant_(self.weight_sigma, self.sigma0 * bound)
        nn.init.constant_(self.bias_sigma, self.sigma0 * bound)

    @staticmethod
    def _scaled_noise(size: int, device) -> torch.Tensor:
        noise = torch.randn(size, device=device)
        return noise.sign() * noise.abs().sqrt()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return F.linear(x, self.weight_mu, self.bias_mu)
        eps_in = self._scaled_noise(self.in_features, x.device)
        eps_out = self._scaled_noise(self.out_features, x.device)
        noise = F.linear(x * eps_in, self.weight_sigma, self.bias_sigma) * eps_out
        return F.linear(x, self.weight_mu, self.bias_mu) + noise


class Stream(nn.Module):
    """hidden (512) -> [norm] -> ReLU -> out."""

    def __init__(self, in_features: int, out_features: int, linear, norm: bool) -> None:
        super().__init__()
        self.hidden = linear(in_features, 512)
        self.norm = nn.LayerNorm(512) if norm else nn.Identity()
        self.out = linear(512, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(F.relu(self.norm(self.hidden(x))))


class AtariNetwork(nn.Module):
    """Q-values ``(B, A)``, or return-distribution logits ``(B, A, atoms)`` when ``atoms > 1``.

    ``norm="layernorm"`` puts a normalization before each ReLU: GroupNorm with one group (a
    LayerNorm over channels and positions with per-channel gains) after each convolution and a
    LayerNorm after each hidden linear layer.
    """

    def __init__(
        self,
        num_actions: int,
        atoms: int = 1,
        dueling: bool = False,
        noisy: bool = False,
        norm: str = "none",
        noisy_sigma0: float = 0.5,
    ) -> None:
        super().__init__()
        if norm not in ("none", "layernorm"):
            raise ValueError(f"norm must be 'none' or 'layernorm', got {norm!r}")
        self.num_actions, self.atoms, self.dueling = num_actions, atoms, dueling
        normalize = norm == "layernorm"
        layers: list[nn.Module] = []
        for c_in, c_out, kernel, stride in ((4, 32, 8, 4), (32, 64, 4, 2), (64, 64, 3, 1)):
            layers.append(nn.Conv2d(c_in, c_out, kernel, stride))
            if normalize:
                layers.append(nn.GroupNorm(1, c_out))
            layers.append(nn.ReLU())
        self.torso = nn.Sequential(*layers, nn.Flatten())
        features = 64 * 7 * 7

        def linear(i: int, o: int) -> nn.Module:
            return NoisyLinear(i, o, noisy_sigma0) if noisy else nn.Linear(i, o)

        if dueling:
            self.streams = nn.ModuleDict(
                {
                    "value": Stream(features, atoms, linear, normalize),
                    "advantage": Stream(features, num_actions * atoms, linear, normalize),
                }
            )
        else:
            self.streams = nn.ModuleDict(
                {"q": Stream(features, num_actions * atoms, linear, normalize)}
            )

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        x = self.torso(obs.float() / 255.0)
        if self.dueling:
            value = self.streams["value"](x).view(-1, 1, self.atoms)
            advantage = self.streams["advantage"](x).view(-1, self.num_actions, self.atoms)
            out = value + advantage - advantage.mean(dim=1, keepdim=True)
        else:
            out = self.streams["q"](x).view(-1, self.num_actions, self.atoms)
        return out.squeeze(-1) if self.atoms == 1 else out

    def weight_matrices(self) -> list[nn.Parameter]:
        """The weights NaP keeps at their initial norm: every convolution and linear weight and
        the mean weights of noisy layers; noisy layers' sigmas stay free, so the exploration
        noise can still shrink."""
        weights = []
        for module in self.modules():
            if isinstance(module, nn.Conv2d | nn.Linear):
                weights.append(module.weight)
            elif isinstance(module, NoisyLinear):
                weights.append(module.weight_mu)
        return weights


class ProjectedWeights(nn.Module):
    """A view holding only ``params``, so ``NormProjection(ProjectedWeights(...))`` projects
    exactly those tensors (it shares them with the network; it owns no copy)."""

    def __init__(self, params: Iterable[nn.Parameter]) -> None:
        super().__init__()
        for i, param in enumerate(params):
            self.register_parameter(f"w{i}", param)


def modules_to_reset(network: nn.Module, layers: Iterable[str]) -> dict[str, nn.Module]:
    """The modules named by ``layers``: ``torso``, or a per-stream layer name (``hidden``,
    ``out``) that is reset in every stream; ``hidden`` takes the normalization after it along."""
    layers = set(layers)
    unknown = layers - {"torso", "hidden", "out"}
    if unknown:
        raise ValueError(f"unknown layers to reset {sorted(unknown)}; use torso, hidden, out")
    chosen = {}
    for name, module in network.named_modules():
        last = name.rsplit(".", 1)[-1]
        if last == "norm" and "hidden" in layers:
            last = "hidden"
        in_stream = name.startswith("streams.") and last in layers
        if name == "torso" and "torso" in layers or in_stream:
            chosen[name] = module
    return chosen


@torch.no_grad()
def reset_layers(network: nn.Module, optimizer: torch.optim.Optimizer, layers) -> list[str]:
    """Re-initialize ``layers`` of ``network`` and drop their Adam moments (Nikishin et al.
    2022); returns the names of the parameters reset."""
    names = []
    lookup = {id(p): n for n, p in network.named_parameters()}
    for module in modules_to_reset(network, layers).values():
        for sub in module.modules():
            if hasattr(sub, "reset_parameters"):
                sub.reset_parameters()
        for param in module.parameters():
            optimizer.state.pop(param, None)
            names.append(lookup[id(param)])
    return names
