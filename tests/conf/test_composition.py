"""Every experiment composes at every budget, and its objects build from the config."""

import pytest
import torch
from hydra.utils import instantiate

from grokrewarm.compose import sweeper_config
from grokrewarm.domains.lazy_rich.eigenvector_labels import make_eigenvector_data
from grokrewarm.domains.lazy_rich.polynomial import committee_machine
from grokrewarm.method.laziness import lazy_learning_rate
from grokrewarm.method.param_groups import decay_param_groups
from grokrewarm.method.projection import NormProjection
from grokrewarm.method.rewarm import RewarmController
from grokrewarm.training.laziness import apply_laziness

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
    "launcher": ["local", "parallel", "submitit_local", "slurm"],
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


@pytest.mark.parametrize("weight_decay", [0.0, 0.1, 1.0])
def test_fig8_weight_decay_also_decays_the_layernorm_gains(weight_decay, compose_run, tmp_path):
    overrides = ["+experiment=fig8", "budget=smoke", f"optimizer.weight_decay={weight_decay}"]
    cfg = compose_run(overrides, tmp_path)
    task = instantiate(cfg.task)
    model = instantiate(cfg.model, **task.model_kwargs())
    groups = decay_param_groups(model, cfg.optimizer.weight_decay, cfg.optimizer.scale_decay)
    decays = {group["name"]: group["weight_decay"] for group in groups}
    assert decays == {"weights": weight_decay, "norm_scales": weight_decay}


@pytest.mark.parametrize("budget", BUDGETS)
def test_nanda_baseline_is_the_published_setup(budget, compose_run, tmp_path):
    cfg = compose_run(["+experiment=nanda_baseline", f"budget={budget}"], tmp_path)
    task = instantiate(cfg.task)
    assert (task.p, len(task.train_labels), task.batch_size) == (113, round(0.3 * 113**2), 3831)
    assert task.loss_dtype == torch.float64
    model = instantiate(cfg.model, **task.model_kwargs())
    assert model.mlp_out.weight.std().item() == pytest.approx(128**-0.5, rel=0.05)  # Nanda's init
    optimizer = instantiate(cfg.optimizer.factory)(model.parameters(), weight_decay=1.0)
    assert isinstance(optimizer, torch.optim.AdamW)
    assert optimizer.defaults["betas"] == (0.9, 0.98)
    assert instantiate(cfg.rewarm.controller).lr(5000) == 1e-3
    assert cfg.optimizer.weight_decay == 1.0
    assert cfg.trainer.max_steps == {"paper": 40000, "quick": 13000, "smoke": 40}[budget]
    assert cfg.condition == "nanda_init_loss_float64"


def _nanda_setting_overrides(experiment: str) -> list[str]:
    """kumar_fig6's transformer panel (its overrides, as the union sweeper applies them), or
    kumar_fig12 as it is."""
    base = [f"+experiment={experiment}", "budget=quick", "output_scale.alpha=1.0"]
    if experiment != "kumar_fig6":
        return base
    panel = sweeper_config(base)["panels"]["transformer"]
    return base + [f"{k}={v}" for k, v in panel.items() if k != "output_scale.alpha"]


@pytest.mark.parametrize("experiment", ["kumar_fig6", "kumar_fig12"])
def test_kumar_transformer_runs_are_nandas_setting(experiment, compose_run, tmp_path):
    # Section 6 and App. 13 use Nanda et al.'s setting: their init, betas and float64 loss, as
    # the anchor (nanda_baseline)
    cfg = compose_run(_nanda_setting_overrides(experiment), tmp_path)
    task = instantiate(cfg.task)
    assert task.loss_dtype == torch.float64
    model = instantiate(cfg.model, **task.model_kwargs())
    assert model.mlp_out.weight.std().item() == pytest.approx(128**-0.5, rel=0.05)  # Nanda's init
    optimizer = instantiate(cfg.optimizer.factory)(model.parameters(), weight_decay=1.0)
    assert optimizer.defaults["betas"] == (0.9, 0.98)
    assert cfg.model.norm == "none"
    # AdamW's LR by 1/alpha^2, as the authors' code for both figures does
    assert cfg.output_scale.lr_power == 2.0


