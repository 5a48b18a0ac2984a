"""Normalize-and-Project weight projection (Lyle et al. 2025, Eq. 2; Omnigrok's fixed-norm sphere).

After an optimizer step, each selected tensor W is rescaled to ``scale * ||W_0||_F``, its Frobenius
norm at construction times a constant, so the effective learning rate of a scale-invariant
network is read straight off the LR schedule. ``scope="global"`` instead rescales all selected
tensors together to their joint initial norm (Omnigrok's weight-norm constraint).
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

# Which tensors count as what. NaP projects "the weights in each linear layer" (Section 2.3); we
# also project embeddings and the decoder, which are matrices too, and leave norm-layer gains and
# biases free by default so that scale decay (Fig. 2 RHS) can act on the gains.
PARAMETER_KINDS = ("matrices", "embeddings", "norm_scales", "biases")


def parameter_kind(module: nn.Module, param_name: str, param: torch.Tensor) -> str:
    """Classify a parameter as one of ``PARAMETER_KINDS`` by its owning module and shape."""
    if isinstance(module, nn.Embedding):
        return "embeddings"
    if (
        isinstance(module, nn.LayerNorm | nn.RMSNorm | nn.GroupNorm)
        or "norm" in type(module).__name__.lower()
    ):
        return "norm_scales" if param_name == "weight" else "biases"
    if param_name == "bias" or param.ndim < 2:
        return "biases"
    return "matrices"


def named_parameters_by_kind(model: nn.Module) -> dict[str, list[tuple[str, nn.Parameter]]]:
    """Group ``model``'s trainable parameters by kind, keeping their qualified names."""
    groups: dict[str, list[tuple[str, nn.Parameter]]] = {kind: [] for kind in PARAMETER_KINDS}
    for module_name, module in model.named_modules():
        for param_name, param in module.named_parameters(recurse=False):
            if param.requires_grad:
                full_name = f"{module_name}.{param_name}" if module_name else param_name
                groups[parameter_kind(module, param_name, param)].append((full_name, param))
    return groups


class NormProjection:
    """Rescale parameters back onto the sphere of their initial norm (Eq. 2).

    Construct it right after initialization: the norms it records are the targets. The update is
    two foreach kernels with no host synchronisation, so it is cheap enough for every step.
    """

    def __init__(
        self,
        model: nn.Module,
        include: Iterable[str] = ("matrices", "embeddings"),
        every_k_steps: int = 1,
        scale: float = 1.0,
        scope: str = "per_tensor",
    ) -> None:
        include = tuple(include)
        unknown = set(include) - set(PARAMETER_KINDS)
        if unknown:
            raise ValueError(f"unknown parameter kinds {sorted(unknown)}; use {PARAMETER_KINDS}")
        if every_k_steps < 1:
            raise ValueError(f"every_k_steps must be >= 1, got {every_k_steps}")
        if scale <= 0:
            raise ValueError(f"scale must be > 0, got {scale}")
        if scope not in ("per_tensor", "global"):
            raise ValueError(f"scope must be 'per_tensor' or 'global', got {scope!r}")
        by_kind = named_parameters_by_kind(model)
        named = [item for kind in include for item in by_kind[kind]]
        if not named:
            raise ValueError(f"no parameters of kinds {include} to project in {type(model)}")
        self.names = [name for name, _ in named]
        self.params = [param for _, param in named]
        self.every_k_steps = every_k_steps
        self.scope = scope
        with torch.no_grad():
            norms = torch.stack(torch._foreach_norm(self.params))
            if scope == "global":
                norms = norms.square().sum().sqrt().reshape(1)
            self.target_norms = norms * scale

    @torch.no_grad()
    def project(self) -> None:
        """Rescale the selected parameters to their target norms, in place."""
        norms = torch.stack(torch._foreach_norm(self.params))
        if self.target_norms.device != norms.device:  # the model moved after construction
            self.target_norms = self.target_norms.to(norms.device)
        if self.scope == "global":
            factor = self.target_norms[0] / norms.square().sum().sqrt()
            torch._foreach_mul_(self.params, factor)
        else:
            factors = self.target_norms / norms
            torch._foreach_mul_(self.params, list(factors.unbind()))

    def maybe_project(self, step: int) -> None:
        """Project if ``step`` (the number of optimizer steps taken) is a multiple of k."""
        if step % self.every_k_steps == 0:
            self.project()

    def state_dict(self) -> dict:
        return {"target_norms": self.target_norms.clone(), "names": list(self.names)}

    def load_state_dict(self, state: dict) -> None:
        if list(state["names"]) != self.names:
            raise ValueError("projection state was saved for a different set of parameters")
        self.target_norms = state["target_norms"].to(self.target_norms.device)


def project_to_initial_norm(
    params: Iterable[torch.Tensor], initial_norms: Iterable[torch.Tensor | float]
) -> None:
    """Functional form of Eq. 2 for plain PyTorch loops: ``W <- W * ||W_0|| / ||W||``."""
    params = list(params)
    with torch.no_grad():
        norms = torch._foreach_norm(params)
        torch._foreach_mul_(
            params, [torch.as_tensor(t) / n for t, n in zip(initial_norms, norms, strict=True)]
        )
