"""The Atari-100k learning check: per game, each variant's training returns against frames, its
final evaluation (``eval.json``: 100 games at epsilon 0.001) as a marker, and the published
final scores of DER and DrQ(eps) beside random and human play (from the summary table of
``grokrewarm.analysis.atari100k``)."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from grokrewarm.analysis.atari import return_curve  # noqa: E402
from grokrewarm.analysis.atari100k import evaluation_of  # noqa: E402
from grokrewarm.analysis.runs import load_runs  # noqa: E402
from grokrewarm.figures.drawing import save_figure  # noqa: E402

REFERENCE_STYLES = {
    "random": {"color": "0.5", "linestyle": "--"},
    "human": {"color": "black", "linestyle": ":"},
    "DER": {"color": "tab:red", "linestyle": "-."},
    "DrQ(eps)": {"color": "tab:blue", "linestyle": "-."},
}
COLUMNS = 3


def render_atari100k(sweep_dir: Path) -> list[Path]:
    name = "atari100k"
    runs = load_runs(sweep_dir)
    table = pd.read_csv(sweep_dir / f"{name}_summary.csv")
    games = sorted({r.config.env.game for r in runs})
    variants = list(dict.fromkeys(r.panel for r in runs))
    colors = dict(zip(variants, plt.get_cmap("tab10").colors[2:], strict=False))
    rows = math.ceil(len(games) / COLUMNS)
    fig, axes = plt.subplots(
        rows, COLUMNS, figsize=(4.2 * COLUMNS, 3.2 * rows), squeeze=False, sharex=True
    )
    for ax, game in zip(axes.flat, games, strict=False):
        for run in (r for r in runs if r.config.env.game == game):
            curve = return_curve(run)
            ax.plot(curve.index, curve.values, color=colors[run.panel], label=run.panel)
            evaluation = evaluation_of(run)
            if evaluation:
                frames = evaluation["frames_trained"]
                ax.plot(frames, evaluation["mean_return"], "*", color=colors[run.panel], ms=11)
        row = table[table["game"] == game].iloc[0]
        for reference, style in REFERENCE_STYLES.items():
            if not math.isnan(row[reference]):
                ax.axhline(row[reference], linewidth=1, label=reference, **style)
        ax.set_title(game, fontsize=9)
        ax.set_xlabel("frames")
        ax.set_ylabel("return")
        ax.legend(fontsize=6)
    for ax in list(axes.flat)[len(games) :]:
        ax.axis("off")
    budget = runs[0].config.budget.name
    fig.suptitle(
        f"Atari 100k: training returns, final evaluation (*) and published final scores  "
        f"[{budget} budget]",
        fontsize=10,
    )
    fig.tight_layout()
    return save_figure(fig, sweep_dir, name)


FIGURES = {"atari100k": render_atari100k}
