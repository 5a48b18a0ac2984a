"""Figures 6, 7, 10, 11 and 12 of Lyle et al. 2025 (Atari): per-game training returns against
frames, and human-normalized aggregates (IQM, median, mean, optimality gap) with stratified
bootstrap CIs and performance profiles, all computed by rliable (Agarwal et al. 2021).

Runs are grouped by agent setting (agent, NaP, replay ratio: one row block each) and, within a
group, by variant (the sweep panel, without a ``lhs_``/``rhs_`` prefix).
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from rliable import plot_utils  # noqa: E402

from grokrewarm.analysis.atari import (  # noqa: E402
    SEED,
    group_of,
    return_curve,
    run_table,
    score_matrix,
    variant_of,
)
from grokrewarm.analysis.runs import Run, load_runs  # noqa: E402
from grokrewarm.domains.atari.scores import (  # noqa: E402
    PROFILE_REPS,
    human_normalized,
    iqm,
    performance_profile,
    random_human_scores,
)
from grokrewarm.figures.drawing import save_figure  # noqa: E402

COLUMNS = 6
PANELS = 4  # per agent setting, before its games: IQM curve, aggregates, profile, learning rate
AGGREGATE_LABELS = {"iqm": "IQM", "median": "median", "mean": "mean", "optimality_gap": "opt. gap"}

TITLES = {
    "fig6": "Fig. 6: LR cycling in Rainbow+NaP (low replay ratio) and DQN (high replay ratio)",
    "fig7": "Fig. 7: early-stopped LR cycling, DQN and Rainbow, high replay ratio",
    "fig10": "Fig. 10: stopping the DQN LR cycling at 8M / 20M / 40M frames",
    "fig11": "Fig. 11: cycling stopped at 3/4 of the budget to 1e-7; resets with aligned cycles",
    "fig12": "Fig. 12: per-game Rainbow+NaP returns, low replay ratio",
}


def _iqm_curve(runs: list[Run]) -> pd.Series:
    """IQM over runs (games x seeds) of the human-normalized return curve, per frame."""
    curves = []
    for i, run in enumerate(runs):
        if run.config.env.game in random_human_scores():
            curve = return_curve(run)
            hns = human_normalized(run.config.env.game, curve.to_numpy())
            curves.append(pd.Series(hns, index=curve.index, name=i))
    if not curves:
        return pd.Series(dtype=float)
    wide = pd.concat(curves, axis=1).sort_index().ffill()

    def iqm_row(values: np.ndarray) -> float:
        values = values[~np.isnan(values)]  # runs whose first game has not ended yet
        return iqm(values) if len(values) else np.nan

    return wide.apply(lambda row: iqm_row(row.to_numpy()), axis=1)


def _profiles(members: list[Run], variants: list[str]):
    """Per variant with a complete score matrix: rliable's performance profile (fraction of
    run-game human-normalized final scores above tau) and its 95% bootstrap band, on one tau
    grid per agent setting from min(0, lowest score) to max(1, highest score)."""
    table = run_table(members)
    known = set(random_human_scores())
    matrices = {}
    for variant in variants:
        scores = score_matrix(table[table["variant"] == variant], known)
        if scores is not None:
            matrices[variant] = scores
    if not matrices:
        return None, {}, {}
    values = np.concatenate([m.ravel() for m in matrices.values()])
    taus = np.linspace(min(0.0, values.min()), max(1.0, values.max()), 101)
    profiles, bands = {}, {}
    for variant, scores in matrices.items():
        profile, low, high = performance_profile(scores, taus, reps=PROFILE_REPS, seed=SEED)
        profiles[variant], bands[variant] = profile, (low, high)
    return taus, profiles, bands


def render_atari(name: str, sweep_dir: Path) -> list[Path]:
    runs = load_runs(sweep_dir)
    groups: dict[str, list[Run]] = {}
    for run in runs:
        groups.setdefault(group_of(run), []).append(run)
    variants = list(dict.fromkeys(variant_of(r) for r in runs))
    colors = dict(zip(variants, plt.get_cmap("tab10").colors, strict=False))
    blocks = []
    for group, members in groups.items():
        games = sorted({str(r.config.env.game) for r in members})
        blocks.append((group, members, games, math.ceil((len(games) + PANELS) / COLUMNS)))
    total_rows = sum(b[3] for b in blocks)
    fig, axes = plt.subplots(
        total_rows, COLUMNS, figsize=(3.2 * COLUMNS, 2.6 * total_rows), squeeze=False
    )
    for ax in axes.flat:
        ax.set_visible(False)
    summary = pd.read_csv(sweep_dir / f"{name}_summary.csv")
    row0 = 0
    for group, members, games, rows in blocks:
        cells = [axes[row0 + i // COLUMNS, i % COLUMNS] for i in range(rows * COLUMNS)]
        row0 += rows
        ax = cells[0]
        ax.set_visible(True)
        for variant in variants:
            curve = _iqm_curve([r for r in members if variant_of(r) == variant])
            if len(curve):
                ax.plot(curve.index, curve.values, color=colors[variant], label=variant)
        ax.set_title(f"{group}\nIQM human-normalized return", fontsize=8)
        ax.set_xlabel("frames", fontsize=7)
        if ax.lines:
            ax.legend(fontsize=6)
        ax = cells[1]
        ax.set_visible(True)
        aggregate = summary[(summary["group"] == group) & (summary["game"] == "ALL")]
        for i, (_, row) in enumerate(aggregate.iterrows()):
            for j, metric in enumerate(AGGREGATE_LABELS):
                x = j + (i - (len(aggregate) - 1) / 2) * 0.8 / max(1, len(aggregate))
                err = [[row[metric] - row[f"{metric}_low"]], [row[f"{metric}_high"] - row[metric]]]
                ax.errorbar(
                    x, row[metric], yerr=err, fmt="o", color=colors[row["variant"]], markersize=4
                )
        ax.set_xticks(range(len(AGGREGATE_LABELS)), AGGREGATE_LABELS.values(), fontsize=7)
        ax.set_title("final human-normalized score\n(95% stratified bootstrap CI)", fontsize=8)
        ax = cells[2]
        ax.set_visible(True)
        taus, profiles, bands = _profiles(members, variants)
        if profiles:
            plot_utils.plot_performance_profiles(
                profiles,
                taus,
                performance_profile_cis=bands,
                ax=ax,
                colors=colors,
                xlabel=r"human-normalized score $\tau$",
                ylabel=r"fraction of runs > $\tau$",
                labelsize=7,
                ticklabelsize=6,
                wrect=2,
                hrect=2,
            )
        ax.set_title("performance profile\n(95% stratified bootstrap band)", fontsize=8)
        ax = cells[3]
        ax.set_visible(True)
        for variant in variants:
            run = next((r for r in members if variant_of(r) == variant), None)
            if run is not None and "lr" in run.metrics:
                ax.plot(run.metrics["step"], run.metrics["lr"], color=colors[variant])
        ax.set_yscale("log")
        ax.set_title("learning rate (at metric rows)", fontsize=8)
        ax.tick_params(labelsize=6)
        for cell, game in zip(cells[PANELS:], games, strict=False):
            cell.set_visible(True)
            for variant in variants:
                for run in members:
                    if variant_of(run) == variant and run.config.env.game == game:
                        curve = return_curve(run)
                        cell.plot(curve.index, curve.values, color=colors[variant], linewidth=1)
            cell.set_title(game, fontsize=8)
            cell.tick_params(labelsize=6)
    budget = runs[0].config.budget.name
    fig.suptitle(f"{TITLES.get(name, name)}  [{budget} budget; returns vs frames]", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, sweep_dir, name)


FIGURES = {
    name: (lambda sweep_dir, name=name: render_atari(name, Path(sweep_dir))) for name in TITLES
}
