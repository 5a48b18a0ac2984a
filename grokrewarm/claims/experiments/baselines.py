"""Published baselines the reproductions stand on: the standard grokking run and Atari 100k."""

from grokrewarm.analysis.runs import GROKKED_ACC
from grokrewarm.claims.core import MissingRows, column, kind, rows

CLAIMS: dict[str, dict] = {}

# --- Nanda et al. 2023 ("Progress measures for grokking via mechanistic interpretability"): the
# standard grokking run, as an anchor for the Lyle et al. figures.
# Their Section 5: memorization by ~1.4k steps, circuit formation from 1.4k to 9.4k, clean-up
# (test accuracy to ~100%) from 9.4k to 13k.
MEMORIZED_BY, CLEANED_UP_BY = 1400, 13000


def groks_where_published(summary):
    found = rows(summary, panel="baseline")
    if column(found, "last_step").max() < CLEANED_UP_BY and (found["grokked_seeds"] == 0).all():
        raise MissingRows(f"the runs stopped before step {CLEANED_UP_BY} without grokking")
    grokked, seeds = column(found, "grokked_seeds"), column(found, "seeds")
    step = float(found["median_step_to_95"].iloc[0])  # NaN: no seed grokked, which fails
    holds = bool((grokked == seeds).all()) and MEMORIZED_BY < step <= CLEANED_UP_BY
    numbers = {"median_step_to_95": step, "grokked_seeds": f"{grokked.sum()}/{seeds.sum()}"}
    final = float(column(found, "final_test_acc_mean").iloc[0])
    return holds, numbers | {"final_test_acc": final, "threshold": GROKKED_ACC}


CLAIMS["nanda_baseline"] = {
    "Nanda et al. 2023: the standard setup groks as published: test accuracy reaches 95% in "
    "every seed after the memorization phase (step 1.4k) and by the end of clean-up (step "
    "13k)": groks_where_published,
}


# --- Atari 100k: learning evidence at the Atari-100k protocol, against the published scores of
# data-efficient agents (DER and DrQ(eps)).
MIN_GAMES = 3  # the learning check's games (conf/env/ale.yaml atari100k_learning_check)


@kind
def in_published_range(summary, variant: str):
    """The variant's final evaluation reaches the lower published score on every game."""
    found = rows(summary, variant=variant)
    evaluated = found[found["eval_games"] > 0]
    if (games := evaluated["game"].nunique()) < MIN_GAMES:
        raise MissingRows(f"{games} game(s) with a final evaluation, {MIN_GAMES} needed")
    per_game = evaluated.groupby("game").agg(
        eval_return=("eval_return", "mean"), DER=("DER", "first"), DrQ=("DrQ(eps)", "first")
    )
    # the lower of the two published agents is the low end of "agents of their kind"
    floor = per_game[["DER", "DrQ"]].min(axis=1)
    reached = per_game["eval_return"] >= floor
    numbers = {"games": games, "games_at_or_above_published": int(reached.sum())}
    numbers |= {f"{game}_eval": float(v) for game, v in per_game["eval_return"].items()}
    return bool(reached.all()), numbers | {f"{game}_floor": float(v) for game, v in floor.items()}


CLAIMS["atari100k"] = {
    "Atari 100k: DQN's final evaluation reaches the lower of DER's and DrQ(eps)'s published scores "
    "on every game of at least three": in_published_range("dqn"),
    "Atari 100k: Rainbow's final evaluation reaches the lower of DER's and DrQ(eps)'s published "
    "scores on every game of at least three": in_published_range("rainbow"),
}
