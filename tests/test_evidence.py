"""The kept evidence (``results/``): every verdict re-judged by today's claim checks, and
``keep`` turning a sweep folder into evidence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from grokrewarm import evidence
from grokrewarm.evidence import NOT_KEPT, Kept, keep, kept, rejudge, reproduction_table

KEPT = kept()


def test_results_hold_evidence():
    assert len(KEPT) >= 1


@pytest.mark.parametrize("sweep", KEPT, ids=[f"{k.experiment}/{k.budget}" for k in KEPT])
def test_kept_verdicts_are_todays(sweep: Kept):
    """Changing a check without refreshing the evidence (or the reverse) fails here: today's
    checks on the kept summary give the kept claims and verdicts, claim by claim."""
    before, today = rejudge(sweep)
    assert list(today["claim"]) == list(before["claim"])
    assert list(today["verdict"]) == list(before["verdict"])


@pytest.mark.parametrize("sweep", KEPT, ids=[f"{k.experiment}/{k.budget}" for k in KEPT])
def test_kept_sweep_is_complete(sweep: Kept):
    record = sweep.sweep
    for key in ("command", "date", "git_sha", "wall_time_s", "cpu", "torch", "metrics_thinned"):
        assert key in record, key
    assert sweep.figure is not None
    for run in (p for p in sweep.path.iterdir() if p.is_dir()):
        assert (run / "config.yaml").is_file() and (run / "metrics.csv").is_file()
        assert not (run / "checkpoints").exists()


def test_every_experiment_is_kept_at_quick_or_says_why():
    at_quick = {k.experiment for k in KEPT if k.budget == "quick"}
    missing = set(evidence.experiments()) - at_quick - set(NOT_KEPT)
    assert not missing, f"experiments with neither evidence at quick nor a reason: {missing}"
    assert not at_quick & set(NOT_KEPT), "an experiment kept and also named as not kept"


def test_evidence_stays_small():
    total = sum(p.stat().st_size for p in evidence.RESULTS.rglob("*") if p.is_file())
    assert total < 30e6


def test_a_changed_verdict_is_seen(tmp_path):
    sweep = KEPT[0]
    copy = tmp_path / sweep.experiment / sweep.budget
    shutil.copytree(sweep.path, copy)
    claims = pd.read_csv(copy / "claims.csv", keep_default_na=False)
    flipped = {"holds": "does not hold", "does not hold": "holds", "cannot tell": "holds"}
    claims.loc[0, "verdict"] = flipped[claims.loc[0, "verdict"]]
    claims.to_csv(copy / "claims.csv", index=False)
    before, today = rejudge(Kept(copy))
    assert list(before["verdict"]) != list(today["verdict"])


def _fake_sweep(root: Path, rows: int) -> Path:
    """A finished two-run sweep of kumar_fig5 as Hydra and the lifecycle leave it, with real
    kept tables (from results/) so that its claims can be judged."""
    source = next(k for k in KEPT if k.experiment == "kumar_fig5")
    sweep = root / "outputs" / "kumar_fig5" / "2026-01-01_00-00-00_000000"
    sweep.mkdir(parents=True)
    OmegaConf.save(
        OmegaConf.create(
            {"hydra": {"overrides": {"task": ["+experiment=kumar_fig5", "budget=quick"]}}}
        ),
        sweep / "multirun.yaml",
    )
    for name in ("kumar_fig5_summary.csv", "kumar_fig5_runs.csv", "claims.csv", "kumar_fig5.png"):
        shutil.copy2(source.path / name, sweep / name)
    for job in ("0_j1_s0", "1_j70_s0"):
        run = sweep / job
        (run / "checkpoints").mkdir(parents=True)
        (run / "checkpoints" / "last.ckpt").write_bytes(b"x" * 10)
        OmegaConf.save(
            OmegaConf.create(
                {
                    "logger": {"csv": {"save_dir": str(run)}},
                    "trainer": {"default_root_dir": str(run)},
                    "data_dir": str(Path.home() / "data" / "mnist"),
                    "other_run": str(sweep / "1_j70_s0"),
                }
            ),
            run / "config.yaml",
        )
        (run / "metadata.json").write_text(
            json.dumps({"git": {"sha": "abc", "dirty": False}, "versions": {"torch": "2.14.1"}})
        )
        (run / "DONE").write_text("{}")
        lines = ["step,train/loss"] + [f"{i},{1 / (i + 1):.12f}" for i in range(rows)]
        (run / "metrics.csv").write_text("\n".join(lines) + "\n")
    return sweep


def test_keep_copies_the_evidence_with_relative_paths(tmp_path):
    sweep = _fake_sweep(tmp_path, rows=50)
    dest = keep(sweep, tmp_path / "results")
    assert dest == tmp_path / "results" / "kumar_fig5" / "quick"
    run = dest / "0_j1_s0"
    assert sorted(p.name for p in run.iterdir()) == [
        "DONE",
        "config.yaml",
        "metadata.json",
        "metrics.csv",
    ]
    config = OmegaConf.load(run / "config.yaml")
    assert config.logger.csv.save_dir == "."
    assert config.other_run == "../1_j70_s0"
    assert config.data_dir == "~/data/mnist"
    record = json.loads((dest / "sweep.json").read_text())
    assert record["command"] == "python -m grokrewarm +experiment=kumar_fig5 budget=quick -m"
    assert record["git_sha"] == ["abc"] and record["runs"] == 2
    assert record["metrics_thinned"] == "no"
    assert (run / "metrics.csv").read_text() == (sweep / "0_j1_s0" / "metrics.csv").read_text()
    # kept again: replaces the earlier copy, leaves no staging folder behind
    keep(sweep, tmp_path / "results")
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["kumar_fig5"]


def test_keep_thins_large_metrics_and_says_so(tmp_path, monkeypatch):
    sweep = _fake_sweep(tmp_path, rows=1000)
    size = sum((r / "metrics.csv").stat().st_size for r in sweep.glob("*_s0"))
    monkeypatch.setattr(evidence, "MAX_METRICS_BYTES", size // 3 - 1)
    dest = keep(sweep, tmp_path / "results")
    steps = pd.read_csv(dest / "0_j1_s0" / "metrics.csv")["step"].tolist()
    assert steps[:3] == [0, 4, 8] and steps[-1] == 999  # every 4th row (ceil of 3.x), the last
    assert "every 4th" in json.loads((dest / "sweep.json").read_text())["metrics_thinned"]


def test_keep_refuses_an_unjudged_sweep(tmp_path):
    sweep = _fake_sweep(tmp_path, rows=5)
    (sweep / "claims.csv").unlink()
    with pytest.raises(FileNotFoundError, match="claims.csv"):
        keep(sweep, tmp_path / "results")


def test_reproduction_table_lists_every_experiment_once():
    table = reproduction_table()
    for name in evidence.experiments():
        assert table.count(f"`{name}`") == 1
    kept_row = next(line for line in table.splitlines() if "`atari100k`" in line)
    assert "1 holds, 1 cannot tell" in kept_row
