"""Atari 100k: learning evidence at the Atari-100k protocol, against the published scores of
data-efficient agents (DER and DrQ(eps))."""

from grokrewarm.claims.core import MissingRows, rows

MIN_GAMES = 3  # the learning check's games (conf/env/ale.yaml atari100k_learning_check)


def in_published_range(variant: str):
    """The variant's final evaluation reaches the lower published score on every game."""

    def check(summary):
        found = rows(summary, variant=variant)
        evaluated = found[found["eval_games"] > 0]
        if evaluated["game"].nunique() < MIN_GAMES:
            raise MissingRows(
                f"{evaluated['game'].nunique()} game(s) with a final evaluation, {MIN_GAMES} needed"
            )
        per_game = evaluated.groupby("game").agg(
            eval_return=("eval_return", "mean"), DER=("DER", "first"), DrQ=("DrQ(eps)", "first")
        )
        # the lower of the two published agents is the low end of "agents of their kind"
        floor = per_game[["DER", "DrQ"]].min(axis=1)
        reached = per_game["eval_return"] >= floor
        return bool(reached.all()), {
            "games": len(per_game),
            "games_at_or_above_published": int(reached.sum()),
            **{f"{game}_eval": float(v) for game, v in per_game["eval_return"].items()},
            **{f"{game}_floor": float(v) for game, v in floor.items()},
        }

    return check


CLAIMS = {
    "Atari 100k: DQN's final evaluation reaches the lower of DER's "
    "and DrQ(eps)'s published scores on every game of at least three": in_published_range("dqn"),
    "Atari 100k: Rainbow's final evaluation reaches the lower of DER's and "
    "DrQ(eps)'s published scores on every game of at least three": in_published_range("rainbow"),
}
