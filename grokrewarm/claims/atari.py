"""The Atari experiments' claims as checks over their summary tables (issue-defined learning
evidence at the Atari-100k protocol, against published data-efficient agents)."""

from __future__ import annotations

import pandas as pd

from grokrewarm.claims.core import MissingRows, rows, verdict

ATARI100K_MIN_GAMES = 3  # the learning check's games (conf/env/ale.yaml atari100k_learning_check)


def _within_published_range(summary: pd.DataFrame, variant: str, claim: str):
    found = rows(summary, variant=variant)
    evaluated = found[found["eval_games"] > 0]
    if evaluated["game"].nunique() < ATARI100K_MIN_GAMES:
        raise MissingRows(
            f"{evaluated['game'].nunique()} game(s) with a final evaluation, "
            f"{ATARI100K_MIN_GAMES} needed"
        )
    per_game = evaluated.groupby("game").agg(
        eval_return=("eval_return", "mean"), DER=("DER", "first"), DrQ=("DrQ(eps)", "first")
    )
    # the lower of the two published agents is the low end of "agents of their kind"
    floor = per_game[["DER", "DrQ"]].min(axis=1)
    reached = per_game["eval_return"] >= floor
    return verdict(
        claim,
        bool(reached.all()),
        {
            "games": len(per_game),
            "games_at_or_above_published": int(reached.sum()),
            **{f"{game}_eval": float(v) for game, v in per_game["eval_return"].items()},
            **{f"{game}_floor": float(v) for game, v in floor.items()},
        },
    )


def atari100k_dqn_in_published_range(summary: pd.DataFrame):
    """Atari 100k: DQN's final evaluation reaches the lower of DER's and DrQ(eps)'s published
    scores on every game of at least three"""
    return _within_published_range(summary, "dqn", atari100k_dqn_in_published_range.__doc__)


def atari100k_rainbow_in_published_range(summary: pd.DataFrame):
    """Atari 100k: Rainbow's final evaluation reaches the lower of DER's and DrQ(eps)'s
    published scores on every game of at least three"""
    return _within_published_range(summary, "rainbow", atari100k_rainbow_in_published_range.__doc__)


CLAIMS = {"atari100k": [atari100k_dqn_in_published_range, atari100k_rainbow_in_published_range]}
