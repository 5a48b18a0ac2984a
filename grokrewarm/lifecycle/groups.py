"""Every config group a runner does not consume is refused before training, never dropped.

Each runner names the options it consumes (``Runner.consumes``). Every option listed here that
the runner does not consume must be at its neutral value (absent, ``none``, 1, 0); otherwise the
run stops before it touches the run folder, naming the group and the runner. A new group or
option is added here with its neutral value, and to the ``consumes`` of the runners that read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from omegaconf import DictConfig, OmegaConf


class UnconsumedGroupError(ValueError):
    pass


@dataclass(frozen=True)
class Option:
    key: str  # a config group or a key, as it is spelled on the command line
    neutral: Callable[[object], bool]  # is this value (None when absent) the no-op?
    neutral_spelling: str  # what to write instead


def _absent(value: object) -> bool:
    return value is None


def _no_target(value: object) -> bool:
    return value is None or not (isinstance(value, DictConfig) and value.get("_target_"))


OPTIONS = (
    Option("task", _absent, "no task group (this runner brings its own data)"),
    Option("model", _absent, "no model group (this runner builds its own networks)"),
    Option("trainer", _absent, "no trainer group (this runner has its own loop)"),
    Option("metrics", _absent, "no metrics group (this runner logs its own metrics)"),
    Option("agent", _absent, "no agent group (an Atari experiment's)"),
    Option("env", _absent, "no env group (an Atari experiment's)"),
    Option("intervention", _no_target, "intervention=none"),
    Option("output_scale", _no_target, "output_scale=none"),
    Option("layer_lr", lambda v: v is None or v.get("rule") is None, "layer_lr=none"),
    Option("init_scale", lambda v: v is None or float(v) == 1.0, "init_scale=1"),
    Option("optimizer.scale_decay", lambda v: v is None or float(v) == 0.0, "scale_decay=0"),
)
KNOWN = frozenset(option.key for option in OPTIONS)


def _choice(cfg: DictConfig, key: str) -> str:
    value = OmegaConf.select(cfg, key)
    if isinstance(value, DictConfig):
        target = value.get("_target_") or value.get("rule") or "set"
        return f"{key} ({target})"
    return f"{key}={value}"


def refuse_unconsumed(cfg: DictConfig, runner: str, consumes: Iterable[str]) -> None:
    """Raise :class:`UnconsumedGroupError` naming every non-neutral option ``runner`` ignores."""
    consumes = frozenset(consumes)
    unknown = consumes - KNOWN
    if unknown:
        raise ValueError(f"runner {runner} consumes unknown options {sorted(unknown)}")
    refused = [
        option
        for option in OPTIONS
        if option.key not in consumes and not option.neutral(OmegaConf.select(cfg, option.key))
    ]
    if refused:
        lines = [f"  {_choice(cfg, o.key)}: use {o.neutral_spelling}" for o in refused]
        raise UnconsumedGroupError(
            f"the {runner} runner does not use these config groups, so the run would silently "
            "ignore them; refusing to start:\n" + "\n".join(lines)
        )


class UnsizedBudgetError(ValueError):
    pass


def refuse_unsized_budget(cfg: DictConfig) -> None:
    """A budget sized only for some experiments (``budget.experiments``, e.g. ``medium``) refuses
    the others before training: they have no scale file at it, so they would run at the budget's
    or their domain's values, a scale nobody chose for them."""
    sized = OmegaConf.select(cfg, "budget.experiments")
    if sized is None or cfg.experiment in sized:
        return
    name = cfg.budget.name
    raise UnsizedBudgetError(
        f"budget={name} is sized only for {', '.join(sized)}; {cfg.experiment} has no scale at "
        f"it, so it would run at a scale nobody chose. Use budget=quick or budget=paper, or add "
        f"conf/scale/{cfg.experiment}/{name}.yaml and list {cfg.experiment} in "
        f"conf/budget/{name}.yaml."
    )