def test_kumar_fig12_grid_is_the_papers_alpha_and_adamw_decay(compose_run, tmp_path):
    for budget in ("paper", "quick"):
        cfg = compose_run(["+experiment=kumar_fig12", f"budget={budget}"], tmp_path)
        assert list(cfg.budget.alphas) == [0.5, 1.4]
        assert list(cfg.budget.weight_decays) == [1.0, 5.0]  # Fig. 12's wd = 1, 5
    cfg = compose_run(
        ["+experiment=kumar_fig12", "output_scale.alpha=1.4", "optimizer.weight_decay=5.0"],
        tmp_path,
    )
    assert cfg.condition == "alpha1.4_wd5.0" and cfg.task.p == 113
    # the authors' code: 40% of the pairs, 200k steps, AdamW at 6e-6 / alpha^2 (so its decoupled
    # decay per step, lr x wd, is 6e-6 x 5 / 1.96 here)
    assert cfg.task.train_fraction == 0.4 and cfg.trainer.max_steps == 200_000
    lr = lazy_learning_rate(cfg.rewarm.lr, cfg.output_scale.alpha, cfg.output_scale.lr_power)
    assert lr == pytest.approx(6e-6 / 1.4**2)
    quick = compose_run(["+experiment=kumar_fig12", "budget=quick"], tmp_path)
    assert quick.rewarm.lr * quick.trainer.max_steps == pytest.approx(6e-6 * 200_000)


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("experiment", WARM_START)
def test_warm_start_experiment_composes_with_its_budget(experiment, budget, compose_run, tmp_path):
    cfg = compose_run([f"+experiment={experiment}", f"budget={budget}"], tmp_path)
    vision = cfg.budget  # conf/domain/warm_start.yaml's `budgets:`
    assert cfg.task.switch_step == vision.phase_steps
    assert cfg.trainer.max_steps == vision.steps == 2 * vision.phase_steps  # 70 + 70 epochs
    assert cfg.metrics.every_n_steps == vision.metrics_every
    assert cfg.task.dataset == vision.datasets.warm_start
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
    assert list(cfg.budget.fractions) == [0.1, 0.5, 1.0]
    assert list(cfg.budget.seeds) == [0, 1, 2, 3, 4]
    controller = instantiate(cfg.rewarm.controller)
    assert controller.trigger.steps == (cfg.task.switch_step,)  # re-warm when data is added
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


ATARI = ["fig6", "fig7", "fig10", "fig11", "fig12"]


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("experiment", ATARI)
def test_atari_experiment_composes_and_builds(experiment, budget, compose_run, tmp_path):
    from grokrewarm.domains.atari.networks import AtariNetwork

    cfg = compose_run([f"+experiment={experiment}", f"budget={budget}"], tmp_path)
    assert cfg.runner == "grokrewarm.domains.atari.train.train"
    assert cfg.optimizer.factory.eps == 1.5e-4 and cfg.rewarm.lr == 6.25e-5
    assert isinstance(instantiate(cfg.agent.network, num_actions=4), AtariNetwork)
    assert instantiate(cfg.rewarm.controller).lr(0) > 0
    assert cfg.budget.atari.learning_starts < cfg.budget.atari.frames
    assert cfg.env.game in cfg.env.game_lists.atari57
    assert "${" not in str(cfg.condition)


@pytest.mark.parametrize(
    ("overrides", "check"),
    [
        (["agent=dqn"], lambda c: c.agent.n_step == 1 and c.agent.priority_alpha == 0),
        (["agent=rainbow"], lambda c: c.agent.network.atoms == 51 and c.agent.n_step == 3),
        # on Atari every schedule's floor is the domain's min_lr unless set (Fig. 11 sets 1e-7)
        (["rewarm=early_stopped_at"], lambda c: c.rewarm.final_lr == c.rewarm.min_lr == 1e-6),
        (["rewarm=fixed"], lambda c: c.rewarm.controller.schedule.final_lr == 1e-6),
        (["env=ale"], lambda c: c.env.repeat_action_probability == 0.0),
    ],
)
def test_atari_group_options_compose(overrides, check, compose_run, tmp_path):
    cfg = compose_run(["+experiment=fig7", "budget=smoke", *overrides], tmp_path)
    assert check(cfg)


