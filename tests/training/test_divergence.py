"""A diverging run ends with a clear line and a diverged record, before any metric sees NaN."""

import json
import logging

import pandas as pd

from grokrewarm.lifecycle import DIVERGED
from grokrewarm.sweep_status import DIVERGED as DIVERGED_STATE
from grokrewarm.sweep_status import sweep_status
from grokrewarm.training.run import train

# A run that diverges: plain GD at LR 1e8 without normalization blows up within a few steps.
DIVERGING = ["optimizer=sgd", "rewarm=constant", "rewarm.lr=1e8", "model.norm=none"]


def test_a_diverging_smoke_run_stops_with_the_non_finite_loss_message(
    smoke, compose_run, tmp_path, caplog
):
    cfg = compose_run([*smoke, *DIVERGING], tmp_path)
    with caplog.at_level(logging.ERROR):
        record = train(cfg, tmp_path)
    assert record.status == DIVERGED and record.unit == "step"
    assert 0 < record.progress < cfg.trainer.max_steps
    message = f"the training loss 'train/loss' became non-finite at step {record.progress}"
    assert record.detail == message
    assert any(message in line for line in caplog.messages)
    done = json.loads((tmp_path / "DONE").read_text())
    assert (done["status"], done["progress"]) == (DIVERGED, record.progress)
    # the metric rows before the divergence are all finite: no metric ran on NaN weights
    metrics = pd.read_csv(tmp_path / "metrics.csv")
    assert metrics["step"].max() < record.progress + 5
    assert metrics["train/loss"].notna().all()


def test_sweep_status_shows_a_diverged_run(smoke, compose_run, tmp_path):
    run_dir = tmp_path / "0_diverging_s0"
    train(compose_run([*smoke, *DIVERGING], run_dir), run_dir)
    (run_dir / ".hydra").mkdir()  # a sweep's job folder, as Hydra leaves it
    (report,) = sweep_status(tmp_path)
    assert report.state == DIVERGED_STATE
    assert "became non-finite at step" in report.detail
