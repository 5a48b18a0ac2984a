"""Every experiment composes at every budget, and its objects build from the config."""

import pytest
import torch
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


GROKKING = ["fig2", "fig3", "fig8"]
WARM_START = ["fig4", "fig5", "fig9", "fig13"]


def test_the_grokking_and_warm_start_figures_are_experiments(experiments):
    assert set(GROKKING + WARM_START) <= set(experiments)


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("experiment", GROKKING)
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


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("experiment", WARM_START)
def test_warm_start_experiment_composes_with_its_budget(experiment, budget, compose_run, tmp_path):
    cfg = compose_run([f"+experiment={experiment}", f"budget={budget}"], tmp_path)
    vision = cfg.budget.vision
    assert cfg.task.switch_step == vision.phase_steps
    assert cfg.trainer.max_steps == vision.steps == 2 * vision.phase_steps  # 70 + 70 epochs
    assert cfg.metrics.every_n_steps == vision.metrics_every
    assert cfg.task.dataset == vision.dataset
    assert cfg.model._target_.endswith("ConvNet")
    assert cfg.optimizer.factory._target_ == "torch.optim.Adam"
    assert cfg.optimizer.weight_decay == 0.0
    assert instantiate(cfg.rewarm.controller).lr(0) > 0
    assert cfg.condition.endswith(f"_f{cfg.task.initial_fraction}")
    assert "${" not in str(cfg.condition)


def test_paper_warm_start_budget(compose_run, tmp_path):
    cfg = compose_run(["+experiment=fig4"], tmp_path)
    assert cfg.task.dataset == "cifar10"
    assert cfg.task.switch_step == 70 * (50_000 // cfg.task.batch_size)  # 70 epochs
    assert list(cfg.budget.vision.fractions) == [0.1, 0.5, 1.0]
    assert list(cfg.budget.seeds) == [0, 1, 2, 3, 4]
    controller = instantiate(cfg.rewarm.controller)
    assert controller.trigger.steps == {cfg.task.switch_step}  # re-warm when data is added
    fig9 = compose_run(["+experiment=fig9"], tmp_path)
    period = instantiate(fig9.rewarm.controller).schedule.period
    assert fig9.trainer.max_steps == 5 * period  # 5 re-warms over training
    assert fig9.task.switch_step == 2.5 * period  # the data arrives mid cycle 3


@pytest.mark.parametrize("model", ["convnet", "resnet18"])
def test_vision_models_build_from_the_warm_start_task(model, compose_run, tmp_path):
    cfg = compose_run(["+experiment=fig4", "budget=smoke", f"model={model}"], tmp_path)
    net = instantiate(cfg.model, num_classes=10)
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    assert not any(name.endswith("bias") for name, _ in net.named_parameters())


@pytest.mark.parametrize("option", ["none", "shrink_perturb"])
def test_intervention_options_compose(option, compose_run, tmp_path):
    cfg = compose_run(["+experiment=fig4", "budget=smoke", f"intervention={option}"], tmp_path)
    if option == "none":
        assert "_target_" not in cfg.intervention
    else:
        intervention = instantiate(cfg.intervention)
        assert intervention.steps == {cfg.task.switch_step}
        assert (intervention.shrink, intervention.perturb) == (0.4, 0.1)  # Ash & Adams


@pytest.mark.parametrize(
    "option", ["none", "constant", "fast_features", "slow_features", "even_ratio_abs"]
)
def test_layer_lr_options_compose(option, compose_run, tmp_path):
    cfg = compose_run([f"layer_lr={option}", "budget=smoke"], tmp_path)
    assert cfg.layer_lr.rule == (None if option == "none" else option)
    assert cfg.layer_lr.refresh_every >= 1


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