def _sweep_size(experiment: str, budget: str) -> int:
    """Jobs the union sweeper would launch: per panel, the product of its swept values and the
    shared params."""
    sweeper = sweeper_config([f"+experiment={experiment}", f"budget={budget}"])

    def size(grid: dict) -> int:
        n = 1
        for value in grid.values():
            n *= len(value) if isinstance(value, list) else 1
        return n

    return size(sweeper["params"]) * sum(size(p) for p in sweeper["panels"].values())


@pytest.mark.parametrize(
    ("experiment", "paper", "quick"),
    [
        ("fig6", (4 * 57 + 3 * 20) * 3, 7),
        ("fig7", 4 * 2 * 20 * 3, 8),
        ("fig10", 4 * 20 * 3, 4),
        ("fig11", 5 * 57 * 3, 5),
        ("fig12", 4 * 57 * 3, 4),
    ],
)
def test_atari_sweeps_are_one_job_per_game_seed_and_variant(experiment, paper, quick):
    assert _sweep_size(experiment, "paper") == paper
    assert _sweep_size(experiment, "quick") == quick


LAZY_RICH = [
    "kumar_fig1",
    "kumar_fig8",
    "kumar_fig7",
    "kumar_fig9",
    "kumar_fig12",
    "kumar_fig14",
    "kumar_fig2",
    "kumar_fig3",
    "kumar_fig4",
    "kumar_fig5",
    "omnigrok_fig2",
    "omnigrok_fig3",
    "omnigrok_fig7",
    "omnigrok_fig5",
    "kumar_fig6",
    "omnigrok_fig11",
    "omnigrok_fig12",
]
# experiment -> (task class, model class, optimizer, LR at step 0 for the default alpha)
LAZY_RICH_BUILDS = {
    "kumar_fig1": ("PolynomialTask", "CommitteeMachine", "SGD"),
    "kumar_fig8": ("TeacherStudentTask", "Sequential", "AdamW"),
    "kumar_fig7": ("PolynomialTask", "CommitteeMachine", "SGD"),
    "kumar_fig9": ("PolynomialTask", "CommitteeMachine", "SGD"),
    "kumar_fig12": ("ModularArithmeticTask", "GrokTransformer", "AdamW"),
    "kumar_fig14": ("PolynomialTask", "CommitteeMachine", "SGD"),
    "kumar_fig2": ("ModularAdditionMLPTask", "ModularAdditionMLP", "SGD"),
    "kumar_fig3": ("PolynomialTask", "CommitteeMachine", "SGD"),
    "kumar_fig4": ("PolynomialTask", "CommitteeMachine", "SGD"),
    "kumar_fig5": ("EigenvectorLabelTask", "CommitteeMachine", "SGD"),
    "omnigrok_fig2": ("TeacherStudentTask", "Sequential", "AdamW"),
    "omnigrok_fig7": ("ModularArithmeticTask", "GrokTransformer", "AdamW"),
    "omnigrok_fig3": ("MnistTask", "OmnigrokMLP", "AdamW"),  # smoke: offline 8x8 digits
    "omnigrok_fig5": ("Qm9Task", "Qm9GNN", "AdamW"),  # smoke: generated molecules, offline
    "kumar_fig6": ("ModularArithmeticTask", "GrokTransformer", "AdamW"),  # the single run
    "omnigrok_fig11": ("MnistTask", "OmnigrokMLP", "AdamW"),  # smoke: offline 8x8 digits
    "omnigrok_fig12": ("MnistTask", "OmnigrokMLP", "AdamW"),  # smoke: offline 8x8 digits
}
# Kumar experiments that copy AdamW settings (Figs. 6 and 12: Omnigrok's MNIST, Nanda's transformer)
KUMAR_ADAMW = {"kumar_fig6", "kumar_fig8", "kumar_fig12"}


