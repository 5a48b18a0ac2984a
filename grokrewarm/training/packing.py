"""N models of one architecture trained as one stacked model: the packed step's pieces.

Each member is an ordinary :class:`~grokrewarm.training.module.RewarmModule`, built exactly as a
solo run builds it (same seed, task, model, controller, projection, optimizer groups). Packing
then moves every member's parameters and buffers into stacked tensors ``[N, ...]`` and points
the member's own ``Parameter`` objects at their slice (``param.data = stacked[i]``), so whatever
reads a member (its evaluation, metrics, projection targets, checkpoint) sees the trained values
without a copy. One step is then a fixed number of kernels whatever N is:

- :class:`PackedModel`: the loss of every member at once, ``vmap`` over ``functional_call`` of one
  template model; a per-member scalar attribute of a wrapper (the output scale ``alpha``)
  becomes a stacked buffer of the template.
- :class:`StackedOptimizer`: AdamW, Adam (coupled L2 decay) or SGD over the stacked tensors with
  per-member learning rates and decays, read every step from the member's own (never stepped)
  optimizer, whose ``param_groups`` the member's re-warm controller writes as in a solo run.
- :class:`StackedProjection`: every member's Normalize-and-Project (or none), per-tensor or
  global scope, in one pass over the stacked tensors.

A member differs from its solo run only by floating-point rounding: batched kernels sum in
another order than the solo ones (see ``docs/guides/hardware.md``, "Packed runs").
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn
from torch.func import functional_call, vmap
from torch.nn.attention import SDPBackend, sdpa_kernel

from grokrewarm.method.laziness import OutputScale
from grokrewarm.training.module import RewarmModule


class NotPackable(ValueError):
    """These runs cannot share one stacked model; the message says why."""


# Module types whose per-run float attributes enter the forward pass (output scale's alpha).
PER_MEMBER_ATTRIBUTES: dict[type, tuple[str, ...]] = {OutputScale: ("alpha",)}
# Buffers a forward pass updates in place break the one-template functional forward.
STATEFUL = (nn.modules.batchnorm._BatchNorm,)


def _per_member_view(stacked: Tensor) -> Callable[[Tensor], Tensor]:
    """Reshape a ``[N]`` vector to broadcast against ``stacked`` ``[N, ...]``."""
    shape = (stacked.shape[0],) + (1,) * (stacked.ndim - 1)
    return lambda vector: vector.view(shape)


class PackedModel:
    """Every member's parameters and buffers stacked, and their loss in one vmapped call."""

    def __init__(self, modules: Sequence[RewarmModule]) -> None:
        if not modules:
            raise NotPackable("a pack needs at least one run")
        self.modules = list(modules)
        models = [module.model for module in self.modules]
        for model in models:
            stateful = [type(m).__name__ for m in model.modules() if isinstance(m, STATEFUL)]
            if stateful:
                raise NotPackable(f"{stateful[0]} updates its statistics in the forward pass")
        reference = _structure(models[0])
        for model in models[1:]:
            if _structure(model) != reference:
                raise NotPackable("the runs' models differ in parameter names or shapes")
        self.template = copy.deepcopy(models[0])
        self.extra_buffers = self._per_member_attributes(models)
        self.param_names = [name for name, _ in models[0].named_parameters()]
        self.buffer_names = [name for name, _ in models[0].named_buffers()]
        self.trainable = [n for n, p in models[0].named_parameters() if p.requires_grad]
        self.params: dict[str, Tensor] = {}
        self.buffers: dict[str, Tensor] = {}
        self.restack(range(len(self.modules)))

    def _per_member_attributes(self, models: list[nn.Module]) -> dict[str, Tensor]:
        """Turn each per-member float attribute of the template into a stacked buffer."""
        extra = {}
        for name, module in self.template.named_modules():
            for kind, attributes in PER_MEMBER_ATTRIBUTES.items():
                if not isinstance(module, kind):
                    continue
                for attribute in attributes:
                    values = [float(getattr(m.get_submodule(name), attribute)) for m in models]
                    reference = next(self.template.parameters())
                    like = {"device": reference.device, "dtype": reference.dtype}
                    delattr(module, attribute)
                    module.register_buffer(attribute, torch.zeros((), **like))
                    key = f"{name}.{attribute}" if name else attribute
                    extra[key] = torch.tensor(values, **like)
        return extra

    @property
    def size(self) -> int:
        return len(self.modules)

    @torch.no_grad()
    def restack(self, keep: Sequence[int]) -> None:
        """Keep members ``keep`` (a diverged one leaves), stacking their current values anew and
        pointing each member's tensors at its slice."""
        keep = list(keep)
        self.modules = [self.modules[i] for i in keep]
        self.extra_buffers = {k: v[keep].clone() for k, v in self.extra_buffers.items()}
        members = [dict(m.model.named_parameters()) for m in self.modules]
        for name in self.param_names:
            stacked = torch.stack([member[name].detach() for member in members])
            stacked.requires_grad_(members[0][name].requires_grad)
            self.params[name] = stacked
            for i, member in enumerate(members):
                member[name].data = stacked.detach()[i]
        for name in self.buffer_names:
            stacked = torch.stack([dict(m.model.named_buffers())[name] for m in self.modules])
            self.buffers[name] = stacked
            for i, module in enumerate(self.modules):
                owner, _, leaf = name.rpartition(".")
                module.model.get_submodule(owner)._buffers[leaf] = stacked[i]

    def losses(self, inputs: Tensor, targets: Tensor, batched_data: bool) -> Tensor:
        """``[N]`` training losses; ``batched_data``: inputs and targets are ``[N, ...]`` (one
        batch per member) rather than one batch shared by all."""
        task = self.modules[0].task

        def member_loss(params, buffers, x, y):
            return task.loss(functional_call(self.template, (params, buffers), (x,)), y)

        data_dim = 0 if batched_data else None
        # the fused attention kernels have no batching rule (vmap would loop over members);
        # the math kernel is plain matmuls and a softmax, batched like the rest of the model
        with sdpa_kernel(SDPBackend.MATH):
            return vmap(member_loss, in_dims=(0, 0, data_dim, data_dim))(
                self.params, {**self.buffers, **self.extra_buffers}, inputs, targets
            )


