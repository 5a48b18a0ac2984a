"""Every experiment composes, at every budget, to what ``tests/conf/snapshots/<experiment>.yaml``
records (made by ``make snapshots``: ``compose_snapshot.py``). A change meant to change what an
experiment composes to regenerates them, and its diff is reviewed with the change."""

from __future__ import annotations

import difflib
import importlib.util
from pathlib import Path

import pytest
import yaml

# the snapshot tool is a script beside this file (pytest imports tests without sys.path entries)
_spec = importlib.util.spec_from_file_location(
    "compose_snapshot", Path(__file__).with_name("compose_snapshot.py")
)
compose_snapshot = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compose_snapshot)

SNAPSHOT_DIR = compose_snapshot.SNAPSHOT_DIR
EXPERIMENTS = compose_snapshot.experiments()


def mismatch(experiment: str, kept: str, now: dict) -> str | None:
    """None when ``now`` (``{budget: snapshot}``) is what the snapshot text ``kept`` records;
    else a message naming the budgets that differ, with the start of the diff."""
    text = compose_snapshot.dump(experiment, now)
    if text == kept:
        return None
    recorded = yaml.safe_load(kept) or {}
    budgets = [b for b in compose_snapshot.BUDGETS if recorded.get(b) != now.get(b)] or ["?"]
    diff = difflib.unified_diff(
        kept.splitlines(), text.splitlines(), "snapshot", "composed now", lineterm="", n=2
    )
    return (
        f"+experiment={experiment} composes differently at budget={', '.join(budgets)} from "
        f"tests/conf/snapshots/{experiment}.yaml. If the change is meant, run `make snapshots` "
        "and review `git diff tests/conf/snapshots/` before committing it:\n"
        + "\n".join(list(diff)[:60])
    )


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_experiment_composes_as_its_snapshot(experiment):
    path = SNAPSHOT_DIR / f"{experiment}.yaml"
    assert path.exists(), f"{experiment} has no snapshot: run `make snapshots`, review, commit"
    now = compose_snapshot.snapshot_experiment(experiment)
    problem = mismatch(experiment, path.read_text(), now)
    assert problem is None, problem


def test_every_snapshot_is_of_an_experiment():
    stale = sorted({p.stem for p in SNAPSHOT_DIR.glob("*.yaml")} - set(EXPERIMENTS))
    assert not stale, f"snapshots of no experiment: {stale}; `make snapshots` removes them"


def test_a_changed_value_fails_and_names_the_budget():
    kept = (SNAPSHOT_DIR / "fig3.yaml").read_text()
    now = yaml.safe_load(kept)
    assert mismatch("fig3", kept, now) is None
    now["quick"]["job"]["trainer"]["max_steps"] += 1
    problem = mismatch("fig3", kept, now)
    assert "budget=quick" in problem and "make snapshots" in problem
    assert "max_steps" in problem
