"""The training hot path's host syncs, progress bar and data transfers: what a GPU would wait on,
checked on the CPU by counting the calls that would make it wait."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import pytest
import torch

from grokrewarm.domains.ordering import SeededBatches
from grokrewarm.training.callbacks import FeatureMetricsCallback, StepProgressBar
from grokrewarm.training.laziness import LazinessMetricsCallback
from grokrewarm.training.run import build, build_module
from tests.host_syncs import counting_host_syncs


class Recorder:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def log_metrics(self, row, step) -> None:
        self.rows.append(row)


def _measure_twice(module, callback, monkeypatch) -> tuple[list, list[dict]]:
    """Two metric rows of ``module`` under ``callback``; the host syncs of each."""
    recorder = Recorder()
    trainer = SimpleNamespace(
        global_step=0, max_steps=10, loggers=[recorder], optimizers=[module.configure_optimizers()]
    )
    module.nonfinite.observe(torch.tensor(0.5), 0)  # as after a training step
    counts = []
    for _ in range(2):
        with counting_host_syncs(monkeypatch) as counted:
            callback._measure(trainer, module)
        counts.append(dict(counted))
    return counts, recorder.rows


def test_a_feature_metrics_row_reads_the_device_once_whatever_the_layer_count(
    compose_run, tmp_path, monkeypatch
):
    cfg = compose_run(["+experiment=fig3", "budget=smoke", "rewarm.offset=0"], tmp_path)
    module = build_module(cfg)
    callback = FeatureMetricsCallback(every_n_steps=5, features=True)
    counts, rows = _measure_twice(module, callback, monkeypatch)
    per_layer = [k for k in rows[1] if k.startswith("feature_cov_change/")]
    assert len(per_layer) >= 3  # the row measures several layers...
    # ...and reads the device twice: the divergence check (one int) and the row (one tolist);
    # the LR and the re-warm count never go to the device and back
    assert counts == [{"__int__": 1, "tolist": 1}] * 2
    assert rows[0]["lr"] == torch.tensor(module.last_lr, dtype=torch.float32).item()


def test_a_laziness_metrics_row_reads_the_labels_once_per_run(compose_run, tmp_path, monkeypatch):
    cfg = compose_run(["budget=smoke", "metrics=lazy"], tmp_path)  # integer labels: one-hot
    module = build_module(cfg)
    callback = LazinessMetricsCallback(every_n_steps=5, alignment_size=20)
    counts, rows = _measure_twice(module, callback, monkeypatch)
    assert "ntk_alignment" in rows[1]
    # the one-hot width of the alignment labels is read on the first row only
    assert counts[1] == {"__int__": 1, "tolist": 1}
    assert counts[0]["__int__"] == 2
    assert rows[0]["ntk_alignment"] == rows[1]["ntk_alignment"]  # same weights, same value


@pytest.mark.parametrize(
    ("tty", "slurm_job", "bar"), [(True, None, True), (True, "123", False), (False, None, False)]
)
def test_the_progress_bar_is_off_in_batch_jobs(
    tty, slurm_job, bar, compose_run, tmp_path, monkeypatch
):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: tty)
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    if slurm_job:
        monkeypatch.setenv("SLURM_JOB_ID", slurm_job)
    cfg = compose_run(["budget=smoke", "trainer.enable_progress_bar=true"], tmp_path)
    trainer, _ = build(cfg, tmp_path)
    assert isinstance(trainer.progress_bar_callback, StepProgressBar) == bar
    assert (trainer.progress_bar_callback is None) == (not bar)  # nor Lightning's own bar


def test_the_epoch_order_goes_to_a_cuda_device_pinned_and_without_waiting(monkeypatch):
    calls = []

    def pin_memory(self):
        calls.append("pin_memory")
        return self

    def to(self, *args, **kwargs):
        calls.append(("to", args, kwargs))
        return self

    batches = SeededBatches(10, 4, seed=3)
    cpu_rows = batches.indices(5)
    monkeypatch.setattr(torch.Tensor, "pin_memory", pin_memory)
    monkeypatch.setattr(torch.Tensor, "to", to)
    cuda_rows = batches.indices(5, torch.device("cuda"))
    assert calls == ["pin_memory", ("to", (torch.device("cuda"),), {"non_blocking": True})]
    assert torch.equal(cuda_rows, cpu_rows)
    calls.clear()
    batches.indices(4, torch.device("cuda"))  # the same epoch: its order is kept on the device
    assert calls == []
    monkeypatch.undo()
    calls.clear()
    SeededBatches(10, 4, seed=3).indices(5, torch.device("cpu"))
    assert "pin_memory" not in calls  # the CPU path copies nothing