def _structure(model: nn.Module) -> list[tuple[str, tuple[int, ...], bool]]:
    params = [(n, tuple(p.shape), p.requires_grad) for n, p in model.named_parameters()]
    return params + [(n, tuple(b.shape), False) for n, b in model.named_buffers()]


def _group_of(optimizer: torch.optim.Optimizer) -> dict[int, dict]:
    return {id(p): group for group in optimizer.param_groups for p in group["params"]}


class StackedOptimizer:
    """One optimizer step for every member over the stacked tensors.

    The update is written as PyTorch's single-tensor AdamW / Adam / SGD write it (same order of
    operations), with each member's learning rate and decay as a ``[N]`` tensor broadcast over
    its slice; the scalars are computed in double precision on the host, as PyTorch does. Betas,
    eps and momentum must be the same for every member (they are, within a pack).
    """

    KINDS = {torch.optim.AdamW: "adamw", torch.optim.Adam: "adam", torch.optim.SGD: "sgd"}

    def __init__(self, packed: PackedModel, optimizers: Sequence[torch.optim.Optimizer]) -> None:
        kinds = {type(o) for o in optimizers}
        if len(kinds) != 1 or next(iter(kinds)) not in self.KINDS:
            raise NotPackable(f"optimizers {sorted(k.__name__ for k in kinds)} cannot be stacked")
        self.kind = self.KINDS[next(iter(kinds))]
        self.packed = packed
        self.optimizers = list(optimizers)
        defaults = optimizers[0].defaults
        for key in ("amsgrad", "maximize", "nesterov", "capturable", "differentiable"):
            if defaults.get(key):
                raise NotPackable(f"{type(optimizers[0]).__name__}({key}=True) is not stacked")
        shared = {k: v for k, v in defaults.items() if k not in ("lr", "weight_decay")}
        for optimizer in optimizers[1:]:
            theirs = {k: v for k, v in optimizer.defaults.items() if k in shared}
            if theirs != shared:
                raise NotPackable(f"optimizer settings differ: {shared} vs {theirs}")
        self.defaults = defaults
        self.steps = 0
        self.state: dict[str, dict[str, Tensor]] = {}

    def _groups(self, name: str) -> list[dict]:
        """Each member's optimizer group holding its parameter ``name``."""
        groups = []
        for module, optimizer in zip(self.packed.modules, self.optimizers, strict=True):
            param = module.model.get_parameter(name)
            groups.append(_group_of(optimizer)[id(param)])
        return groups

    def drop(self, keep: Sequence[int]) -> None:
        """Keep members ``keep``' optimizers and state (``PackedModel.restack`` first)."""
        self.optimizers = [self.optimizers[i] for i in keep]
        self.state = {
            name: {k: v[list(keep)].clone() for k, v in state.items()}
            for name, state in self.state.items()
        }

    @torch.no_grad()
    def step(self) -> None:
        self.steps += 1
        params = self.packed.params
        for name in self.packed.trainable:
            param = params[name]
            grad = param.grad
            if grad is None:
                continue
            groups = self._groups(name)
            as_member = _per_member_view(param)
            device = param.device
            lrs = [g["lr"] for g in groups]
            decays = [g["weight_decay"] for g in groups]
            if self.kind == "adamw":
                self._adam(name, param, grad, lrs, as_member, device, decoupled=decays)
            elif self.kind == "adam":
                if any(decays):
                    grad = grad + param * as_member(torch.tensor(decays, device=device))
                self._adam(name, param, grad, lrs, as_member, device, decoupled=None)
            else:
                self._sgd(name, param, grad, lrs, decays, as_member, device)

    def _adam(self, name, param, grad, lrs, as_member, device, decoupled) -> None:
        beta1, beta2 = self.defaults["betas"]
        eps = self.defaults["eps"]
        state = self.state.setdefault(
            name,
            {"exp_avg": torch.zeros_like(param), "exp_avg_sq": torch.zeros_like(param)},
        )
        if decoupled is not None and any(decoupled):
            shrink = [1 - lr * wd for lr, wd in zip(lrs, decoupled, strict=True)]
            param.mul_(as_member(torch.tensor(shrink, device=device)))
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        bias_correction1 = 1 - beta1**self.steps
        bias_correction2_sqrt = math.sqrt(1 - beta2**self.steps)
        step_sizes = [-lr / bias_correction1 for lr in lrs]
        denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
        param.add_(as_member(torch.tensor(step_sizes, device=device)) * exp_avg / denom)

    def _sgd(self, name, param, grad, lrs, decays, as_member, device) -> None:
        if any(decays):
            grad = grad + param * as_member(torch.tensor(decays, device=device))
        momentum = self.defaults.get("momentum", 0.0)
        if momentum:
            dampening = self.defaults.get("dampening", 0.0)
            state = self.state.get(name)
            if state is None:
                self.state[name] = {"momentum_buffer": grad.clone()}
            else:
                state["momentum_buffer"].mul_(momentum).add_(grad, alpha=1 - dampening)
            grad = self.state[name]["momentum_buffer"]
        param.add_(grad * as_member(torch.tensor([-lr for lr in lrs], device=device)))

    def member_state(self, index: int) -> dict:
        """Member ``index``'s slice of the optimizer state (for its checkpoint)."""
        return {
            "steps": self.steps,
            "state": {
                name: {k: v[index].clone() for k, v in state.items()}
                for name, state in self.state.items()
            },
        }

    def load_member_states(self, states: Sequence[dict]) -> None:
        """Restack the optimizer state from every member's checkpointed slice."""
        steps = {s["steps"] for s in states}
        if len(steps) != 1:
            raise ValueError(f"the members' checkpoints are at different steps {sorted(steps)}")
        self.steps = steps.pop()
        device = next(iter(self.packed.params.values())).device
        self.state = {
            name: {
                key: torch.stack([s["state"][name][key] for s in states]).to(device)
                for key in states[0]["state"][name]
            }
            for name in states[0]["state"]
        }


