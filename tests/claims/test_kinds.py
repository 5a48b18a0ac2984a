"""The kinds of check on small synthetic tables, and the one 'cannot tell' rule for every paper."""

import math

import pandas as pd
import pytest

from grokrewarm.claims import CANNOT_TELL, FAILS, HOLDS, Claim, checks, judge
from grokrewarm.claims.core import MissingRows, rows
from grokrewarm.claims.experiments.kumar import monotone
from grokrewarm.claims.experiments.lyle import beats_on_most_games, gap
from grokrewarm.claims.experiments.omnigrok import (
    l_shaped_train,
    landscape,
    slope_in_band,
    u_shaped_test,
)


def verdict(check, summary):
    return judge(Claim("c", check), summary).verdict


def test_rows_refuses_a_condition_with_unfinished_jobs_in_every_paper():
    summary = pd.DataFrame(
        {"panel": ["lhs", "rhs"], "condition": ["a", "b"], "seeds": [1, 1], "grokked_seeds": [1, 0]}
    )
    assert len(rows(summary, panel="lhs")) == 1
    for state in ("diverged", "running", "failed"):
        marked = summary.assign(**{f"jobs_{state}": [0, 1]})
        assert len(rows(marked, panel="lhs")) == 1  # only the rows read count
        with pytest.raises(MissingRows, match=f"{state} jobs in b"):
            rows(marked, panel="rhs")


def test_a_lyle_claim_with_a_diverged_job_cannot_tell():
    summary = pd.DataFrame(
        {
            "panel": ["lhs", "rhs"],
            "condition": ["peak1e-2", "peak1e-3"],
            "seeds": [1, 1],
            "grokked_seeds": [1, 0],
            "final_test_acc_mean": [0.99, 0.3],
        }
    )
    assert [judge(c, summary).verdict for c in checks("fig3")] == [HOLDS, HOLDS]
    summary["jobs_diverged"] = [0, 1]
    results = [judge(c, summary) for c in checks("fig3")]
    assert [r.verdict for r in results] == [HOLDS, CANNOT_TELL]
    assert results[1].reason == "diverged jobs in peak1e-3"


def test_monotone_reads_medians_over_seeds_in_the_declared_direction():
    summary = pd.DataFrame({"panel": "p", "x": [1, 1, 2, 3], "y": [5.0, 1.0, 4.0, 6.0]})
    assert verdict(monotone("x", "y", panel="p"), summary) == HOLDS  # medians 3, 4, 6
    assert verdict(monotone("x", "y", increasing=False, panel="p"), summary) == FAILS
    assert verdict(monotone("x", "y", panel="q"), summary) == CANNOT_TELL


def test_slope_in_band_fits_log_log_and_needs_enough_points():
    xs = [1.0, 2.0, 4.0]
    summary = pd.DataFrame({"x": xs, "t": [100 / x for x in xs]})
    assert verdict(slope_in_band("x", "t", (-1.3, -0.7), (0, math.inf), 3), summary) == HOLDS
    assert verdict(slope_in_band("x", "t", (-0.5, 0.5), (0, math.inf), 3), summary) == FAILS
    assert verdict(slope_in_band("x", "t", (-1.3, -0.7), (0, 2.0), 3), summary) == CANNOT_TELL


def landscape_table(train, test, alphas=(0.25, 1.0, 4.0)):
    return pd.DataFrame(
        {
            "panel": "landscape",
            "init_scale": alphas,
            "n_train": 100,
            "final_train/loss": train,
            "final_test/loss": test,
        }
    )


def test_landscape_shapes_l_and_u():
    lu = landscape_table(train=[1.0, 0.01, 0.01], test=[1.0, 0.1, 1.0])
    assert verdict(landscape(l_shaped_train, "loss"), lu) == HOLDS
    assert verdict(landscape(u_shaped_test, "loss"), lu) == HOLDS
    flat = landscape_table(train=[0.015, 0.01, 0.01], test=[0.15, 0.1, 0.12])
    assert verdict(landscape(l_shaped_train, "loss"), flat) == FAILS
    assert verdict(landscape(u_shaped_test, "loss"), flat) == FAILS


def test_gap_within_one_point_of_the_full_data_run():
    def summary(gap_10):
        return pd.DataFrame(
            {
                "panel": "main",
                "method": "m",
                "initial_fraction": [0.1, 1.0],
                "final_test_acc_mean": [0.8 - gap_10, 0.8],
                "gap_to_100pct": [gap_10, 0.0],
            }
        )

    assert verdict(gap("main", "m"), summary(0.005)) == HOLDS
    assert verdict(gap("main", "m"), summary(0.05)) == FAILS
    assert verdict(gap("main", "m", closed=False), summary(0.05)) == HOLDS


def test_beats_on_most_games_needs_a_majority_of_at_least_three_games():
    def summary(better):
        games = [f"g{i}" for i in range(len(better))]
        return pd.DataFrame(
            {
                "group": "g",
                "variant": ["a"] * len(games) + ["b"] * len(games),
                "game": games * 2,
                "final_return": list(better) + [0.0] * len(games),
            }
        )

    assert verdict(beats_on_most_games("g", "a", ["b"]), summary([1, 1, -1])) == HOLDS
    assert verdict(beats_on_most_games("g", "a", ["b"]), summary([1, -1, -1])) == FAILS
    assert verdict(beats_on_most_games("g", "a", ["b"]), summary([1, 1])) == CANNOT_TELL
