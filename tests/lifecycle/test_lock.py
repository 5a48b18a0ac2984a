"""One writer per run folder: the lock, its stale rules, a refused second start (in run_job, from
the command line, in sweep_status)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pandas as pd
import pytest
from omegaconf import OmegaConf

from grokrewarm.lifecycle import Runner, run_job
from grokrewarm.lifecycle import lock as lock_module
from grokrewarm.lifecycle.folder import BUSY
from grokrewarm.lifecycle.lock import LOCK_NAME, RunFolderBusy, RunLock, live_holder
from grokrewarm.sweep_status import BUSY_PREFIX, RUNNING, format_report, sweep_status

RUNNER = Runner(name="test", unit="step", consumes=frozenset())


def config(**overrides):
    return OmegaConf.create({"seed": 0, "force": False, "logger": {}, **overrides})


@pytest.mark.parametrize("os_lock", [None, False], ids=["flock", "lock_file"])
def test_a_second_holder_is_refused_and_named_until_the_first_releases(os_lock, tmp_path):
    first = RunLock(tmp_path, os_lock=os_lock).acquire()
    assert first.mode == ("flock" if os_lock is None else "file")
    holder = live_holder(tmp_path)
    assert (holder["pid"], holder["host"]) == (os.getpid(), socket.gethostname())
    with pytest.raises(RunFolderBusy, match=rf"is busy: pid {os.getpid()} on host "):
        RunLock(tmp_path, os_lock=os_lock).acquire()
    first.release()
    assert not (tmp_path / LOCK_NAME).exists() and live_holder(tmp_path) is None
    with RunLock(tmp_path, os_lock=os_lock):
        pass


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def write_lock(folder, age_s: float = 0.0, **holder):
    path = folder / LOCK_NAME
    path.write_text(json.dumps({"host": socket.gethostname(), "pid": os.getpid(), **holder}))
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))


def test_an_flock_lock_left_by_a_killed_holder_is_taken_over(tmp_path):
    write_lock(tmp_path, pid=dead_pid(), mode="flock")  # the file stays; its flock died with it
    assert live_holder(tmp_path) is None
    with RunLock(tmp_path) as held:
        assert held.mode == "flock" and live_holder(tmp_path)["pid"] == os.getpid()


@pytest.mark.parametrize(
    ("holder", "age_s", "stale"),
    [
        ({"pid": "dead"}, 0, True),  # this host, its process is gone
        ({"pid": "alive", "boot_id": "another boot"}, 0, True),  # this host rebooted since
        ({"pid": "alive"}, 10_000, False),  # this host, alive: an old heartbeat does not matter
        ({"pid": 1, "host": "elsewhere"}, 30, False),  # another host, a fresh heartbeat
        ({"pid": 1, "host": "elsewhere"}, lock_module.STALE_AFTER_S + 1, True),  # beats stopped
    ],
)
def test_the_lock_file_rule_for_stale_holders(holder, age_s, stale, tmp_path):
    pids = {"dead": dead_pid(), "alive": os.getpid()}
    holder = {**holder, "pid": pids.get(holder["pid"], holder["pid"]), "mode": "file"}
    write_lock(tmp_path, age_s=age_s, **holder)
    assert (live_holder(tmp_path) is None) == stale
    if stale:
        with RunLock(tmp_path, os_lock=False) as held:
            assert held.mode == "file" and live_holder(tmp_path)["pid"] == os.getpid()
    else:
        with pytest.raises(RunFolderBusy):
            RunLock(tmp_path, os_lock=False).acquire()


def test_the_lock_file_holder_keeps_its_heartbeat(tmp_path, monkeypatch):
    monkeypatch.setattr(lock_module, "HEARTBEAT_S", 0.05)
    with RunLock(tmp_path, os_lock=False):
        path = tmp_path / LOCK_NAME
        os.utime(path, (0, 0))
        time.sleep(0.3)
        assert time.time() - path.stat().st_mtime < 5


def test_run_job_on_a_held_folder_touches_nothing_and_returns_busy(tmp_path):
    calls = []
    with RunLock(tmp_path):
        record = run_job(config(), tmp_path, RUNNER, 60, lambda folder: calls.append(1))
    assert record.status == BUSY and calls == []
    assert "is busy: pid" in record.detail
    # no record, config or metadata of the run was written; only the note for sweep_status
    assert {p.name for p in tmp_path.iterdir()} == {"BUSY"}
    refused = json.loads((tmp_path / "BUSY").read_text())
    assert refused["holder"]["pid"] == os.getpid()
    run_job(config(), tmp_path, RUNNER, 60, lambda folder: (60, {}))  # free again: it runs
    assert (tmp_path / "DONE").is_file() and not (tmp_path / "BUSY").exists()


def test_sweep_status_shows_the_holder_and_a_refused_start(tmp_path):
    run_dir = tmp_path / "0_x_s0"
    (run_dir / ".hydra").mkdir(parents=True)
    with RunLock(run_dir):
        (report,) = sweep_status(tmp_path)
        assert report.state == RUNNING and report.detail.startswith("running: pid ")
        run_job(config(), run_dir, RUNNER, 60, lambda folder: (60, {}))
        (report,) = sweep_status(tmp_path)
        assert report.state == RUNNING and report.detail.startswith(BUSY_PREFIX)
        assert "a second start (pid" in report.detail and "was refused" in report.detail
        assert "(1 of the running busy" in format_report(tmp_path, [report])
    (report,) = sweep_status(tmp_path)  # the holder is gone: no longer running, nor busy
    assert not report.detail.startswith(("running", BUSY_PREFIX))


def test_two_processes_on_one_run_folder_train_once(run_cli, tmp_path):
    """Two writers: the same run started twice, the second a few seconds after the first.
    The second stops at once (exit 0: busy is not a failure), naming the first."""
    run_dir = tmp_path / "run"
    args = [
        sys.executable,
        "-m",
        "grokrewarm",
        "budget=smoke",
        "trainer.max_steps=3000",
        "trainer.enable_progress_bar=false",
        f"hydra.run.dir={run_dir}",
    ]
    log = (tmp_path / "first.log").open("w")
    first = subprocess.Popen(args, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 120
        while not (run_dir / "metrics.csv").is_file():
            assert first.poll() is None and time.time() < deadline, "the first run did not start"
            time.sleep(0.2)
        config_before = (run_dir / "config.yaml").stat().st_mtime_ns
        second = run_cli(
            ["budget=smoke", "trainer.max_steps=3000", f"hydra.run.dir={run_dir}"], cwd=tmp_path
        )
        assert second.returncode == 0, second.stderr[-3000:]
        assert f"busy: {run_dir} is busy: pid {first.pid} on host" in second.stdout
        assert (run_dir / "config.yaml").stat().st_mtime_ns == config_before
        assert first.poll() is None, "the first run must still be training"
        (report,) = sweep_status(tmp_path)
        assert report.detail.startswith(BUSY_PREFIX) and f"pid {first.pid}" in report.detail
    finally:
        first.send_signal(signal.SIGTERM)  # preempted: checkpoints at the next step, ends
        first.wait(timeout=120)
        log.close()
    steps = pd.read_csv(run_dir / "metrics.csv")["step"]
    assert steps.is_unique and steps.is_monotonic_increasing
