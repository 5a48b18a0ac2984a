"""The summary table of Lyle et al. 2025's Atari figures (6, 7, 10, 11, 12): per-game final
returns and human-normalized scores per agent setting (group) and variant, with rliable's
aggregates and their stratified bootstrap CIs (Agarwal et al. 2021)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from grokrewarm.analysis.runs import Run
from grokrewarm.domains.atari.scores import (
    BOOTSTRAP_REPS,  # of the summary's intervals and the profile bands (tests lower it)
    SEED,  # of those intervals and bands, so a figure's numbers are reproducible
    aggregate_with_ci,
    human_normalized,
    random_human_scores,
)

RETURN = "train/episode_return"
FINAL_FRACTION = 0.1  # a run's score: mean return over the last 10% of its frames


def group_of(run: Run) -> str:
    cfg = run.config
    nap = ", NaP" if cfg.projection.get("_target_") else ""
    return f"{cfg.agent.name}{nap}, replay ratio {cfg.agent.replay_ratio:g}"


def variant_of(run: Run) -> str:
    panel = str(run.config.panel)
    return panel.split("_", 1)[1] if panel.startswith(("lhs_", "rhs_")) else panel


def summary_keys(run: Run) -> dict:
    """A job's row in the summary (``runs.mark_unfinished_runs``)."""
    return {"group": group_of(run), "variant": variant_of(run), "game": str(run.config.env.game)}


def return_curve(run: Run) -> pd.Series:
    """Mean episode return per metrics row, against frames; rows where no game ended carry the
    previous value forward."""
    series = run.metrics.set_index("step")[RETURN]
    return series.ffill().dropna()


def final_return(run: Run) -> float:
    curve = run.metrics.set_index("step")[RETURN].dropna()
    if curve.empty:
        return float("nan")
    last_frame = run.metrics["step"].iloc[-1]
    tail = curve[curve.index > last_frame * (1 - FINAL_FRACTION)]
    return float(tail.mean() if len(tail) else curve.iloc[-1])


def run_table(runs: list[Run]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": [group_of(r) for r in runs],
            "variant": [variant_of(r) for r in runs],
            "game": [str(r.config.env.game) for r in runs],
            "seed": [int(r.config.seed) for r in runs],
            "final_return": [final_return(r) for r in runs],
        }
    )


def summarize_atari(runs: list[Run], out_path: Path) -> pd.DataFrame:
    """Per (group, variant): per-game mean final returns and human-normalized scores, plus an
    ``ALL`` row with rliable's IQM/median/mean/optimality gap of the (seeds, games) matrix of
    human-normalized scores and their 95% stratified bootstrap CIs (``<name>_low/_high``)."""
    table = run_table(runs)
    known = set(random_human_scores())
    rows = []
    for (group, variant), part in table.groupby(["group", "variant"], sort=False):
        for game, by_game in part.groupby("game"):
            final = by_game["final_return"].mean()  # NaN when no game ended in any run
            rows.append(
                {
                    "group": group,
                    "variant": variant,
                    "game": game,
                    "runs": len(by_game),
                    "final_return": final,
                    "human_normalized": float(human_normalized(game, final))
                    if game in known
                    else np.nan,
                }
            )
        scores = score_matrix(part, known)
        if scores is not None:
            row = {"group": group, "variant": variant, "game": "ALL", "runs": len(part)}
            aggregates = aggregate_with_ci(scores, reps=BOOTSTRAP_REPS, seed=SEED)
            for name, (point, low, high) in aggregates.items():
                row.update({name: point, f"{name}_low": low, f"{name}_high": high})
            rows.append(row)
    summary = pd.DataFrame(rows)
    summary.to_csv(out_path, index=False)
    return summary


def score_matrix(part: pd.DataFrame, known: set[str]) -> np.ndarray | None:
    """(seeds, games) human-normalized final scores, seeds and games in sorted order, seeds
    without a score on every game dropped; None without a complete matrix."""
    part = part[part["game"].isin(known)].dropna(subset=["final_return"])
    if part.empty:
        return None
    wide = part.pivot_table(index="seed", columns="game", values="final_return").dropna()
    if wide.empty:
        return None
    return np.stack([human_normalized(g, wide[g].to_numpy()) for g in wide.columns], axis=1)
