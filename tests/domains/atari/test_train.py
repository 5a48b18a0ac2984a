"""The Atari runner end to end at the smoke budget on real ALE: metrics, checkpoints, DONE,
resume (networks, optimizer, schedule, counters, replay), resets and NaP inside the loop, fixed and
CUSUM re-warming in frames, and the groups it refuses."""

import json

import pandas as pd
import pytest
import torch

from grokrewarm.domains.atari.networks import AtariNetwork
from grokrewarm.domains.atari.train import train
from grokrewarm.lifecycle import FINISHED, EndRecord, UnconsumedGroupError
from grokrewarm.method.triggers import CusumTrigger

SMOKE = ["+experiment=fig7", "budget=smoke", "rewarm=cyclic"]


def run(compose_run, run_dir, *overrides):
    cfg = compose_run([*SMOKE, *overrides], run_dir)
    return train(cfg, run_dir)


def checkpoint(run_dir):
    return torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)


def finished(frames, updates, resets=0):
    return EndRecord(FINISHED, "frame", frames, frames, {"updates": updates, "resets": resets})


def test_smoke_run_logs_checkpoints_and_finishes(compose_run, tmp_path):
    run_dir = tmp_path / "dqn"
    final = run(compose_run, run_dir, "agent=dqn")
    # learning starts at frame 400 (100 agent steps), then one update per agent step
    assert final == finished(600, 51)
    done = json.loads((run_dir / "DONE").read_text())
    assert (done["status"], done["unit"], done["progress"], done["budget"]) == (
        "finished",
        "frame",
        600,
        600,
    )
    metrics = pd.read_csv(run_dir / "metrics.csv")
    assert metrics["step"].tolist() == [200, 400, 600]
    assert metrics["updates"].tolist() == [0, 1, 51]
    assert metrics["epsilon"].tolist()[0] == 1.0
    assert {"train/episode_return", "train/loss", "lr", "fps", "param_norm"} <= set(metrics)
    # the LR is the cyclic schedule at the frame count (period 40 frames at the smoke budget)
    # with a 4-frame warmup: rows at multiples of 40 sit at the first warmup step, 1/4 of the way
    assert metrics["lr"].tolist() == pytest.approx([1e-6 + (6.25e-5 - 1e-6) / 4] * 3)
    assert (run_dir / "checkpoints" / "replay-600.npz").is_file()
    assert run(compose_run, run_dir, "agent=dqn") == final  # DONE: skipped


def test_resume_restores_counters_optimizer_schedule_and_replay(compose_run, tmp_path):
    straight = tmp_path / "straight"
    run(compose_run, straight, "agent=dqn")
    split = tmp_path / "split"
    run(compose_run, split, "agent=dqn", "budget.atari.frames=400")
    first_half = checkpoint(split)
    assert first_half["counters"]["frames"] == 400 and first_half["counters"]["updates"] == 1
    final = run(compose_run, split, "agent=dqn")
    assert final == finished(600, 51)
    a, b = checkpoint(straight), checkpoint(split)
    assert a["counters"] == b["counters"]
    assert a["controller"] == b["controller"]
    steps = {int(s["step"]) for s in b["optimizer"]["state"].values()}
    assert steps == {51}  # Adam's moments carried over the resume
    metrics = pd.read_csv(split / "metrics.csv")
    assert metrics["step"].tolist() == [200, 400, 600]  # no duplicated row after the resume
    # the replay came back: 100 rows before the resume plus 50 after, not 50
    replay = dict(__import__("numpy").load(split / "checkpoints" / "replay-600.npz"))
    assert int(replay["written"]) == 150


def test_a_checkpoint_whose_replay_does_not_load_falls_back_to_the_previous_pair(
    compose_run, tmp_path, caplog
):
    every = "budget.atari.checkpoint_every=100"
    run(compose_run, tmp_path, "agent=dqn", every, "budget.atari.frames=500")
    folder = tmp_path / "checkpoints"
    assert checkpoint(tmp_path)["replay_file"] == "replay-500.npz"
    previous = torch.load(folder / "previous.ckpt", weights_only=True)
    assert previous["replay_file"] == "replay-400.npz"
    replay = folder / "replay-500.npz"
    replay.write_bytes(replay.read_bytes()[:1000])  # the node died as the replay was copied
    with caplog.at_level("WARNING"):
        assert run(compose_run, tmp_path, "agent=dqn", every) == finished(600, 51)
    assert f"checkpoint {folder / 'last.ckpt'} does not load" in caplog.text
    assert "resuming from the previous checkpoint" in caplog.text and "frame 400" in caplog.text
    assert (folder / "last.ckpt.corrupt").is_file()
    assert (folder / "replay-500.npz.corrupt").is_file()  # the pair goes aside together
    assert pd.read_csv(tmp_path / "metrics.csv")["step"].tolist() == [200, 400, 600]


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
    assert final.metrics == {"resets": 3, "updates": 12}  # floor(51 agent steps x 0.25)
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
    assert final.progress == 10_000


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


