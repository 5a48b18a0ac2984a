"""Jobs on a real single-node Slurm (launch/slurm/up.sh): submitit results, requeue, time limits.

The module uses a cluster that is already up. With CI=true or GROKREWARM_SLURM_UP=1 it brings one
up itself (as root; this may install Debian packages) and stops it afterwards if it started it;
otherwise, with no cluster, it skips rather than touch the system's packages and daemons.
"""

import operator
import os
import subprocess
import time
from pathlib import Path

import pytest

submitit = pytest.importorskip("submitit")

pytestmark = pytest.mark.slurm

SLURM_SCRIPTS = Path(__file__).resolve().parents[2] / "launch" / "slurm"


def slurm(*args: str) -> str:
    """Run a Slurm command, bounded (a client can block on a dead or busy controller)."""
    return subprocess.run(args, capture_output=True, text=True, timeout=15, check=True).stdout


def node_ready() -> bool:
    try:
        slurm("scontrol", "ping")  # fails at once with no controller; sinfo would retry for 9 s
        state = slurm("sinfo", "-h", "-o", "%T").strip()
    except (OSError, subprocess.SubprocessError):
        return False
    return state in {"idle", "mixed", "allocated", "completing"}


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


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if node_ready():
        yield
        return
    asked = os.environ.get("CI", "").lower() in {"true", "1"}
    if not (asked or os.environ.get("GROKREWARM_SLURM_UP") == "1"):
        pytest.skip(
            "no Slurm running: start one with `sudo bash launch/slurm/up.sh`, or set "
            "GROKREWARM_SLURM_UP=1 (as root) to let these tests start it"
        )
    # Output goes to a file, not a pipe: a daemon holding a pipe open would block the read.
    log = tmp_path_factory.mktemp("slurm") / "up.log"
    with log.open("w") as out:
        try:
            rc = subprocess.run(
                ["bash", str(SLURM_SCRIPTS / "up.sh")],
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=600,
            ).returncode
            failure = f"exit status {rc}" if rc else ""
        except subprocess.TimeoutExpired:
            failure = "no end within 600 s"
    if failure:
        tail = "\n".join(log.read_text().splitlines()[-25:])
        pytest.skip(f"launch/slurm/up.sh failed ({failure}); end of its output:\n{tail}")
    yield
    subprocess.run(["bash", str(SLURM_SCRIPTS / "down.sh")], capture_output=True, timeout=120)


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
