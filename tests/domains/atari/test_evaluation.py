"""Human-normalized scores and aggregates with stratified bootstrap CIs."""

import numpy as np
import pytest

from grokrewarm.domains.atari.evaluation import (
    aggregate_with_ci,
    human_normalized,
    iqm,
    random_human_scores,
)


def test_the_table_ships_all_57_games_and_normalizes():
    table = random_human_scores()
    assert len(table) == 57 and table["breakout"] == (1.7, 30.5)
    assert human_normalized("breakout", 30.5) == pytest.approx(1.0)
    assert human_normalized("breakout", 1.7) == pytest.approx(0.0)
    assert human_normalized("pong", [-20.7, 14.6]).tolist() == pytest.approx([0.0, 1.0])


def test_iqm_is_the_mean_of_the_middle_half():
    assert iqm(np.arange(1, 9)) == pytest.approx(4.5)  # mean of 3, 4, 5, 6
    assert iqm([[100.0, 1.0], [2.0, -50.0]]) == pytest.approx(1.5)


def test_aggregates_and_stratified_bootstrap_intervals():
    scores = np.array([[0.0, 1.0, 2.0, 10.0], [0.2, 1.2, 2.2, 10.2]])  # 2 runs x 4 games
    out = aggregate_with_ci(scores, reps=500)
    per_game = scores.mean(axis=0)  # 0.1, 1.1, 2.1, 10.1
    assert out["median"][0] == pytest.approx(np.median(per_game))
    assert out["mean"][0] == pytest.approx(per_game.mean())
    assert out["iqm"][0] == pytest.approx(np.mean([1.0, 1.2, 2.0, 2.2]))  # middle 4 of 8
    for point, low, high in out.values():
        assert low <= point <= high
    # resampling runs within a game: the mean's CI spans at most the runs' +-0.1 spread
    assert out["mean"][1] >= per_game.mean() - 0.1 - 1e-9
    assert out["mean"][2] <= per_game.mean() + 0.1 + 1e-9
    single = aggregate_with_ci(scores[:1], reps=50)  # one run: nothing to resample
    assert all(low == point == high for point, low, high in single.values())
