"""The Atari-100k final evaluation: whole games from the run's checkpoint, one per environment."""

import json
import logging

import pytest

from grokrewarm.domains.atari.final_evaluation import evaluate_run
from grokrewarm.domains.atari.scores import random_human_scores
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
    with caplog.at_level(logging.INFO, logger="grokrewarm.domains.atari.final_evaluation"):
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
    # random Breakout loses its 5 lives long before the 108k-frame cap; the longest game is the
    # last to end, so it sets the agent steps played (4 frames a step, after up to 30 no-ops)
    assert first["cut_at_frame_cap"] == [False] * 3
    assert 0 <= max(first["frames"]) - 4 * first["agent_steps"] <= 30 + 4


def test_evaluation_records_games_cut_at_the_frame_cap(compose_run, tmp_path):
    cfg = compose_run(
        ["+experiment=atari100k", "budget=smoke", "agent=data_efficient_dqn"], tmp_path
    )
    train(cfg, tmp_path)
    config = tmp_path / "config.yaml"
    config.write_text(
        config.read_text().replace("max_episode_frames: 108000", "max_episode_frames: 200")
    )
    result = evaluate_run(tmp_path, episodes=2, epsilon=1.0)
    assert result["cut_at_frame_cap"] == [True, True]
    # ALE counts the cap after the reset's no-ops (up to 30) and FIRE; the length includes them
    assert all(200 <= f <= 200 + 30 + 4 for f in result["frames"])


def test_evaluation_needs_a_checkpoint(tmp_path):
    (tmp_path / "config.yaml").write_text("seed: 0\n")
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        evaluate_run(tmp_path)


def test_evaluation_plays_on_the_device_the_run_trained_on(compose_run, tmp_path, monkeypatch):
    """The final network acts where the run trained (``agent.device``: a GPU when it had one),
    its observations sent there; on this CPU-only machine that device is the CPU."""
    from grokrewarm.domains.atari import final_evaluation

    cfg = compose_run(
        ["+experiment=atari100k", "budget=smoke", "agent=data_efficient_dqn"], tmp_path
    )
    asked, devices = [], set()
    resolve, q_values = final_evaluation.resolve_device, final_evaluation.q_values

    def resolve_spy(name):
        asked.append(name)
        return resolve(name)

    def q_values_spy(network, obs, support):
        devices.update({obs.device, next(network.parameters()).device})
        return q_values(network, obs, support)

    monkeypatch.setattr(final_evaluation, "resolve_device", resolve_spy)
    monkeypatch.setattr(final_evaluation, "q_values", q_values_spy)
    train(cfg, tmp_path)  # ends with the evaluation of the smoke budget
    assert asked == [cfg.agent.device] and devices == {resolve(cfg.agent.device)}
