"""Jobs on a real single-node Slurm (launch/slurm/up.sh): submitit results, requeue, time limits,
and a training run requeued mid-run ending as an uninterrupted one.

The `cluster` fixture (tests/launch/conftest.py) uses a running cluster, may start one, or skips.
"""

import operator
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch

from grokrewarm.training.run import train

submitit = pytest.importorskip("submitit")

pytestmark = pytest.mark.slurm


def slurm(*args: str) -> str:
    """Run a Slurm command, bounded (a client can block on a dead or busy controller)."""
    return subprocess.run(args, capture_output=True, text=True, timeout=15, check=True).stdout


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.2)


def states(job_id: str) -> list[str]:
    """Accounting states of every run of a job, oldest first (a requeued job has several)."""
    out = slurm("sacct", "-j", job_id, "-n", "-P", "-X", "--duplicates", "-o", "State")
    return out.split()


def job_state(job_id: str) -> str:
    return slurm("squeue", "-h", "-j", job_id, "-o", "%T").strip()


def wait_for_result(job, seconds: float):
    """job.result() without its unbounded wait; cancels the job on timeout."""
    deadline = time.monotonic() + seconds
    while not job.done():
        if time.monotonic() > deadline:
            job.cancel(check=False)
            pytest.fail(f"job {job.job_id} not done after {seconds} s")
        time.sleep(0.2)
    return job.result()


def test_submitit_job_returns_result(cluster, tmp_path):
    executor = submitit.AutoExecutor(folder=tmp_path, cluster="slurm")
    executor.update_parameters(timeout_min=2)
    # A stdlib function: the job unpickles it without importing this test module.
    job = executor.submit(operator.add, 2, 3)
    assert wait_for_result(job, 60) == 5
    # Accounting may lag the job's end by a moment.
    wait_until(
        lambda: states(job.job_id) == ["COMPLETED"], 15, f"sacct to show {job.job_id} COMPLETED"
    )


def test_requeued_job_runs_again_and_completes(cluster, tmp_path):
    runs = tmp_path / "runs"

    # Defined here so that cloudpickle ships it by value. The first run sleeps until it is
    # killed by the requeue; submitit ignores the SIGTERM, as a training job would, so no
    # result of the first run is left behind, and the second run returns at once.
    def count_runs(counter: Path) -> int:
        with counter.open("a") as f:
            f.write(os.environ.get("SLURM_RESTART_COUNT", "0") + "\n")
        n = len(counter.read_text().splitlines())
        if n == 1:
            time.sleep(120)
        return n

    executor = submitit.AutoExecutor(folder=tmp_path / "jobs", cluster="slurm")
    executor.update_parameters(timeout_min=3)
    job = executor.submit(count_runs, runs)
    try:
        wait_until(runs.exists, 60, "the first run to start")
        slurm("scontrol", "requeue", job.job_id)
        # Slurm holds a requeued job back until its old credential expires (cred_expire=5).
        wait_until(lambda: len(runs.read_text().splitlines()) >= 2, 60, "the second run")
    except BaseException:
        job.cancel(check=False)
        raise
    assert wait_for_result(job, 60) == 2
    assert runs.read_text().splitlines() == ["0", "1"]  # SLURM_RESTART_COUNT of each run
    wait_until(
        lambda: states(job.job_id) == ["REQUEUED", "COMPLETED"],
        15,
        f"sacct to show {job.job_id} requeued, then completed",
    )


def test_job_past_its_time_limit_is_timeout(cluster, tmp_path):
    # The shortest limit Slurm takes is one minute. Moving the end time of a running job to now
    # (22.05 accepts EndTime for jobs, undocumented) makes it overdue at once; slurmctld checks
    # limits every 30 s, so this takes 0-35 s instead of 60-95 s.
    job_id = slurm(
        "sbatch",
        "--parsable",
        "--time=1",
        f"--chdir={tmp_path}",
        "--output=/dev/null",
        "--wrap",
        "sleep 300",
    ).strip()
    try:
        wait_until(lambda: job_state(job_id) == "RUNNING", 60, f"job {job_id} to run")
        try:
            slurm("scontrol", "update", f"jobid={job_id}", "EndTime=now")
        except subprocess.CalledProcessError as e:
            pytest.skip(
                f"this Slurm does not move a job's EndTime ({e.stderr.strip()}); "
                "a real timeout costs 60-95 s"
            )
        wait_until(lambda: states(job_id) == ["TIMEOUT"], 60, f"sacct to show {job_id} TIMEOUT")
    finally:
        subprocess.run(["scancel", job_id], capture_output=True, timeout=15)


