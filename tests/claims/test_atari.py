import pandas as pd

from grokrewarm.claims import CANNOT_TELL, FAILS, HOLDS, atari
from grokrewarm.claims.core import run_check

PUBLISHED = {"road_runner": (9600.0, 11211.4), "krull": (2851.5, 4402.1), "boxing": (0.2, 9.0)}


def summary(dqn, rainbow):
    """dqn / rainbow: {game: final evaluation mean or None (not evaluated)}."""
    return pd.DataFrame(
        [
            {
                "game": game,
                "variant": variant,
                "eval_return": score or float("nan"),
                "eval_games": 0 if score is None else 100,
                "DER": PUBLISHED[game][0],
                "DrQ(eps)": PUBLISHED[game][1],
            }
            for variant, scores in (("dqn", dqn), ("rainbow", rainbow))
            for game, score in scores.items()
        ]
    )


def verdicts(table):
    return [run_check(c, table).verdict for c in atari.CLAIMS["atari100k"]]


def test_holds_at_the_published_floor_and_fails_below_it_on_one_game():
    dqn = {"road_runner": 10898.0, "krull": 2900.0, "boxing": 0.2}
    rainbow = {"road_runner": 9000.0, "krull": 3000.0, "boxing": 5.0}
    assert verdicts(summary(dqn, rainbow)) == [HOLDS, FAILS]
    result = run_check(atari.atari100k_rainbow_in_published_range, summary(dqn, rainbow))
    assert result.numbers["games_at_or_above_published"] == 2
    assert result.numbers["road_runner_floor"] == 9600.0


def test_cannot_tell_with_fewer_than_three_evaluated_games():
    dqn = {"road_runner": 10898.0, "krull": None, "boxing": None}
    assert verdicts(summary(dqn, {})) == [CANNOT_TELL, CANNOT_TELL]
