"""The steps after a sweep, on a sweep folder written by hand: summarize -> judge -> render."""

import logging

import pandas as pd
from omegaconf import OmegaConf

from grokrewarm.pipeline import after_sweep


def write_run(folder, condition: str, test_loss: list[float]) -> None:
    folder.mkdir(parents=True)
    config = {
        "experiment": "kumar_fig1",
        "panel": "main",
        "condition": condition,
        "seed": 0,
        "init_scale": 1.0,
        "output_scale": {"alpha": 1.0},
        "optimizer": {"weight_decay": 0.0},
        "model": {"eps": 0.02},
        "task": {"n_train": 550},
        "budget": {"name": "test"},
    }
    OmegaConf.save(OmegaConf.create(config), folder / "config.yaml")
    metrics = {
        "step": [0, 100, 200, 300],
        "train/loss": [1.0, 0.05, 0.01, 0.005],
        "test/loss": test_loss,
        "param_norm": [10.0, 12.0, 15.0, 16.0],
        "ntk_alignment": [0.1, 0.1, 0.2, 0.3],
        "ntk_regression/test_loss": [0.52] * 4,
    }
    pd.DataFrame(metrics).to_csv(folder / "metrics.csv", index=False)


def test_a_sweep_is_summarized_judged_and_rendered_in_its_folder(tmp_path):
    write_run(tmp_path / "0_alpha1.0_s0", "alpha1.0", [1.0, 0.8, 0.09, 0.02])
    after_sweep("kumar_fig1", tmp_path, wandb_config=None)
    summary = pd.read_csv(tmp_path / "kumar_fig1_summary.csv")
    assert summary["time_to_grok"].tolist() == [100.0]
    assert (tmp_path / "kumar_fig1_runs.csv").is_file()
    claims = pd.read_csv(tmp_path / "claims.csv")
    assert claims["verdict"].tolist() == ["holds"] * 4
    assert (tmp_path / "kumar_fig1.png").stat().st_size > 10_000


def test_the_claims_read_the_summary_the_analysis_step_wrote(tmp_path):
    # the test loss never falls below 0.1: no grokking, and the summary says so
    write_run(tmp_path / "0_alpha1.0_s0", "alpha1.0", [1.0, 0.9, 0.8, 0.7])
    after_sweep("kumar_fig1", tmp_path, wandb_config=None)
    claims = pd.read_csv(tmp_path / "claims.csv")
    assert claims["verdict"].tolist()[0] == "does not hold"
    assert "time_to_grok=inf" in claims["numbers"].iloc[0]


def test_a_sweep_without_metrics_writes_no_tables_and_says_why(tmp_path, caplog):
    with caplog.at_level(logging.ERROR):
        after_sweep("kumar_fig1", tmp_path, wandb_config=None)
    assert "no kumar_fig1 summary" in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == []
