"""The Atari-100k renderer on hand-made run folders: our final evaluation beside the published
final scores and the random / human references, per run."""

import json

import pandas as pd
import pytest
from omegaconf import OmegaConf

from grokrewarm.analysis import summarize
from grokrewarm.figures import render, renderers


def rendered(name, sweep_dir):
    """The pipeline's order: the analysis step writes the tables the figure draws."""
    summarize(name, sweep_dir)
    return render(name, sweep_dir)


def _run(root, i, variant, game, eval_returns):
    run_dir = root / f"{i}_{game}_{variant}_s0"
    run_dir.mkdir()
    config = {"panel": variant, "seed": 0, "agent": {"name": variant}, "env": {"game": game}}
    OmegaConf.save(
        OmegaConf.create({**config, "budget": {"name": "quick"}}), run_dir / "config.yaml"
    )
    frames = list(range(40_000, 400_001, 40_000))
    returns = [100.0 * k for k in range(len(frames))]  # the last 10% of frames: 900
    pd.DataFrame({"step": frames, "train/episode_return": returns}).to_csv(
        run_dir / "metrics.csv", index=False
    )
    result = {"frames_trained": 400_000, "episodes": len(eval_returns)}
    result["mean_return"] = sum(eval_returns) / len(eval_returns)
    (run_dir / "eval.json").write_text(json.dumps(result))


def test_summary_sets_the_final_evaluation_beside_published_scores(tmp_path):
    assert "atari100k" in renderers()
    _run(tmp_path, 0, "dqn", "road_runner", [5000.0, 7000.0])
    _run(tmp_path, 1, "rainbow", "krull", [2000.0, 3000.0, 4000.0])
    paths = rendered("atari100k", tmp_path)
    assert (tmp_path / "atari100k.png").stat().st_size > 10_000 and len(paths) == 4
    table = pd.read_csv(tmp_path / "atari100k_summary.csv").set_index("game")
    road = table.loc["road_runner"]
    assert (road["eval_return"], road["eval_games"], road["final_train_return"]) == (6000, 2, 900)
    assert (road["random"], road["human"]) == (11.5, 7845.0)
    assert (road["DER"], road["DrQ(eps)"]) == (9600.0, 11211.4)
    assert road["eval_human_normalized"] == pytest.approx((6000 - 11.5) / (7845.0 - 11.5))
    assert table.loc["krull", "eval_return"] == 3000.0 and table.loc["krull", "DER"] == 2851.5
