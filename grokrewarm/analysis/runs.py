"""A sweep folder's runs (``metrics.csv`` + ``config.yaml`` per job), the per-condition summary of
the grokking figures, and the job states every summary records."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

GROKKED_ACC = 0.95  # test accuracy that counts as "grokked" in summaries
BEFORE_GROKKING_ACC = 0.5  # test accuracy below which a run has not begun to grok (Fig. 8)
MEMORIZED_ACC = 0.95  # train accuracy that counts as "memorized" (Fig. 8's grokking delay)
# A relative drop of the attention-output rank that counts as a "reduction" (Fig. 8): the paper
# gives no number; 10% is well above the step-to-step jitter of srank on a fixed probe batch.
RANK_DROP = 0.1


@dataclass
class Run:
    path: Path
    config: DictConfig
    metrics: pd.DataFrame

    @property
    def panel(self) -> str:
        return self.config.panel

    @property
    def condition(self) -> str:
        return self.config.condition

    def first_step_reaching(self, column: str, value: float) -> float:
        """First logged step at which ``column >= value`` (NaN if never)."""
        hits = self.metrics.loc[self.metrics[column] >= value, "step"]
        return float(hits.iloc[0]) if len(hits) else float("nan")


def load_runs(sweep_dir: Path) -> list[Run]:
    """Every run folder under ``sweep_dir`` that has a config and at least one metrics row."""
    runs = []
    for config_path in sorted(Path(sweep_dir).glob("*/config.yaml")):
        metrics_path = config_path.parent / "metrics.csv"
        if not metrics_path.is_file():
            continue
        metrics = pd.read_csv(metrics_path).sort_values("step")
        if len(metrics):
            runs.append(Run(config_path.parent, OmegaConf.load(config_path), metrics))
    if not runs:
        raise FileNotFoundError(f"no run folders with config.yaml and metrics.csv in {sweep_dir}")
    return runs


def attention_rank_drop(run: Run) -> float:
    """The relative drop of the attention-output rank as a run groks (Lyle et al. 2025, Fig. 8):
    ``1 - min(rank in window) / rank(before)``. ``before`` is the last logged step whose test
    accuracy is below ``BEFORE_GROKKING_ACC`` ahead of ``grok``, the first at or above
    ``GROKKED_ACC``; the window runs from after ``before`` to ``grok + delay``, where ``delay`` is
    the run's own grokking delay, ``grok`` minus the first step with train accuracy at or above
    ``MEMORIZED_ACC`` (0 when it generalized before it memorized). So the span scales with the run
    and not with the metric interval: the rows that merely bracket grokking (the reading until
    2026-12-03) were 100 or 20 steps apart and gave different verdicts on the same runs. NaN when
    the run did not grok, logged no rank, or was never below 50% before grokking."""
    if "rank/attention" not in run.metrics:
        return float("nan")
    logged = run.metrics.dropna(subset=["rank/attention", "test/acc"])
    grokked = logged[logged["test/acc"] >= GROKKED_ACC]
    if grokked.empty:
        return float("nan")
    grok = grokked["step"].iloc[0]
    before = logged[(logged["step"] < grok) & (logged["test/acc"] < BEFORE_GROKKING_ACC)]
    if before.empty or before["rank/attention"].iloc[-1] <= 0:
        return float("nan")
    memorized = run.first_step_reaching("train/acc", MEMORIZED_ACC)
    delay = max(grok - memorized, 0.0) if np.isfinite(memorized) else 0.0
    steps = logged["step"]
    window = logged[(steps > before["step"].iloc[-1]) & (steps <= grok + delay)]
    return float(1.0 - window["rank/attention"].min() / before["rank/attention"].iloc[-1])


def summarize(runs: list[Run], out_path: Path) -> pd.DataFrame:
    """Per (panel, condition): seeds, final test accuracy mean/std, steps to reach 95% test
    accuracy, the last step and, where the attention-output rank is logged, the seeds whose rank
    was measured across grokking, those whose rank dropped by ``RANK_DROP`` or more, and the
    mean relative drop (:func:`attention_rank_drop`); written to ``out_path`` as CSV."""
    rows = []
    for (panel, condition), group in group_by_condition(runs).items():
        final = np.array([r.metrics["test/acc"].iloc[-1] for r in group])
        grok = np.array([r.first_step_reaching("test/acc", GROKKED_ACC) for r in group])
        row = {
            "panel": panel,
            "condition": condition,
            "seeds": len(group),
            "final_test_acc_mean": final.mean(),
            "final_test_acc_std": final.std(),
            "grokked_seeds": int(np.isfinite(grok).sum()),
            "median_step_to_95": float(np.nanmedian(grok)) if np.isfinite(grok).any() else None,
            "last_step": int(max(r.metrics["step"].iloc[-1] for r in group)),
        }
        if any("rank/attention" in r.metrics for r in group):
            drops = np.array([attention_rank_drop(r) for r in group])
            measured = drops[np.isfinite(drops)]
            row["rank_drop_seeds"] = len(measured)
            row["rank_dropped_seeds"] = int((measured >= RANK_DROP).sum())
            row["rank_drop_mean"] = float(measured.mean()) if len(measured) else None
        rows.append(row)
    table = pd.DataFrame(rows)
    table.to_csv(out_path, index=False)
    return table


def group_by_condition(runs: list[Run]) -> dict[tuple[str, str], list[Run]]:
    groups: dict[tuple[str, str], list[Run]] = {}
    for run in runs:
        groups.setdefault((run.panel, run.condition), []).append(run)
    return groups


def condition_keys(run: Run) -> dict:
    """A job's row in a summary with one row per (panel, condition)."""
    return {"panel": run.config.get("panel"), "condition": run.config.get("condition")}


