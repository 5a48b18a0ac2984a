"""Interrupting a run at arbitrary steps, then resuming, changes nothing.

Two ways a job stops: it is told first (SIGUSR2 from Slurm/submitit before a time limit or a
preemption, or SIGTERM), and the run checkpoints at the next step boundary; or it dies without
warning and resumes from the last periodic checkpoint, re-doing the steps since.
"""

import os
import signal

import lightning as L
import pytest

from grokrewarm.compose import compose_job
from grokrewarm.training.run import train
from tests.training.same_run import assert_same_run, last_checkpoint

STEPS = 60


class _Preempted(Exception):
    """What submitit's handler does after requeueing: leave the job (it calls sys.exit)."""


class _StopAt(L.Callback):
    """At step ``step``: send ``signum`` to this process, or die at once when ``signum`` is None."""

    def __init__(self, step: int, signum: int | None) -> None:
        self.step, self.signum = step, signum

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step == self.step:
            if self.signum is None:
                raise RuntimeError("killed")
            os.kill(os.getpid(), self.signum)


@pytest.fixture(scope="module")
def overrides(smoke, cusum_firing_often) -> list[str]:
    return [*smoke, *cusum_firing_often, f"trainer.max_steps={STEPS}"]


@pytest.fixture(scope="module")
def straight(overrides, tmp_path_factory):
    """The uninterrupted run every interrupted one must match."""
    run_dir = tmp_path_factory.mktemp("straight")
    train(compose_job(overrides, run_dir), run_dir)
    return run_dir


@pytest.mark.parametrize("where", ["at_alarm", "after_alarm", "mid_rewarm"])
def test_signal_checkpoints_at_the_next_step_and_resume_is_exact(
    where, straight, overrides, compose_run, tmp_path
):
    alarms = last_checkpoint(straight)["rewarm_controller"]["rewarm_steps"]
    assert len(alarms) >= 2, "the CUSUM settings must fire during the run for this test"
    step = {"at_alarm": alarms[0], "after_alarm": alarms[0] + 1, "mid_rewarm": alarms[0] + 7}[where]

    def submitit_like(signum, frame):
        raise _Preempted

    previous = signal.signal(signal.SIGUSR2, submitit_like)
    try:
        stop = _StopAt(step, signal.SIGUSR2)
        cfg = compose_run(overrides, tmp_path)
        with pytest.raises(_Preempted):
            train(cfg, tmp_path, callbacks=[stop])
        # the handler chain was restored: ours saved, then handed the signal on
        assert signal.getsignal(signal.SIGUSR2) is submitit_like
    finally:
        signal.signal(signal.SIGUSR2, previous)
    assert last_checkpoint(tmp_path)["global_step"] in (step, step + 1)  # the next step boundary
    assert not (tmp_path / "DONE").exists()
    train(compose_run(overrides, tmp_path), tmp_path)
    assert_same_run(straight, tmp_path, STEPS)


def test_sudden_death_resumes_from_the_periodic_checkpoint(
    straight, overrides, compose_run, tmp_path
):
    # budget.checkpoint_every is 20 at the smoke budget: dying at 37 loses steps 21-37, which
    # the resumed run re-does; metrics.csv drops the rows logged after step 20 first.
    cfg = compose_run(overrides, tmp_path)
    with pytest.raises(RuntimeError, match="killed"):
        train(cfg, tmp_path, callbacks=[_StopAt(37, None)])
    assert last_checkpoint(tmp_path)["global_step"] == 20 and not (tmp_path / "DONE").exists()
    train(compose_run(overrides, tmp_path), tmp_path)
    assert_same_run(straight, tmp_path, STEPS)
