"""The summary table of the Atari-100k learning check: per run, the final evaluation beside the
published scores of DER and DrQ(eps) and random and human play."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from grokrewarm.analysis.atari import final_return
from grokrewarm.analysis.runs import Run
from grokrewarm.domains.atari.scores import (
    human_normalized,
    published_atari100k_scores,
    random_human_scores,
)

PUBLISHED = ("DER", "DrQ(eps)")


def evaluation_of(run: Run) -> dict | None:
    path = run.path / "eval.json"
    return json.loads(path.read_text()) if path.is_file() else None


def summary_keys(run: Run) -> dict:
    """A job's row in the summary (``runs.mark_unfinished_runs``)."""
    return {"game": run.config.env.game, "variant": run.panel, "seed": run.config.seed}


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