def mark_unfinished_runs(sweep_dir: Path, name: str, keys_of=condition_keys) -> None:
    """Write ``<name>_runs.csv`` (job, panel, condition, seed, state, detail), and add to each row
    of ``<name>_summary.csv`` the counts of its unfinished jobs (``jobs_diverged``,
    ``jobs_running``, ``jobs_failed``): a job's row is where the summary's columns equal
    ``keys_of(run)`` (its panel and condition by default), so a check reading that row knows."""
    from grokrewarm.sweep_status import DONE, STATES, sweep_status

    rows, keys = [], []
    for report in sweep_status(sweep_dir, lines=1):
        config = sweep_dir / report.name / "config.yaml"
        cfg = OmegaConf.load(config) if config.is_file() else OmegaConf.create()
        rows.append(
            {
                "job": report.name,
                "panel": cfg.get("panel"),
                "condition": cfg.get("condition"),
                "seed": cfg.get("seed"),
                "state": report.state,
                "detail": report.detail,
            }
        )
        # a job that never wrote its config (not started) has no row to count in
        keys.append(keys_of(Run(config.parent, cfg, pd.DataFrame())) if config.is_file() else {})
    jobs = pd.DataFrame(rows, columns=["job", "panel", "condition", "seed", "state", "detail"])
    jobs.to_csv(sweep_dir / f"{name}_runs.csv", index=False)
    unfinished = jobs[jobs["state"] != DONE]
    summary_path = sweep_dir / f"{name}_summary.csv"
    if len(unfinished) and summary_path.is_file():
        summary = pd.read_csv(summary_path)
        job_keys = pd.DataFrame(keys, index=jobs.index)
        columns = [k for k in job_keys.columns if k in summary.columns]
        if columns:
            for state in STATES[1:]:
                counts = job_keys[jobs["state"] == state].groupby(columns).size()
                column = f"jobs_{state.split()[0]}"  # jobs_diverged, jobs_running, jobs_failed
                summary[column] = [
                    int(counts.get(tuple(row) if len(columns) > 1 else row[0], 0))
                    for row in summary[columns].itertuples(index=False)
                ]
            summary.to_csv(summary_path, index=False)
