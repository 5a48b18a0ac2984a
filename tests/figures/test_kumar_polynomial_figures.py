"""Figures of Kumar et al. Figs. 1, 7, 9, 12 (on the transformer), 14/15: summary columns and
rendering from runs."""

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from omegaconf import OmegaConf

from grokrewarm.analysis import summarize
from grokrewarm.analysis.lazy_rich import LOSS, SPECS, summarize_lazy
from grokrewarm.analysis.runs import Run
from grokrewarm.figures import render
from grokrewarm.figures.lazy_rich import _plot_reference


def rendered(name, sweep_dir):
    """The pipeline's order: the analysis step writes the tables the figure draws."""
    summarize(name, sweep_dir)
    return render(name, sweep_dir)


def _write_run(folder, config: dict, metrics: dict) -> Run:
    folder.mkdir(parents=True)
    config = OmegaConf.create(
        {
            "seed": 0,
            "init_scale": 1.0,
            "output_scale": {"alpha": 1.0},
            "optimizer": {"weight_decay": 0.0},
            "model": {"eps": 0.02},
            "task": {"n_train": 550, "hermite_degree": None},
            "budget": {"name": "test"},
            "panel": "main",
        }
        | config
    )
    OmegaConf.save(config, folder / "config.yaml")
    table = pd.DataFrame(metrics)
    table.to_csv(folder / "metrics.csv", index=False)
    return Run(folder, config, table)


CURVES = {
    "step": [0, 100, 200, 300],
    "train/loss": [1.0, 0.05, 0.01, 0.005],
    "test/loss": [1.0, 0.8, 0.09, 0.02],
    "param_norm": [10.0, 12.0, 15.0, 16.0],
    "relative_param_change": [0.0, 0.1, 0.5, 0.6],
    "ntk_alignment": [0.1, 0.1, 0.2, 0.3],
}


def test_fig1_summary_and_reference_line(tmp_path):
    metrics = CURVES | {"ntk_regression/test_loss": [0.52] * 4}
    run = _write_run(tmp_path / "0_alpha1.0", {"condition": "alpha1.0"}, metrics)
    table = summarize_lazy([run], SPECS["kumar_fig1"], tmp_path / "s.csv")
    row = table.iloc[0]
    assert row["ntk_regression_test_loss"] == pytest.approx(0.52)
    assert (row["train_reaches_loss_0.1"], row["test_reaches_loss_0.1"]) == (100, 200)
    assert row["time_to_grok"] == 100
    assert SPECS["kumar_fig1"].references == {LOSS[0]: "ntk_regression/test_loss"}
    fig, ax = plt.subplots()
    _plot_reference(ax, [run], "ntk_regression/test_loss", "black")
    assert list(ax.lines[0].get_ydata()) == pytest.approx([0.52, 0.52])
    plt.close(fig)
    paths = rendered("kumar_fig1", tmp_path)
    assert {p.suffix for p in paths} >= {".png", ".csv"}


def test_fig7_summary_has_sigma_squared_alpha(tmp_path):
    runs = [
        _write_run(
            tmp_path / f"{i}",
            {"condition": f"c{i}", "init_scale": s, "output_scale": {"alpha": a}},
            CURVES,
        )
        for i, (s, a) in enumerate([(0.5, 4.0), (2.0, 0.25), (2.0, 4.0)])
    ]
    table = summarize_lazy(runs, SPECS["kumar_fig7"], tmp_path / "s.csv")
    assert list(table["sigma2_alpha"]) == [1.0, 1.0, 16.0]
    assert rendered("kumar_fig7", tmp_path)[0].stat().st_size > 10_000


def test_fig12_and_fig14_summaries_name_their_swept_values(tmp_path):
    # Fig. 12 runs on the transformer: its time to grok is read in accuracy (95%)
    accuracy = {"train/acc": [0.1, 0.96, 1.0, 1.0], "test/acc": [0.0, 0.3, 0.5, 0.97]}
    wd = _write_run(
        tmp_path / "wd" / "0",
        {"condition": "a", "output_scale": {"alpha": 1.4}, "optimizer": {"weight_decay": 5.0}},
        CURVES | accuracy,
    )
    table = summarize_lazy([wd], SPECS["kumar_fig12"], tmp_path / "wd.csv")
    assert (table["alpha"].iloc[0], table["weight_decay"].iloc[0]) == (1.4, 5.0)
    assert table["time_to_grok"].iloc[0] == 200  # train 95% at step 100, test at 300
    assert rendered("kumar_fig12", tmp_path / "wd")[0].stat().st_size > 10_000
    hermite = _write_run(
        tmp_path / "he" / "0",
        {"condition": "He3", "task": {"n_train": 2000, "hermite_degree": 3}},
        CURVES,
    )
    table = summarize_lazy([hermite], SPECS["kumar_fig14"], tmp_path / "he.csv")
    assert (table["hermite_degree"].iloc[0], table["n_train"].iloc[0]) == (3, 2000)


def test_fig9_draws_the_decomposition_per_panel(tmp_path):
    decomposition = {
        "decomposition/variance": [0.3, 0.2, 0.1, 0.0],
        "decomposition/misalignment": [0.5, 0.4, 0.1, 0.01],
        "decomposition/linear_power": [0.0, 0.2, 0.05, 0.01],
        "decomposition/total": [0.8, 0.8, 0.25, 0.02],
    }
    for n in (50, 120):
        _write_run(
            tmp_path / f"P{n}",
            {"condition": f"P{n}", "panel": f"P{n:03d}", "task": {"n_train": n}},
            CURVES | decomposition,
        )
    png = rendered("kumar_fig9", tmp_path)[0]
    assert png.stat().st_size > 10_000
    assert sorted(pd.read_csv(tmp_path / "kumar_fig9_summary.csv")["n_train"]) == [50, 120]
