"""Every config group a runner does not consume is refused before training, never dropped.

Each runner names the options it consumes (``Runner.consumes``). Every option listed here that
the runner does not consume must be at its neutral value (absent, ``none``, 1, 0); otherwise the
run stops before it touches the run folder, naming the group and the runner. A new group or
option is added here with its neutral value, and to the ``consumes`` of the runners that read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
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


def sized_budgets(experiment: str, conf_dir: Path | None = None) -> set[str]:
    """The budgets ``conf/experiment/<experiment>.yaml`` has an entry for in its ``budgets:``
    table (an empty entry: the budget's and its domain's values, chosen for it)."""
    if conf_dir is None:
        from grokrewarm.compose import CONF_DIR as conf_dir
    path = Path(conf_dir) / "experiment" / f"{experiment}.yaml"
    if not path.is_file():
        return set()
    return set((yaml.safe_load(path.read_text()) or {}).get("budgets") or {})


def refuse_unsized_budget(cfg: DictConfig) -> None:
    """A budget sized only for some experiments (``refuse_unsized: true``, e.g. ``medium``)
    refuses an experiment without an entry for it in its file's ``budgets:`` table before
    training: it would run at the budget's or its domain's values, a scale nobody chose for it.
    A run without an experiment (``adhoc``) runs at the budget's own values."""
    if not OmegaConf.select(cfg, "budget.refuse_unsized", default=False):
        return
    name = cfg.budget.name
    if cfg.experiment == "adhoc" or name in sized_budgets(cfg.experiment):
        return
    raise UnsizedBudgetError(
        f"budget={name} is sized only for the experiments with a `{name}:` entry in their "
        f"`budgets:` table; {cfg.experiment} has none, so it would run at a scale nobody chose. "
        f"Use budget=quick or budget=paper, or add a `{name}:` entry to the `budgets:` table of "
        f"conf/experiment/{cfg.experiment}.yaml."
    )
