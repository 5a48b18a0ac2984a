"""The summary table of Lyle et al. 2025's warm-starting figures (4, 5, 9, 13): per (panel, method,
initial fraction), the final test accuracy and its gap to the same method's 100% run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from grokrewarm.analysis.runs import Run


def method_of(run: Run) -> str:
    """The run's condition without its initial fraction (the domain names it ``..._f<frac>``)."""
    return run.condition.rsplit("_f", 1)[0]


def fraction_of(run: Run) -> float:
    return float(run.config.task.initial_fraction)


def summary_keys(run: Run) -> dict:
    """A job's row in the summary (``runs.mark_unfinished_runs``)."""
    return {"panel": run.panel, "method": method_of(run), "initial_fraction": fraction_of(run)}


def summarize_warm_start(runs: list[Run], out_path: Path) -> pd.DataFrame:
    """Final and end-of-phase-1 test accuracy per (panel, method, fraction), and the gap: the
    method's mean final accuracy from 100% minus this fraction's (positive = warm-start gap)."""
    rows = []
    keys = sorted({(r.panel, method_of(r), fraction_of(r)) for r in runs})
    for panel, method, fraction in keys:
        group = [
            r for r in runs if (r.panel, method_of(r), fraction_of(r)) == (panel, method, fraction)
        ]
        final = np.array([r.metrics["test/acc"].dropna().iloc[-1] for r in group])
        switch = group[0].config.task.switch_step
        before = np.array(
            [
                r.metrics.loc[r.metrics["step"] <= switch, "test/acc"].dropna().iloc[-1]
                for r in group
            ]
        )
        rows.append(
            {
                "panel": panel,
                "method": method,
                "initial_fraction": fraction,
                "seeds": len(group),
                "test_acc_at_addition": before.mean(),
                "final_test_acc_mean": final.mean(),
                "final_test_acc_std": final.std(),
                "last_step": int(max(r.metrics["step"].iloc[-1] for r in group)),
            }
        )
    table = pd.DataFrame(rows)
    full = table[table["initial_fraction"] == 1.0].set_index(["panel", "method"])
    table["gap_to_100pct"] = [
        full["final_test_acc_mean"].get((p, m), np.nan) - acc
        for p, m, acc in zip(
            table["panel"], table["method"], table["final_test_acc_mean"], strict=True
        )
    ]
    table.to_csv(out_path, index=False)
    return table
