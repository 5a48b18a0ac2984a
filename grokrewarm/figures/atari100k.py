"""The Atari-100k learning check: per game, each variant's training returns against frames, its
final evaluation (``eval.json``: 100 games at epsilon 0.001) as a marker, and the published
final scores of DER and DrQ(eps) beside random and human play; the summary table puts our final
evaluation beside the published numbers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from grokrewarm.domains.atari.evaluation import (  # noqa: E402
    human_normalized,
    published_atari100k_scores,
    random_human_scores,
)
from grokrewarm.figures.atari import final_return, return_curve  # noqa: E402
from grokrewarm.figures.runs import Run, load_runs, save_figure  # noqa: E402

PUBLISHED = ("DER", "DrQ(eps)")
REFERENCE_STYLES = {
    "random": {"color": "0.5", "linestyle": "--"},
    "human": {"color": "black", "linestyle": ":"},
    "DER": {"color": "tab:red", "linestyle": "-."},
    "DrQ(eps)": {"color": "tab:blue", "linestyle": "-."},
}
COLUMNS = 3


def evaluation_of(run: Run) -> dict | None:
    path = run.path / "eval.json"
    return json.loads(path.read_text()) if path.is_file() else None


def summarize_atari100k(runs: list[Run], out_path: Path) -> pd.DataFrame:
    """One row per run: game, variant (panel), agent, frames, final training return (last 10%
    of frames), final evaluation mean and its human-normalized score, and the references."""
    references = random_human_scores()
    published = published_atari100k_scores()
    rows = []
    for run in runs:
        game = run.config.env.game
        evaluation = evaluation_of(run)
        random, human = references.get(game, (math.nan, math.nan))
        eval_mean = evaluation["mean_return"] if evaluation else math.nan
        rows.append(
            {
                "game": game,
                "variant": run.panel,
                "agent": run.config.agent.name,
                "seed": run.config.seed,
                "frames": int(run.metrics["step"].iloc[-1]),
                "final_train_return": final_return(run),
                "eval_return": eval_mean,
                "eval_games": evaluation["episodes"] if evaluation else 0,
                "eval_human_normalized": float(human_normalized(game, eval_mean))
                if game in references
                else math.nan,
                "random": random,
                "human": human,
                **{agent: published.get((game, agent), math.nan) for agent in PUBLISHED},
            }
        )
    table = pd.DataFrame(rows).sort_values(["game", "variant", "seed"])
    table.to_csv(out_path, index=False)
    return table


def render_atari100k(sweep_dir: Path) -> list[Path]:
    name = "atari100k"
    runs = load_runs(sweep_dir)
    table = summarize_atari100k(runs, sweep_dir / f"{name}_summary.csv")
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