def test_fixed_rewarm_restarts_the_lr_schedule_at_the_given_frame(compose_run, tmp_path):
    # warmup-cosine over 800 frames (80 of warmup) to 6.25e-5, then down to 1e-6; re-warm at 1200
    overrides = [
        "agent=dqn",
        "rewarm=fixed",
        "rewarm.steps=[1200]",
        "rewarm.every=null",
        "rewarm.length=800",
        "rewarm.warmup_steps=80",
        "budget.atari.frames=1600",
        "budget.atari.metrics_every=40",
    ]
    final = run(compose_run, tmp_path, *overrides)
    lr = pd.read_csv(tmp_path / "metrics.csv").set_index("step")["lr"]
    # the schedule's t is frames since the last (re-)warm; warmup step t is at (t + 1) / 80
    assert lr[40] == pytest.approx(6.25e-5 * 41 / 80)
    assert lr[800] == pytest.approx(1e-6) and lr[1160] == pytest.approx(1e-6)  # at the floor
    assert lr[1200] == pytest.approx(6.25e-5 / 80)  # restarted: the warmup's first step
    assert lr[1240] == pytest.approx(6.25e-5 * 41 / 80)
    assert checkpoint(tmp_path)["controller"]["rewarm_steps"] == [1200]
    assert final.progress == 1600


def test_cusum_rewarm_fires_on_the_learners_loss_windows(compose_run, tmp_path):
    """The trigger sees the mean loss of every 5 updates, stamped in frames; replaying the logged
    window means through a fresh CusumTrigger fires at the same frames as the run did."""
    overrides = [
        "agent=dqn",
        "rewarm=cusum",
        "rewarm.length=4000",  # longer than the run: only a re-warm restarts it
        "rewarm.warmup_steps=40",
        "rewarm.controller.trigger.observe_every=5",
        "rewarm.controller.trigger.warmup=4",
        "rewarm.controller.trigger.cooldown=2",
        "rewarm.controller.trigger.threshold=1.0",  # sensitive: Breakout's first rewards
        "rewarm.controller.trigger.drift=0.0",  # and target syncs make the TD loss jump
        "agent.target_update_frames=400",
        "budget.atari.frames=2400",
        "budget.atari.learning_starts=404",  # updates at 404, 408, ...: windows end on rows
        "budget.atari.metrics_every=20",  # 5 updates of 4 frames: one row per trigger window
    ]
    run(compose_run, tmp_path, *overrides)
    metrics = pd.read_csv(tmp_path / "metrics.csv")
    rewarms = checkpoint(tmp_path)["controller"]["rewarm_steps"]
    assert rewarms, "no loss jump detected"
    windows = metrics.dropna(subset=["train/loss"])
    trigger = CusumTrigger(threshold=1.0, drift=0.0, warmup=4, cooldown=2, direction="up")
    replayed = [
        f
        for f, x in zip(windows["step"], windows["train/loss"], strict=True)
        if trigger.update(f, x)
    ]
    assert replayed == rewarms
    assert metrics.set_index("step").loc[rewarms[0], "lr"] == pytest.approx(6.25e-5 / 40)
    assert metrics["rewarms"].iloc[-1] == len(rewarms)


@pytest.mark.parametrize(
    "override, named",
    [
        ("layer_lr=fast_features", "layer_lr (fast_features)"),
        ("intervention=shrink_perturb", "intervention (grokrewarm.method.interventions."),
        ("optimizer.scale_decay=1.0", "optimizer.scale_decay=1.0"),
        ("init_scale=2.0", "init_scale=2.0"),
        ("output_scale=centered", "output_scale (grokrewarm.method.laziness."),
    ],
)
def test_groups_the_runner_does_not_use_fail_before_training(
    compose_run, tmp_path, override, named
):
    run_dir = tmp_path / "refused"
    with pytest.raises(UnconsumedGroupError, match="the atari .DQN/Rainbow. runner") as error:
        run(compose_run, run_dir, "agent=dqn", override)
    assert named in str(error.value)
    assert not run_dir.exists()  # refused before the run folder was made


def test_a_global_norm_projection_is_refused(compose_run, tmp_path):
    with pytest.raises(ValueError, match="projection=sphere"):
        run(compose_run, tmp_path / "sphere", "agent=dqn", "projection=sphere")
