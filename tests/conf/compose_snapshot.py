"""Snapshot of what every experiment composes to at every budget, to compare config refactors.

For each experiment in ``<conf>/experiment`` and each budget in ``<conf>/budget``, it records

- ``job``: the resolved job config of ``+experiment=X budget=B`` (what a run without ``-m`` gets),
- ``sweeper``: the resolved ``hydra.sweeper`` block (``params`` and ``panels``: the grid),
- ``panels``: per panel, the resolved job config of that panel's first job (the first value of
  every swept list, the panel's overrides and ``panel=<name>``),

with the run folder set to :data:`OUTPUT_DIR`, ``budget.*`` reduced to :data:`BUDGET_KEYS_READ`
(the keys Python code reads; the rest of ``budget`` is the refactor's own business), and every
``_target_`` cut to its last component (modules move in code refactors; the class must not).

``tests/conf/data/composed_before_refactor.json.gz`` was made with, from the repository root::

    mkdir -p /tmp/base && git archive ed8518e | tar -x -C /tmp/base
    PYTHONPATH=/tmp/base .venv/bin/python tests/conf/compose_snapshot.py /tmp/base/conf \\
        tests/conf/data/composed_before_refactor.json.gz --sha ed8518e

Regenerate it (from the tree to be accepted as the reference) only when a change of composed
values is intended, and say so in the commit.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.plugins import Plugins
from omegaconf import OmegaConf, open_dict

OUTPUT_DIR = "/OUTPUT_DIR"  # stands for the run folder (trainer.default_root_dir, loggers)
BUDGET_KEYS_READ = ("name", "metrics_every", "checkpoint_every", "atari")


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
    job["budget"] = {k: job["budget"][k] for k in BUDGET_KEYS_READ if k in job["budget"]}
    return _target_name(job), _target_name(sweeper)


def _first(value) -> str:
    """One value of a swept list as a command-line override value."""
    value = value[0] if isinstance(value, list) else value
    return "null" if value is None else str(value)


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
            panels[name], _ = _compose([*base, *params, *args, f"panel={name}"])
    GlobalHydra.instance().clear()
    return {"job": job, "sweeper": sweeper, "panels": panels}


def experiments(conf_dir: str | Path) -> list[str]:
    return sorted(p.stem for p in (Path(conf_dir) / "experiment").glob("*.yaml"))


BUDGETS = ("paper", "quick", "smoke")


def snapshot_all(conf_dir: str | Path) -> dict[str, dict]:
    """``{"<experiment>/<budget>": snapshot}`` for every experiment and budget."""
    return {
        f"{experiment}/{budget}": snapshot(conf_dir, experiment, budget)
        for experiment in experiments(conf_dir)
        for budget in BUDGETS
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("conf_dir")
    parser.add_argument("out", help="a .json.gz file")
    parser.add_argument("--sha", required=True, help="the commit conf_dir was exported from")
    args = parser.parse_args()
    data = {"sha": args.sha, "configs": snapshot_all(args.conf_dir)}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(args.out, "wb", mtime=0) as f:
        f.write(text.encode())
    print(f"{len(data['configs'])} configs from {args.conf_dir} -> {args.out}")


if __name__ == "__main__":
    main()
