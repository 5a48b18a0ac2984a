"""The Atari runner end to end at the smoke budget on real ALE: metrics, checkpoints, DONE,
resume (networks, optimizer, schedule, counters, replay), resets and NaP inside the loop."""

import json

import pandas as pd
import pytest
import torch

from grokrewarm.domains.atari.networks import AtariNetwork
from grokrewarm.domains.atari.train import train

SMOKE = ["+experiment=fig7", "budget=smoke", "rewarm=cyclic"]


def run(compose_run, run_dir, *overrides):
    cfg = compose_run([*SMOKE, *overrides], run_dir)
    return train(cfg, run_dir)


def checkpoint(run_dir):
    return torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=False)


def test_smoke_run_logs_checkpoints_and_finishes(compose_run, tmp_path):
    run_dir = tmp_path / "dqn"
    final = run(compose_run, run_dir, "agent=dqn")
    # learning starts at frame 400 (100 agent steps), then one update per agent step
    assert final == {"frames": 600, "updates": 51, "resets": 0}
    assert json.loads((run_dir / "DONE").read_text()) == final
    metrics = pd.read_csv(run_dir / "metrics.csv")
    assert metrics["step"].tolist() == [200, 400, 600]
    assert metrics["updates"].tolist() == [0, 1, 51]
    assert metrics["epsilon"].tolist()[0] == 1.0
    assert {"train/episode_return", "train/loss", "lr", "fps", "param_norm"} <= set(metrics)
    # the LR is the cyclic schedule at the frame count (period 40 frames at the smoke budget)
    # with a 4-frame warmup: rows at multiples of 40 sit at the first warmup step, 1/4 of the way
    assert metrics["lr"].tolist() == pytest.approx([1e-6 + (6.25e-5 - 1e-6) / 4] * 3)
    assert (run_dir / "checkpoints" / "replay.npz").is_file()
    assert run(compose_run, run_dir, "agent=dqn") == final  # DONE: skipped


def test_resume_restores_counters_optimizer_schedule_and_replay(compose_run, tmp_path):
    straight = tmp_path / "straight"
    run(compose_run, straight, "agent=dqn")
    split = tmp_path / "split"
    run(compose_run, split, "agent=dqn", "budget.atari.frames=400")
    first_half = checkpoint(split)
    assert first_half["counters"]["frames"] == 400 and first_half["counters"]["updates"] == 1
    final = run(compose_run, split, "agent=dqn")
    assert final == {"frames": 600, "updates": 51, "resets": 0}
    a, b = checkpoint(straight), checkpoint(split)
    assert a["counters"] == b["counters"]
    assert a["controller"] == b["controller"]
    steps = {int(s["step"]) for s in b["optimizer"]["state"].values()}
    assert steps == {51}  # Adam's moments carried over the resume
    metrics = pd.read_csv(split / "metrics.csv")
    assert metrics["step"].tolist() == [200, 400, 600]  # no duplicated row after the resume
    # the replay came back: 100 rows before the resume plus 50 after, not 50
    replay = dict(__import__("numpy").load(split / "checkpoints" / "replay.npz"))
    assert int(replay["written"]) == 150


def test_rainbow_nap_with_resets_keeps_norms_and_resets_on_period(compose_run, tmp_path):
    run_dir = tmp_path / "rainbow"
    overrides = [
        "agent=rainbow",
        "agent.replay_ratio=0.25",
        "agent.network.norm=layernorm",
        "projection=nap",
        "agent.reset.period_frames=200",
    ]
    final = run(compose_run, run_dir, *overrides)
    assert final["resets"] == 3 and final["updates"] == 12  # floor(51 agent steps x 0.25)
    state = checkpoint(run_dir)
    net = AtariNetwork(4, atoms=51, dueling=True, noisy=True, norm="layernorm")
    net.load_state_dict(state["online"])
    norms = torch.stack([w.norm() for w in net.weight_matrices()])
    # projected after every update; the last reset (frame 600) re-drew the streams' weights,
    # whose fresh norms are within a few percent of the initial ones
    assert torch.allclose(norms[:3], state["projection"]["target_norms"][:3], rtol=1e-5)
    assert torch.allclose(norms, state["projection"]["target_norms"], rtol=0.05)
    metrics = pd.read_csv(run_dir / "metrics.csv")
    assert metrics["resets"].tolist() == [1, 2, 3]


@pytest.mark.slow
def test_quick_budget_dqn_run(compose_run, tmp_path):
    final = train(compose_run(["+experiment=fig7", "budget=quick"], tmp_path), tmp_path)
    assert final["frames"] == 10_000


@pytest.mark.slow  # two CLI processes: ~25-50 s on 2 cores
def test_a_preempted_job_saves_at_the_next_step_and_resumes_there(run_cli, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    run_dir = tmp_path / "preempted"
    args = [*SMOKE, "agent=dqn", "budget.atari.frames=1000000", f"hydra.run.dir={run_dir}"]
    job = subprocess.Popen([sys.executable, "-m", "grokrewarm", *args], cwd=tmp_path)
    metrics = run_dir / "metrics.csv"
    deadline = time.time() + 120
    while time.time() < deadline and not (
        metrics.is_file() and len(metrics.read_text().split()) >= 4
    ):
        time.sleep(0.2)  # wait for 3 metric rows: past the warmup, learning
    job.send_signal(signal.SIGTERM)
    assert job.wait(timeout=60) == -signal.SIGTERM  # handed on: the default action ended it
    saved = checkpoint(run_dir)["counters"]
    assert saved["frames"] >= 600 and saved["updates"] > 0
    assert not (run_dir / "DONE").exists()
    stop = saved["frames"] + 200
    result = run_cli(
        [*args[:-2], f"budget.atari.frames={stop}", f"hydra.run.dir={run_dir}"], tmp_path
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"resumed from {run_dir / 'checkpoints' / 'last.ckpt'} at frame {saved['frames']:,}" in (
        result.stdout + result.stderr
    )
    assert checkpoint(run_dir)["counters"]["frames"] == stop
