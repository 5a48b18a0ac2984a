"""The analysis step after a sweep: from its run folders to the tables every later step reads.

``summarize(name, sweep_dir)`` writes ``<name>_summary.csv`` (the experiment's summary table,
which the claims judge and the figure draws) and ``<name>_runs.csv`` (every job's state); each
summary row gains the counts of its jobs that diverged, failed or are still running, which make
a claim reading that row 'cannot tell'.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pandas as pd

from grokrewarm.analysis import atari, atari100k, lazy_rich, runs, warm_start

GROKKING = ("fig2", "fig3", "fig8", "nanda_baseline")
WARM_START = ("fig4", "fig5", "fig9", "fig13")
ATARI = ("fig6", "fig7", "fig10", "fig11", "fig12")


def summarizers() -> dict:
    """{experiment: (summarize(runs, out_path), a job's key columns in that summary)}."""
    table = dict.fromkeys(GROKKING, (runs.summarize, runs.condition_keys))
    table |= dict.fromkeys(WARM_START, (warm_start.summarize_warm_start, warm_start.summary_keys))
    table |= dict.fromkeys(ATARI, (atari.summarize_atari, atari.summary_keys))
    table["atari100k"] = (atari100k.summarize_atari100k, atari100k.summary_keys)
    for name, spec in lazy_rich.SPECS.items():
        table[name] = (partial(_summarize_lazy, spec), runs.condition_keys)
    return table


def _summarize_lazy(spec: lazy_rich.Spec, found: list[runs.Run], out_path: Path) -> pd.DataFrame:
    return lazy_rich.summarize_lazy(found, spec, out_path)


def summarize(name: str, sweep_dir: str | Path) -> pd.DataFrame:
    """Write the sweep's summary and job tables; returns the summary as written. Raises
    ``FileNotFoundError`` when no job wrote a metrics row."""
    available = summarizers()
    if name not in available:
        raise KeyError(f"no summary for {name!r}; available: {', '.join(sorted(available))}")
    sweep_dir = Path(sweep_dir)
    path = sweep_dir / f"{name}_summary.csv"
    summarize_runs, keys_of = available[name]
    summarize_runs(runs.load_runs(sweep_dir), path)
    runs.mark_unfinished_runs(sweep_dir, name, keys_of)
    return pd.read_csv(path)


def unfinished_jobs(sweep_dir: str | Path, name: str) -> list[str]:
    """One line per job of ``<name>_runs.csv`` that did not finish, for a figure's footnote."""
    from grokrewarm.sweep_status import DONE

    jobs = pd.read_csv(Path(sweep_dir) / f"{name}_runs.csv", keep_default_na=False)
    unfinished = jobs[jobs["state"] != DONE]
    return [f"{r.job} {r.state} ({r.detail})" for r in unfinished.itertuples()]
