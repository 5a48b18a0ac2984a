"""Human-normalized scores and rliable's aggregates with stratified bootstrap CIs."""

import numpy as np
import pytest
from rliable import library, metrics

from grokrewarm.domains.atari.scores import (
    aggregate_with_ci,
    human_normalized,
    iqm,
    performance_profile,
    random_human_scores,
)

# 3 runs x 4 games; sorted: -1, 0, .5, .8, 1, 1.5, 2, 2.5, 3, 10, 11, 12
SCORES = np.array([[0.0, 1.0, 2.0, 10.0], [0.5, 1.5, 2.5, 11.0], [-1.0, 0.8, 3.0, 12.0]])


def test_the_table_ships_all_57_games_and_normalizes():
    table = random_human_scores()
    assert len(table) == 57 and table["breakout"] == (1.7, 30.5)
    assert human_normalized("breakout", 30.5) == pytest.approx(1.0)
    assert human_normalized("breakout", 1.7) == pytest.approx(0.0)
    assert human_normalized("pong", [-20.7, 14.6]).tolist() == pytest.approx([0.0, 1.0])


def test_iqm_is_the_mean_of_the_middle_half():
    assert iqm(np.arange(1, 9)) == pytest.approx(4.5)  # mean of 3, 4, 5, 6
    assert iqm([[100.0, 1.0], [2.0, -50.0]]) == pytest.approx(1.5)
    # 12 scores: drop the 3 lowest and 3 highest, mean of 0.8, 1, 1.5, 2, 2.5, 3
    assert iqm(SCORES) == pytest.approx(10.8 / 6)


def test_the_iqm_and_its_interval_are_rliables_on_the_same_scores():
    out = aggregate_with_ci(SCORES, reps=300, seed=7)
    assert out["iqm"][0] == pytest.approx(10.8 / 6)
    # rliable called directly; its StratifiedBootstrap draws from NumPy's global RNG
    np.random.seed(7)
    points, intervals = library.get_interval_estimates(
        {"x": SCORES}, lambda s: np.array([metrics.aggregate_iqm(s)]), reps=300
    )
    assert out["iqm"][0] == points["x"][0]
    assert (out["iqm"][1], out["iqm"][2]) == (intervals["x"][0, 0], intervals["x"][1, 0])
    assert out["iqm"][1] < out["iqm"][0] < out["iqm"][2]


def test_aggregates_intervals_are_reproducible_and_leave_the_global_rng_alone():
    np.random.seed(123)
    expected_next = np.random.random()
    np.random.seed(123)
    first = aggregate_with_ci(SCORES, reps=100, seed=1)
    assert np.random.random() == expected_next  # the caller's global stream is restored
    assert aggregate_with_ci(SCORES, reps=100, seed=1) == first
    assert aggregate_with_ci(SCORES, reps=100, seed=2) != first


def test_aggregates_and_stratified_bootstrap_intervals():
    scores = np.array([[0.0, 1.0, 2.0, 10.0], [0.2, 1.2, 2.2, 10.2]])  # 2 runs x 4 games
    out = aggregate_with_ci(scores, reps=300)
    per_game = scores.mean(axis=0)  # 0.1, 1.1, 2.1, 10.1
    assert out["median"][0] == pytest.approx(np.median(per_game))
    assert out["mean"][0] == pytest.approx(per_game.mean())
    assert out["iqm"][0] == pytest.approx(np.mean([1.0, 1.2, 2.0, 2.2]))  # middle 4 of 8
    # gamma = 1: mean of min(score, 1) over all 8 scores is (0 + .2 + 6 * 1) / 8
    assert out["optimality_gap"][0] == pytest.approx(1 - 6.2 / 8)
    for point, low, high in out.values():
        assert low <= point <= high
    # resampling runs within a game: the mean's CI spans at most the runs' +-0.1 spread
    assert out["mean"][1] >= per_game.mean() - 0.1 - 1e-9
    assert out["mean"][2] <= per_game.mean() + 0.1 + 1e-9
    single = aggregate_with_ci(scores[:1], reps=20)  # one run: nothing to resample
    assert all(low == pytest.approx(point) == high for point, low, high in single.values())


def test_performance_profile_is_the_fraction_of_scores_above_tau():
    taus = np.array([-2.0, 0.9, 2.0, 20.0])
    profile, low, high = performance_profile(SCORES, taus, reps=50)
    assert profile.tolist() == pytest.approx([1.0, 8 / 12, 5 / 12, 0.0])
    assert np.all(low <= profile) and np.all(profile <= high)
    assert low[0] == high[0] == 1.0 and low[-1] == high[-1] == 0.0
