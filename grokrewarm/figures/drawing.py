"""Drawing helpers shared by the figures: a condition's seeds as lines, and saving a figure."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from grokrewarm.analysis import unfinished_jobs
from grokrewarm.analysis.runs import Run


def plot_condition(ax, group: list[Run], column: str, label: str, color) -> None:
    """Seeds as thin lines, their mean (on the shared steps) as a thick one."""
    series = [r.metrics[["step", column]].dropna().set_index("step")[column] for r in group]
    for s in series:
        ax.plot(s.index, s.values, color=color, alpha=0.3, linewidth=0.8)
    mean = pd.concat(series, axis=1).mean(axis=1)
    ax.plot(mean.index, mean.values, color=color, linewidth=1.8, label=label)


def save_figure(fig, sweep_dir: Path, name: str, dpi: int = 110) -> list[Path]:
    """Write ``<name>.png`` and ``.pdf`` into ``sweep_dir`` and close ``fig``; returns them and
    the tables the figure was drawn from (``<name>_summary.csv``, ``<name>_runs.csv``). When a job
    of ``<name>_runs.csv`` did not finish (diverged, failed, still running), the figure says
    which under its panels, so a figure drawn from part of its sweep says so."""
    import matplotlib.pyplot as plt

    sweep_dir = Path(sweep_dir)
    unfinished = unfinished_jobs(sweep_dir, name)
    if unfinished:
        fig.text(
            0.01,
            -0.01,
            "Not finished: " + "; ".join(unfinished),
            fontsize=7,
            color="firebrick",
            va="top",
            wrap=True,
        )
    paths = [sweep_dir / f"{name}.png", sweep_dir / f"{name}.pdf"]
    for path in paths:
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return paths + [sweep_dir / f"{name}_summary.csv", sweep_dir / f"{name}_runs.csv"]
