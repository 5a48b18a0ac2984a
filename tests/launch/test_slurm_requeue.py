"""A Slurm job requeued mid-run resumes from its checkpoint and ends exactly where an
uninterrupted run ends (issue 3): same final metrics, same parameters, same metrics file."""

import subprocess
import sys
import time

import pandas as pd
import pytest
import torch

from grokrewarm.training.run import train

pytestmark = pytest.mark.slurm

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
]
TEST_CLUSTER = [  # launch/slurm/up.sh's node: two CPUs, no GPU
    "hydra.launcher.gpus_per_node=null",
    "hydra.launcher.cpus_per_task=1",
    "hydra.launcher.mem_gb=null",
]


def _slurm(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, timeout=15, check=True).stdout


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.2)


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
            _wait_for(
                lambda: (run_dir / "checkpoints" / "last.ckpt").is_file(), 180, "a checkpoint"
            )
            (job_id,) = _slurm("squeue", "-h", "-o", "%i").split()
            _slurm("scontrol", "requeue", job_id)
            assert sweep_process.wait(timeout=300) == 0, (tmp_path / "sweep.log").read_text()[
                -3000:
            ]
        finally:
            sweep_process.kill()

    def states() -> list[str]:
        return _slurm(
            "sacct", "-j", job_id, "-n", "-P", "-X", "--duplicates", "-o", "State"
        ).split()

    _wait_for(lambda: states()[-1:] == ["COMPLETED"], 60, "accounting to record the end")
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
