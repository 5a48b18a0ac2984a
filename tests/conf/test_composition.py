"""Every experiment composes at every budget, and its objects build from the config."""

import pytest
from hydra.utils import instantiate

from grokrewarm.method.projection import NormProjection
from grokrewarm.method.rewarm import RewarmController

BUDGETS = ["paper", "quick", "smoke"]
GROUPS = {
    "projection": ["none", "nap", "sphere"],
    "rewarm": [
        "constant",
        "warmup_cosine",
        "offset",
        "cyclic",
        "early_stopped_cyclic",
        "cusum",
        "fixed",
    ],
    "optimizer": ["adamw", "adam"],
    "metrics": ["default", "eval_only"],
    "logger": ["csv", "wandb", "tensorboard"],
    "launcher": ["local", "submitit_local", "slurm"],
}


def test_experiments_are_the_three_grokking_figures(experiments):
    assert experiments == ["fig2", "fig3", "fig8"]


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("experiment", ["fig2", "fig3", "fig8"])
def test_experiment_composes_and_builds(experiment, budget, compose_run, tmp_path):
    cfg = compose_run([f"+experiment={experiment}", f"budget={budget}"], tmp_path)
    assert cfg.experiment == experiment
    assert cfg.budget.name == budget
    task = instantiate(cfg.task)
    model = instantiate(cfg.model, **task.model_kwargs())
    controller = instantiate(cfg.rewarm.controller)
    assert isinstance(controller, RewarmController)
    assert controller.lr(0) > 0
    projection = instantiate(cfg.projection)(model)
    assert isinstance(projection, NormProjection)  # every grokking figure starts from NaP
    assert instantiate(cfg.optimizer.factory)(model.parameters()).defaults["betas"] == (0.9, 0.999)
    assert "${" not in str(cfg.condition)  # interpolations resolve inside the job


def test_paper_budget_matches_the_paper(compose_run, tmp_path):
    cfg = compose_run(["+experiment=fig3"], tmp_path)
    assert cfg.trainer.max_steps == 1_000_000
    assert (cfg.task.p, cfg.task.train_fraction, cfg.task.op) == (117, 0.2, "+")
    schedule = instantiate(cfg.rewarm.controller).schedule
    assert schedule.schedule.warmup_steps == 1000 and schedule.schedule.final_lr == 1e-4
    assert list(cfg.budget.offsets) == [0, 20_000, 100_000, 500_000]


@pytest.mark.parametrize(("group", "option"), [(g, o) for g, opts in GROUPS.items() for o in opts])
def test_every_group_option_composes(group, option, compose_run, tmp_path):
    cfg = compose_run([f"{group}={option}", "budget=smoke"], tmp_path)
    node = cfg[group]
    if group == "rewarm":
        assert isinstance(instantiate(node.controller), RewarmController)
    elif group == "projection":
        assert ("_target_" in node) == (option != "none")
    elif group == "logger":
        assert "csv" in node  # the CSV file is always written: figures read it
    else:
        assert node
