"""The Atari figure renderer on hand-made run folders: per-game finals, human-normalized
aggregates (rliable's), files written."""

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf
from rliable import library, metrics

from grokrewarm.analysis import atari as analysis_atari
from grokrewarm.analysis import summarize
from grokrewarm.domains.atari.scores import human_normalized
from grokrewarm.figures import atari, render, renderers


def rendered(name, sweep_dir):
    """The pipeline's order: the analysis step writes the tables the figure draws."""
    summarize(name, sweep_dir)
    return render(name, sweep_dir)


@pytest.fixture(autouse=True)
def few_bootstrap_reps(monkeypatch):
    monkeypatch.setattr(analysis_atari, "BOOTSTRAP_REPS", 200)
    monkeypatch.setattr(atari, "PROFILE_REPS", 20)


def _run(root, i, variant, game, seed, final_return):
    run_dir = root / f"{i}_{game}_dqn_{variant}_s{seed}"
    run_dir.mkdir()
    config = {
        "panel": variant,
        "seed": seed,
        "agent": {"name": "dqn", "replay_ratio": 1.0},
        "projection": {},
        "env": {"game": game},
        "budget": {"name": "quick"},
    }
    OmegaConf.save(OmegaConf.create(config), run_dir / "config.yaml")
    frames = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]
    # no game ended in some windows (NaN); the last 10% of frames hold the final score
    returns = [0.0, None, 1.0, None, 2.0, 3.0, None, 4.0, 5.0, final_return]
    pd.DataFrame({"step": frames, "train/episode_return": returns}).to_csv(
        run_dir / "metrics.csv", index=False
    )


@pytest.mark.parametrize("name", ["fig6", "fig7", "fig10", "fig11", "fig12"])
def test_every_atari_figure_is_registered(name):
    assert name in renderers()


def test_fig7_renders_per_game_and_aggregate_scores(tmp_path):
    i = 0
    # breakout: random 1.7, human 30.5; pong: random -20.7, human 14.6
    for variant, breakout, pong in [
        ("constant", (1.7, 30.5), (-20.7, -20.7)),
        ("cyclic", (30.5, 59.3), (14.6, 14.6)),
    ]:
        for seed in (0, 1):
            _run(tmp_path, i, variant, "breakout", seed, breakout[seed])
            _run(tmp_path, i + 1, variant, "pong", seed, pong[seed])
            i += 2
    paths = rendered("fig7", tmp_path)
    assert [p.name for p in paths] == ["fig7.png", "fig7.pdf", "fig7_summary.csv", "fig7_runs.csv"]
    assert all(p.stat().st_size > 0 for p in paths)
    summary = pd.read_csv(tmp_path / "fig7_summary.csv").set_index(["variant", "game"])
    assert summary.loc[("constant", "breakout"), "final_return"] == pytest.approx(16.1)
    assert summary.loc[("constant", "breakout"), "human_normalized"] == pytest.approx(0.5)
    # constant: scores {0, 1} on breakout and {0, 0} on pong; IQM = mean of the middle two
    constant = summary.loc[("constant", "ALL")]
    assert constant["iqm"] == pytest.approx(0.0)
    assert constant["mean"] == pytest.approx((0.5 + 0.0) / 2)
    assert constant["median"] == pytest.approx(0.25)
    cyclic = summary.loc[("cyclic", "ALL")]
    assert cyclic["iqm"] == pytest.approx(1.0)  # {1, 2} and {1, 1}: middle two are 1, 1
    assert cyclic["iqm_low"] <= cyclic["iqm"] <= cyclic["iqm_high"]


def test_the_summary_iqm_interval_is_rliables_on_the_score_matrix(tmp_path):
    # 3 seeds x 4 games; the summary's matrix has seeds and games in sorted order
    finals = {
        "boxing": [2.0, 6.1, 12.1],
        "breakout": [1.7, 16.1, 59.3],
        "krull": [1598.0, 2131.75, 3000.0],
        "pong": [-20.7, -3.05, 0.0],
    }
    i = 0
    for game, by_seed in finals.items():
        for seed, final in enumerate(by_seed):
            _run(tmp_path, i, "constant", game, seed, final)
            i += 1
    rendered("fig6", tmp_path)
    row = pd.read_csv(tmp_path / "fig6_summary.csv").set_index("game").loc["ALL"]
    scores = np.stack([human_normalized(g, finals[g]) for g in sorted(finals)], axis=1)
    np.random.seed(analysis_atari.SEED)  # rliable's bootstrap draws from NumPy's global RNG
    points, intervals = library.get_interval_estimates(
        {"x": scores},
        lambda s: np.array([metrics.aggregate_iqm(s)]),
        reps=analysis_atari.BOOTSTRAP_REPS,
    )
    assert row["iqm"] == pytest.approx(points["x"][0], rel=1e-12)
    assert row["iqm_low"] == pytest.approx(intervals["x"][0, 0], rel=1e-12)
    assert row["iqm_high"] == pytest.approx(intervals["x"][1, 0], rel=1e-12)
    assert row["iqm_low"] < row["iqm"] < row["iqm_high"]
    assert {"optimality_gap", "optimality_gap_low", "optimality_gap_high"} <= set(row.index)
