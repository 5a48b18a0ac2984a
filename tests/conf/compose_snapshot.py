"""What every experiment composes to at every budget, kept as readable YAML in ``snapshots/``.

``tests/conf/snapshots/<experiment>.yaml`` holds, for each budget (``smoke``, ``quick``,
``medium``, ``paper``) of ``+experiment=<experiment> budget=<budget>``:

- ``job``: the resolved job config (what a run without ``-m`` gets),
- ``sweeper``: the resolved ``hydra.sweeper`` block (``params`` and ``panels``: the grid),
- ``panels``: per panel, how that panel's first job (the first value of every swept list, the
  panel's overrides and ``panel=<name>``) differs from ``job``, as dotted keys (``<absent>``: a
  key the panel's job does not have),
- or ``error``: the first line of the error where it does not compose,

with the run folder written as :data:`OUTPUT_DIR` and every ``_target_`` cut to its last
component (modules move in code refactors; the class must not).

``tests/conf/test_snapshots.py`` composes them again and fails on any difference. After a change
meant to change what experiments compose to, regenerate them and review the diff::

    make snapshots      # or: .venv/bin/python tests/conf/compose_snapshot.py
    git diff tests/conf/snapshots/
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.plugins import Plugins
from omegaconf import OmegaConf, open_dict

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"
SNAPSHOT_DIR = Path(__file__).resolve().parent / "snapshots"
OUTPUT_DIR = "/OUTPUT_DIR"  # stands for the run folder (trainer.default_root_dir, loggers)
BUDGETS = ("smoke", "quick", "medium", "paper")
ABSENT = "<absent>"
HEADER = (
    "# What +experiment={experiment} composes to at each budget: made by `make snapshots`\n"
    "# (tests/conf/compose_snapshot.py), checked by tests/conf/test_snapshots.py. Do not edit.\n"
)


def _target_name(node):
    if isinstance(node, dict):
        return {
            k: (v.rsplit(".", 1)[-1] if k == "_target_" and isinstance(v, str) else _target_name(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_target_name(v) for v in node]
    return node


def _compose(overrides: list[str]) -> tuple[dict, dict]:
    """(job config, hydra.sweeper block), both resolved, inside an initialized config dir."""
    cfg = compose("config", overrides=overrides, return_hydra_config=True)
    cfg.hydra.runtime.output_dir = OUTPUT_DIR
    HydraConfig.instance().set_config(cfg)
    sweeper = OmegaConf.to_container(cfg.hydra.sweeper, resolve=True)
    with open_dict(cfg):
        del cfg["hydra"]
    job = OmegaConf.to_container(cfg, resolve=True)
    return _target_name(job), _target_name(sweeper)


def _first(value) -> str:
    """One value of a swept list as a command-line override value."""
    value = value[0] if isinstance(value, list) else value
    return "null" if value is None else str(value)


def flatten(node: dict, prefix: str = "") -> dict:
    """``{"a": {"b": 1}}`` as ``{"a.b": 1}`` (lists are values)."""
    out = {}
    for key, value in node.items():
        if isinstance(value, dict) and value:
            out |= flatten(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def _differences(job: dict, panel_job: dict) -> dict:
    """The dotted keys where ``panel_job`` differs from ``job`` (type included: 1 is not 1.0)."""
    before, after = flatten(job), flatten(panel_job)
    out = {}
    for key in sorted(set(before) | set(after)):
        if key not in after:
            out[key] = ABSENT
        elif key not in before or repr(before[key]) != repr(after[key]):
            out[key] = after[key]
    return out


def snapshot(conf_dir: str | Path, experiment: str, budget: str) -> dict:
    """``{"job", "sweeper", "panels"}`` of ``+experiment=experiment budget=budget``."""
    GlobalHydra.instance().clear()
    Plugins.instance()  # scans hydra_plugins (registers the union sweeper), as the CLI does
    base = [f"+experiment={experiment}", f"budget={budget}"]
    with initialize_config_dir(str(Path(conf_dir).resolve()), version_base="1.3"):
        job, sweeper = _compose(base)
        params = [f"{k}={_first(v)}" for k, v in (sweeper.get("params") or {}).items()]
        panels = {}
        for name, panel in (sweeper.get("panels") or {"main": {}}).items():
            args = [f"{k}={_first(v)}" for k, v in (panel or {}).items()]
            panel_job, _ = _compose([*base, *params, *args, f"panel={name}"])
            panels[name] = _differences(job, panel_job)
    GlobalHydra.instance().clear()
    return {"job": job, "sweeper": sweeper, "panels": panels}


def experiments(conf_dir: str | Path = CONF_DIR) -> list[str]:
    return sorted(p.stem for p in (Path(conf_dir) / "experiment").glob("*.yaml"))


def snapshot_or_error(conf_dir: str | Path, experiment: str, budget: str) -> dict:
    """:func:`snapshot`, or ``{"error": <its first line>}`` where it does not compose (an Atari
    experiment at a budget its domain has no scale for)."""
    try:
        return snapshot(conf_dir, experiment, budget)
    except Exception as error:  # noqa: BLE001 (what fails is recorded and compared)
        GlobalHydra.instance().clear()
        return {"error": f"{type(error).__name__}: {str(error).splitlines()[0]}"}


def snapshot_experiment(experiment: str, conf_dir: str | Path = CONF_DIR) -> dict:
    """``{budget: snapshot}`` for every budget."""
    return {budget: snapshot_or_error(conf_dir, experiment, budget) for budget in BUDGETS}


def dump(experiment: str, data: dict) -> str:
    body = yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=100)
    return HEADER.format(experiment=experiment) + body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("experiments", nargs="*", help="default: every experiment")
    args = parser.parse_args()
    SNAPSHOT_DIR.mkdir(exist_ok=True)
    names = args.experiments or experiments()
    if not args.experiments:  # an experiment that is gone takes its snapshot with it
        for stale in set(p.stem for p in SNAPSHOT_DIR.glob("*.yaml")) - set(names):
            (SNAPSHOT_DIR / f"{stale}.yaml").unlink()
    for experiment in names:
        (SNAPSHOT_DIR / f"{experiment}.yaml").write_text(
            dump(experiment, snapshot_experiment(experiment))
        )
    print(f"{len(names)} experiments x {len(BUDGETS)} budgets -> {SNAPSHOT_DIR}")


if __name__ == "__main__":
    main()