# A Slurm job requeued mid-run resumes from its checkpoint and ends exactly where an
# uninterrupted run ends: same final metrics, same parameters, same metrics file.
RUN = [  # one run, no figure sweep: Fig. 3's protocol with a re-warm at step 10
    "budget=smoke",
    "model.norm=layernorm",
    "projection=nap",
    "optimizer.scale_decay=1.0",
    "rewarm=offset",
    "rewarm.offset=10",
    "trainer.enable_progress_bar=false",
    # long enough (~15 s) that Slurm's SIGKILL, KillWait = 5 s after the requeue's SIGTERM,
    # lands mid-run: submitit ignores SIGTERM, so the job trains on until it is killed
    "trainer.max_steps=4000",
    "budget.checkpoint_every=200",
    "budget.metrics_every=100",
    # bitwise equality needs one thread count on both sides: the Slurm job would take
    # SLURM_CPUS_PER_TASK=1, the reference run in this process every core
    "threads=1",
]
TEST_CLUSTER = [  # launch/slurm/up.sh's node: two CPUs, no GPU
    "hydra.launcher.gpus_per_node=null",
    "hydra.launcher.cpus_per_task=1",
    "hydra.launcher.mem_gb=null",
]


def test_requeued_job_resumes_and_ends_as_an_uninterrupted_run(cluster, compose_run, tmp_path):
    reference = tmp_path / "reference"
    expected = train(compose_run(RUN, reference), reference)

    sweep = tmp_path / "sweep"
    run_dir = sweep / "0_nap_offset_s0"
    args = [*RUN, "launcher=slurm", *TEST_CLUSTER, "launcher.allow_dirty=true"]
    with open(tmp_path / "sweep.log", "w") as log:
        sweep_process = subprocess.Popen(
            [sys.executable, "-m", "grokrewarm", *args, f"hydra.sweep.dir={sweep}", "-m"],
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until(
                lambda: (run_dir / "checkpoints" / "last.ckpt").is_file(), 180, "a checkpoint"
            )
            (job_id,) = slurm("squeue", "-h", "-o", "%i").split()
            slurm("scontrol", "requeue", job_id)
            # a hang guard, not a speed check: on 2 cores beside a training run the requeued
            # 4000-step job took over 300 s (2026-12-02), alone well under it
            assert sweep_process.wait(timeout=900) == 0, (tmp_path / "sweep.log").read_text()[
                -3000:
            ]
        finally:
            sweep_process.kill()

    def states() -> list[str]:
        return slurm("sacct", "-j", job_id, "-n", "-P", "-X", "--duplicates", "-o", "State").split()

    wait_until(lambda: states()[-1:] == ["COMPLETED"], 60, "accounting to record the end")
    assert states() == ["REQUEUED", "COMPLETED"]
    log_text = (run_dir / "grokrewarm.log").read_text()
    assert "resuming from" in log_text  # the second attempt started from the checkpoint

    assert train(compose_run(RUN, run_dir), run_dir) == expected  # DONE: final metrics equal
    a = torch.load(reference / "checkpoints" / "last.ckpt", weights_only=True)
    b = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)
    assert a["global_step"] == b["global_step"] == 4000
    for name, tensor in a["state_dict"].items():
        assert torch.equal(tensor, b["state_dict"][name]), name
    pd.testing.assert_frame_equal(
        pd.read_csv(reference / "metrics.csv"), pd.read_csv(run_dir / "metrics.csv")
    )
