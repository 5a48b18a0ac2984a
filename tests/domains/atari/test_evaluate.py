"""The Atari-100k final evaluation: whole games from the run's checkpoint, one per environment."""

import json
import logging

import pytest

from grokrewarm.domains.atari.evaluate import evaluate_run
from grokrewarm.domains.atari.evaluation import random_human_scores
from grokrewarm.domains.atari.train import train


def test_evaluation_plays_one_whole_game_per_environment_reproducibly(
    compose_run, tmp_path, caplog
):
    cfg = compose_run(
        ["+experiment=atari100k", "budget=smoke", "agent=data_efficient_dqn"], tmp_path
    )
    record = train(cfg, tmp_path)  # the smoke budget evaluates two games at epsilon 1 (random)
    assert (
        record.metrics["eval/mean_return"]
        == json.loads((tmp_path / "eval.json").read_text())["mean_return"]
    )
    with caplog.at_level(logging.INFO, logger="grokrewarm.domains.atari.evaluate"):
        first = evaluate_run(tmp_path, episodes=3, epsilon=1.0)
    assert "breakout: agent step 0, 0/3 games over" in caplog.messages  # progress of long games
    again = evaluate_run(tmp_path, episodes=3, epsilon=1.0)
    assert first["returns"] == again["returns"] and len(first["returns"]) == 3
    assert first["frames_trained"] == 600 and first["game"] == "breakout"
    random, human = random_human_scores()["breakout"]
    mean = sum(first["returns"]) / 3
    assert first["mean_return"] == pytest.approx(mean)
    assert first["human_normalized"] == pytest.approx((mean - random) / (human - random))
    assert all(r >= 0 and r == int(r) for r in first["returns"])  # Breakout scores whole points


def test_evaluation_needs_a_checkpoint(tmp_path):
    (tmp_path / "config.yaml").write_text("seed: 0\n")
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        evaluate_run(tmp_path)
