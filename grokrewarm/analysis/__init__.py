"""The analysis step after a sweep: from its run folders to the tables every later step reads.

``summarize(name, sweep_dir)`` writes ``<name>_summary.csv`` (the experiment's summary table,
which the claims judge and the figure draws) and ``<name>_runs.csv`` (every job's state; the
summary gains per-condition counts of the jobs that diverged, failed or are still running).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from grokrewarm.analysis import atari, atari100k, lazy_rich, runs, vision

GROKKING = ("fig2", "fig3", "fig8", "nanda_baseline")
WARM_START = ("fig4", "fig5", "fig9", "fig13")
ATARI = ("fig6", "fig7", "fig10", "fig11", "fig12")


def summarizers() -> dict:
    """{experiment: summarize(runs, out_path)}."""
    table = dict.fromkeys(GROKKING, runs.summarize)
    table |= dict.fromkeys(WARM_START, vision.summarize_warm_start)
    table |= dict.fromkeys(ATARI, atari.summarize_atari)
    table["atari100k"] = atari100k.summarize_atari100k
    for name, spec in lazy_rich.SPECS.items():
        table[name] = lambda found, out_path, spec=spec: lazy_rich.summarize_lazy(
            found, spec, out_path
        )
    return table


def summarize(name: str, sweep_dir: str | Path) -> pd.DataFrame:
    """Write the sweep's summary and job tables; returns the summary as written. Raises
    ``FileNotFoundError`` when no job wrote a metrics row."""
    available = summarizers()
    if name not in available:
        raise KeyError(f"no summary for {name!r}; available: {', '.join(sorted(available))}")
    sweep_dir = Path(sweep_dir)
    path = sweep_dir / f"{name}_summary.csv"
    available[name](runs.load_runs(sweep_dir), path)
    runs.mark_unfinished_runs(sweep_dir, name)
    return pd.read_csv(path)


def unfinished_jobs(sweep_dir: str | Path, name: str) -> list[str]:
    """One line per job of ``<name>_runs.csv`` that did not finish, for a figure's footnote."""
    from grokrewarm.sweep_status import DONE

    jobs = pd.read_csv(Path(sweep_dir) / f"{name}_runs.csv", keep_default_na=False)
    unfinished = jobs[jobs["state"] != DONE]
    return [f"{r.job} {r.state} ({r.detail})" for r in unfinished.itertuples()]