def test_the_lazy_rich_figures_are_experiments(experiments):
    assert set(LAZY_RICH) <= set(experiments)


@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("experiment", LAZY_RICH)
def test_lazy_rich_experiment_composes_with_its_budget(experiment, budget, compose_run, tmp_path):
    cfg = compose_run([f"+experiment={experiment}", f"budget={budget}"], tmp_path)
    assert cfg.experiment == experiment and cfg.budget.name == budget
    assert cfg.metrics._target_.endswith("LazinessMetricsCallback")
    assert cfg.trainer.max_steps == cfg.budget.steps > 0
    assert cfg.metrics.every_n_steps <= cfg.budget.steps
    assert len(cfg.budget.seeds) == (3 if budget == "paper" else 1)
    assert "${" not in str(cfg.condition)
    if experiment in KUMAR_ADAMW:  # AdamW, an output scale (kumar_fig8: uncentred)
        assert cfg.optimizer.factory._target_ == "torch.optim.AdamW"
        assert cfg.output_scale._target_.endswith("OutputScale")
    elif experiment.startswith("kumar"):  # vanilla GD, centred output scale
        assert cfg.optimizer.factory._target_ == "torch.optim.SGD"
        assert cfg.optimizer.factory.momentum == 0.0 and cfg.optimizer.weight_decay == 0.0
        assert cfg.output_scale._target_.endswith("CenteredOutputScale")
    else:
        assert cfg.optimizer.factory._target_ == "torch.optim.AdamW"
        assert "_target_" not in cfg.output_scale


@pytest.mark.parametrize("experiment", sorted(LAZY_RICH_BUILDS))
def test_lazy_rich_experiment_builds_its_task_model_and_optimizer(
    experiment, compose_run, tmp_path
):
    from grokrewarm.method.laziness import OutputScale
    from grokrewarm.training.run import build

    cfg = compose_run([f"+experiment={experiment}", "budget=smoke"], tmp_path)
    _, module = build(cfg, tmp_path)
    task_class, model_class, optimizer = LAZY_RICH_BUILDS[experiment]
    model = module.model
    inner = model.model if isinstance(model, OutputScale) else model
    assert type(module.task).__name__ == task_class
    assert type(inner).__name__ == model_class
    assert type(module.configure_optimizers()).__name__ == optimizer
    x, y = module.task.train_batch(0)
    assert torch.isfinite(module.loss(model(x), y))


def test_kumar_fig8_is_omnigrok_teacher_student_at_lr_over_alpha(compose_run, tmp_path):
    from grokrewarm.training.run import build

    cfg = compose_run(["+experiment=kumar_fig8", "output_scale.alpha=10"], tmp_path)
    assert (cfg.init_scale, cfg.task.threshold, cfg.optimizer.weight_decay) == (2.0, 1e-3, 0.05)
    assert cfg.task.error == "mse"  # the authors' per-example mean squared error
    assert (cfg.task.n_train, cfg.task.n_test, cfg.trainer.max_steps) == (100, 100, 100_000)
    _, module = build(cfg, tmp_path)
    assert module.controller.lr(0) == pytest.approx(3e-5)  # Adam: 3e-4 / alpha
    x, _ = module.task.train_batch(0)
    # uncentred: alpha = 10 times the x2 student's own initial function
    assert torch.allclose(module.model(x), 10 * module.model.model(x))
    assert module.model(x).abs().max() > 0