class StackedProjection:
    """Every member's ``NormProjection`` (or none) applied to the stacked tensors at once.

    Per tensor and member a factor ``target / norm`` (``scope=per_tensor``), ``target / joint
    norm`` (``scope=global``), or 1 (a member without projection, a tensor it does not
    project, or a step that is not a multiple of its ``every_k_steps``)."""

    def __init__(self, packed: PackedModel) -> None:
        self.packed = packed
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the target table from the members' projections (after a restack or load)."""
        modules = self.packed.modules
        names = self.packed.trainable
        reference = next(iter(self.packed.params.values()))
        device = reference.device
        targets = torch.ones(len(names), len(modules), device=device, dtype=reference.dtype)
        included = torch.zeros(len(names), len(modules), dtype=torch.bool, device=device)
        global_scope = torch.zeros(len(modules), dtype=torch.bool, device=device)
        self.every = []
        for j, module in enumerate(modules):
            projection = module.projection
            self.every.append(projection.every_k_steps if projection is not None else 0)
            if projection is None:
                continue
            target_norms = projection.target_norms.to(device)
            if projection.scope == "global":
                global_scope[j] = True
            for k, name in enumerate(projection.names):
                i = names.index(name)
                included[i, j] = True
                targets[i, j] = target_norms[0 if projection.scope == "global" else k]
        self.targets, self.included, self.global_scope = targets, included, global_scope
        self.names = [n for i, n in enumerate(names) if bool(included[i].any())]
        self.rows = [i for i in range(len(names)) if bool(included[i].any())]
        self.active_cache: dict[tuple[bool, ...], Tensor] = {}

    def any(self) -> bool:
        return bool(self.rows)

    @torch.no_grad()
    def maybe_project(self, done: int) -> None:
        due = tuple(k > 0 and done % k == 0 for k in self.every)
        if not any(due):
            return
        if due not in self.active_cache:
            device = self.targets.device
            self.active_cache[due] = torch.tensor(due, device=device)
        active = self.active_cache[due]
        params = [self.packed.params[name] for name in self.names]
        norms = torch.stack([p.detach().flatten(1).norm(dim=1) for p in params])  # [T, N]
        included = self.included[self.rows] & active
        targets = self.targets[self.rows]
        joint = (norms.square() * self.included[self.rows]).sum(0).sqrt()
        factors = torch.where(self.global_scope, targets / joint, targets / norms)
        factors = torch.where(included, factors, torch.ones_like(factors))
        for param, factor in zip(params, factors.unbind(), strict=True):
            param.mul_(_per_member_view(param)(factor))
