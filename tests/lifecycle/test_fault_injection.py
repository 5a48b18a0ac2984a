"""Fault injection: SIGKILL at random moments (during checkpoint writes too), a disk that fills up,
for both runners, each run in a child process (``fault_child.py``) and resumed until it ends.

The property: however a run is killed and resumed, it ends bitwise equal to a run that nothing
interrupted (supervised, on CPU) or that stopped cleanly at the checkpoints the killed run
resumed from (Atari: running games are not saved, so every resume starts new games), with each
metric step in ``metrics.csv`` once. The kill moments are drawn from a seeded generator
(``GROKREWARM_FAULT_SEED`` picks another draw).
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from tests.overrides import CUSUM_FIRING_OFTEN, SMOKE

CHILD = Path(__file__).with_name("fault_child.py")
SEED = int(os.environ.get("GROKREWARM_FAULT_SEED", "0"))
KILLS = 6  # per runner

SUPERVISED = [
    *SMOKE,
    "budget.checkpoint_every=10",
    "trainer.max_steps=60",
    *CUSUM_FIRING_OFTEN,  # its state must come back exactly too
]
ATARI = [
    "+experiment=fig7",
    "budget=smoke",
    "rewarm=cyclic",
    "agent=dqn",
    "budget.atari.checkpoint_every=100",
    "budget.atari.metrics_every=100",
]
ATARI_FRAMES = 600


def child(runner: str, overrides: list[str], run_dir: Path, fault: dict | None = None):
    """Run one attempt; returns (exit status, the steps it resumed from, stdout + stderr)."""
    spec = {"runner": runner, "overrides": overrides, "run_dir": str(run_dir), "fault": fault}
    result = subprocess.run(
        [sys.executable, str(CHILD), json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    resumed = [int(m) for m in re.findall(r"^RESUMED (\d+)$", result.stdout, re.MULTILINE)]
    return result.returncode, resumed, result.stdout + result.stderr


def faults(rng: random.Random, unit: int, span: int) -> list[dict]:
    """KILLS faults, alternating: a kill a random number of steps (multiples of ``unit``) after
    the attempt starts, and a kill halfway through the first, then the second, then the third
    file the attempt writes (a checkpoint, an Atari replay, or metrics.csv being cut back)."""
    out = []
    for i in range(KILLS):
        if i % 2:
            out.append({"kill_in_write": 1 + (i // 2) % 3})
        else:
            out.append({"kill_after": unit * rng.randint(1, span // unit)})
    return out


def run_until_done(runner, overrides, run_dir, schedule):
    """Each fault in turn (each attempt must die of it), then attempts without one until the run
    ends; returns every step an attempt resumed from."""
    resumed = []
    for fault in schedule:
        status, steps, output = child(runner, overrides, run_dir, fault)
        assert status == -9, f"{fault} did not kill the attempt (exit {status}):\n{output[-3000:]}"
        resumed += steps
    status, steps, output = child(runner, overrides, run_dir)
    assert status == 0, output[-3000:]
    return resumed + steps


def assert_each_metric_step_once(run_dir: Path, expected: list[int]) -> pd.DataFrame:
    metrics = pd.read_csv(run_dir / "metrics.csv")
    assert metrics["step"].tolist() == expected
    return metrics


def test_supervised_run_killed_anywhere_ends_bitwise_equal(tmp_path):
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    status, _, output = child("supervised", SUPERVISED, straight)
    assert status == 0, output[-3000:]
    schedule = faults(random.Random(SEED), unit=1, span=25)
    resumed = run_until_done("supervised", SUPERVISED, killed, schedule)
    assert resumed, "no attempt resumed: the faults never hit after a checkpoint"

    a = torch.load(straight / "checkpoints" / "last.ckpt", weights_only=True)
    b = torch.load(killed / "checkpoints" / "last.ckpt", weights_only=True)
    assert a["global_step"] == b["global_step"] == 60
    for name, tensor in a["state_dict"].items():
        assert torch.equal(tensor, b["state_dict"][name]), name
    assert a["rewarm_controller"] == b["rewarm_controller"]
    assert a["optimizer_states"][0]["state"].keys() == b["optimizer_states"][0]["state"].keys()
    for key, state in a["optimizer_states"][0]["state"].items():
        for name, value in state.items():
            assert torch.equal(value, b["optimizer_states"][0]["state"][key][name]), name
    steps = list(range(0, 61, 5))
    pd.testing.assert_frame_equal(
        assert_each_metric_step_once(straight, steps), assert_each_metric_step_once(killed, steps)
    )
    assert json.loads((killed / "DONE").read_text())["progress"] == 60
    assert not list((killed / "checkpoints").glob(".*.tmp"))  # a killed write's leftovers go


def atari_state(run_dir: Path) -> dict:
    state = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)
    with np.load(run_dir / "checkpoints" / state["replay_file"]) as arrays:
        state["replay"] = {k: arrays[k] for k in arrays.files}
    return state


def test_atari_run_killed_anywhere_ends_as_one_stopped_at_its_checkpoints(tmp_path):
    killed = tmp_path / "killed"
    schedule = faults(random.Random(SEED + 1), unit=4, span=200)
    resumed = run_until_done("atari", ATARI, killed, schedule)
    assert resumed, "no attempt resumed: the faults never hit after a checkpoint"
    assert resumed == sorted(resumed)  # never behind a checkpoint it had already passed

    # the reference stops cleanly at each frame the killed run resumed from, then finishes
    reference = tmp_path / "reference"
    for frames in sorted(set(resumed)):
        status, _, output = child("atari", [*ATARI, f"budget.atari.frames={frames}"], reference)
        assert status == 0, output[-3000:]
    status, _, output = child("atari", ATARI, reference)
    assert status == 0, output[-3000:]

    a, b = atari_state(reference), atari_state(killed)
    assert a["counters"] == b["counters"] and a["counters"]["frames"] == ATARI_FRAMES
    for part in ("online", "target"):
        for name, tensor in a[part].items():
            assert torch.equal(tensor, b[part][name]), f"{part}.{name}"
    assert a["controller"] == b["controller"]
    for name, array in a["replay"].items():
        assert np.array_equal(array, b["replay"][name]), name
    steps = list(range(100, ATARI_FRAMES + 1, 100))
    pd.testing.assert_frame_equal(
        assert_each_metric_step_once(reference, steps).drop(columns="fps"),
        assert_each_metric_step_once(killed, steps).drop(columns="fps"),
    )
    # each checkpoint on disk has the replay it names, and no other replay is left
    folder = killed / "checkpoints"
    names = {torch.load(p, weights_only=True)["replay_file"] for p in folder.glob("*.ckpt")}
    assert {p.name for p in folder.glob("replay*.npz")} == names


@pytest.mark.parametrize("runner", ["supervised", "atari"])
def test_a_full_disk_stops_the_run_and_the_last_checkpoint_still_loads(runner, tmp_path):
    run_dir = tmp_path / "run"
    if runner == "supervised":  # full from step 25: the checkpoint at 30 cannot be written
        overrides, fault, unit, good, failing = SUPERVISED, {"fsize_from": 25}, "step", 20, 30
    else:  # from frame 440: the replay of the checkpoint at 500 cannot be written
        overrides, fault, unit, good, failing = ATARI, {"fsize_from": 440}, "frame", 400, 500
    status, _, output = child(runner, overrides, run_dir, {**fault, "fsize": 200_000})
    assert status == 1, output[-3000:]
    last = run_dir / "checkpoints" / "last.ckpt"
    assert f"could not write the checkpoint at {unit} {failing} to " in output, output[-3000:]
    assert "[Errno 27] File too large" in output
    assert f"{last} ({unit} {good}) is intact" in output
    state = torch.load(last, weights_only=True)
    progress = state["global_step"] if runner == "supervised" else state["counters"]["frames"]
    assert progress == good
    assert not list(last.parent.glob(".*.tmp"))  # the failed write removed its temporary file
    assert "could not write the checkpoint" in json.loads((run_dir / "FAILED").read_text())["error"]
    # with room again, the same command resumes from it and finishes
    status, resumed, output = child(runner, overrides, run_dir)
    assert status == 0 and resumed == [good], output[-3000:]