def test_paper_budgets_match_the_papers(compose_run, tmp_path):
    fig3 = compose_run(["+experiment=kumar_fig3"], tmp_path)
    assert (fig3.task.dim, fig3.task.n_train, fig3.model.width, fig3.model.eps) == (
        100,
        550,
        500,
        0.02,
    )
    assert fig3.trainer.max_steps == 100_000 and fig3.rewarm.lr == 500.0  # eta = N / alpha^2
    fig5 = compose_run(["+experiment=kumar_fig5"], tmp_path)
    assert list(fig5.budget.js) == [1, 70, 100]
    assert (fig5.task.n_train, fig5.task.width, fig5.task.eps) == (100, 2, 0.25)
    fig2 = compose_run(["+experiment=kumar_fig2"], tmp_path)
    assert (fig2.task.p, fig2.task.train_fraction, fig2.model.width, fig2.rewarm.lr) == (
        23,
        0.9,
        100,
        100.0,
    )
    teacher = compose_run(["+experiment=omnigrok_fig2"], tmp_path)
    assert teacher.rewarm.lr == 3e-4 and teacher.trainer.max_steps == 100_000
    assert (teacher.task.error, teacher.task.threshold) == ("mse", 1e-3)  # the authors' notebook
    mnist = compose_run(["+experiment=omnigrok_fig3"], tmp_path)
    assert (mnist.task.n_train, mnist.task.batch_size, mnist.init_scale) == (1000, 200, 8.0)
    assert mnist.optimizer.weight_decay == 0.01 and mnist.rewarm.lr == 1e-3
    assert mnist.task.dataset == "mnist" and mnist.task.download is False
    fig7 = compose_run(["+experiment=omnigrok_fig7"], tmp_path)
    assert (fig7.task.p, fig7.task.train_fraction, fig7.model.norm) == (113, 0.3, "none")
    assert fig7.optimizer.weight_decay == 1.0 and fig7.rewarm.lr == 1e-3


@pytest.mark.parametrize(
    ("experiment", "paper", "quick"),
    [
        ("kumar_fig3", 3 * (5 + 4), 4 + 2),
        ("kumar_fig4", 3, 1),
        ("kumar_fig5", 3 * 3, 3),
        ("kumar_fig2", 3 * 4, 3),
        ("omnigrok_fig2", 3 * (2 * 3 + 8), 2 * 3 + 4),
        ("omnigrok_fig3", 3 * (2 + 6 * 3), 2 + 3 * 2),
        ("omnigrok_fig7", 3 * 2, 2),
        ("kumar_fig1", 3, 1),
        ("kumar_fig8", 3 * 5, 3),
        ("kumar_fig7", 3 * 3 * 3, 2 * 2),
        ("kumar_fig9", 3 * 3, 3),
        ("kumar_fig12", 3 * 2 * 2, 2 * 2),
        ("kumar_fig14", 3 * 3, 1),
        ("omnigrok_fig5", 3 * (2 + 8 * 2), 2 + 2),
        ("omnigrok_fig4", 3 * (1 + 1 + 8 * 2), 1 + 1 + 3 * 2),
        ("omnigrok_fig9", 3 * 7 * 6, 5 * 2),
        ("omnigrok_fig10", 3 * (6 + 5), 4 + 3),
        ("omnigrok_landscape", 3 * 8 * 4, 6 * 3),
        ("kumar_fig6", 3 * (5 + 5), 3 + 4),
        ("omnigrok_fig11", 3 * 10 * 3, 4 * 2),
        ("omnigrok_fig12", 3 * 2, 2),
    ],
)
def test_lazy_rich_sweep_sizes(experiment, paper, quick):
    def jobs(budget: str) -> int:  # an experiment without panels is one panel ("main")
        return _sweep_size(experiment, budget) or _sweep_size_without_panels(experiment, budget)

    assert jobs("paper") == paper
    assert jobs("quick") == quick


def _sweep_size_without_panels(experiment: str, budget: str) -> int:
    params = sweeper_config([f"+experiment={experiment}", f"budget={budget}"])["params"]
    n = 1
    for value in params.values():
        n *= len(value) if isinstance(value, list) else 1
    return n


@pytest.mark.parametrize(
    ("overrides", "check"),
    [
        (["output_scale=none"], lambda c: "_target_" not in c.output_scale),
        (["output_scale=centered"], lambda c: c.output_scale.alpha == 1.0),
        (["output_scale=uncentered"], lambda c: c.output_scale._target_.endswith(".OutputScale")),
        (["optimizer=sgd"], lambda c: c.optimizer.factory.momentum == 0.0),
        (["metrics=lazy"], lambda c: c.metrics.alignment_size == 100),
        (["init_scale=8.0", "projection=sphere"], lambda c: c.projection.scope == "global"),
        (["task=polynomial", "model=committee_machine"], lambda c: c.model.hermite_degree is None),
        (
            ["task=polynomial", "task.hermite_degree=3", "model=committee_machine"],
            lambda c: c.model.hermite_degree == 3,
        ),
        (["task=mnist", "model=omnigrok_mlp"], lambda c: c.task.dataset == "digits"),
        (["task=mnist", "budget=quick"], lambda c: c.task.dataset == "mnist5k"),
        (["task=mnist", "budget=paper"], lambda c: c.task.dataset == "mnist"),
    ],
)
def test_lazy_rich_group_options_compose(overrides, check, compose_run, tmp_path):
    cfg = compose_run(["budget=smoke", *overrides], tmp_path)
    assert check(cfg)


def test_kumar_fig5_run_follows_the_authors_alpha_1_run_step_for_step(compose_run, tmp_path):
    # The authors' code: unit-norm labels, loss mean((f - f0 - y)^2), GD at eta = 1. kumar_fig5
    # scales the labels by c = sqrt(200) and sets alpha = c, eta_0 = 1 (the LR 1 / c^2 on c^2
    # times the loss), which must be the same weights at every step.
    cfg = compose_run(["+experiment=kumar_fig5", "budget=quick", "task.j=70"], tmp_path)
    task = instantiate(cfg.task)
    assert task.j == 70 and cfg.task.subtract_mean
    controller = instantiate(cfg.rewarm.controller)
    model = apply_laziness(
        instantiate(cfg.model, **task.model_kwargs()), controller, 1.0, cfg.output_scale
    )
    authors = committee_machine(
        **task.model_kwargs() | {"initial_weight": task.initial_weight.clone()}
    )
    initial = authors(task.x_train).detach()
    c = 200**0.5
    unit_labels = task.y_train / c
    reference = make_eigenvector_data(70, subtract_mean=True, seed=cfg.seed)
    assert torch.allclose(unit_labels, reference.y_train, atol=1e-6)  # the authors' labels
    ours = torch.optim.SGD(model.parameters(), lr=controller.lr(0))
    theirs = torch.optim.SGD(authors.parameters(), lr=1.0)
    for _ in range(3):
        loss = task.loss(model(task.x_train), task.y_train)
        their_loss = (authors(task.x_train) - initial - unit_labels).square().mean()
        assert loss.item() == pytest.approx(200 * their_loss.item(), rel=1e-4)
        for optimizer, value in ((ours, loss), (theirs, their_loss)):
            optimizer.zero_grad()
            value.backward()
            optimizer.step()
    assert torch.allclose(model.model.weight, authors.weight, atol=1e-5)
    assert not torch.allclose(authors.weight, reference.model.weight, atol=1e-3)  # it moved


def test_setting_group_applies_nandas_setting_over_the_groups_defaults(compose_run, tmp_path):
    default = compose_run([], tmp_path)
    assert default.optimizer.factory.betas == [0.9, 0.999]
    assert (default.task.loss_dtype, default.model.init) != ("float64", "nanda")
    nanda = compose_run(["setting=nanda"], tmp_path)
    assert nanda.optimizer.factory.betas == [0.9, 0.98]
    assert (nanda.task.loss_dtype, nanda.model.init, nanda.model.norm) == (
        "float64",
        "nanda",
        "none",
    )
    # everything else is the groups' own
    set_here = {("task", "loss_dtype"), ("model", "init"), ("model", "norm")}
    set_here |= {("optimizer", "factory")}  # its betas; eps below
    for key in ("task", "model", "optimizer"):
        for name, value in default[key].items():
            assert (key, name) in set_here or nanda[key][name] == value, f"{key}.{name}"
    assert nanda.optimizer.factory.eps == default.optimizer.factory.eps
