"""The laziness knobs composed from config (output scale, init scale, fixed norm) and the
lazy-vs-rich metrics callback, through the real training stack."""

import pandas as pd
import pytest
import torch

from grokrewarm.domains.lazy_rich.polynomial import committee_machine_ntk
from grokrewarm.method.laziness import CenteredOutputScale, OutputScale
from grokrewarm.method.rewarm import RewarmController
from grokrewarm.method.schedules import ConstantSchedule
from grokrewarm.training.laziness import LazinessMetricsCallback, ScaledSchedule
from grokrewarm.training.run import build, train

POLY = [
    "+experiment=kumar_fig4",
    "budget=smoke",
    "task.n_train=40",
    "task.n_test=30",
    "task.dim=10",
    "model.width=20",
    "rewarm.lr=20.0",  # eta_0 = N
    "trainer.enable_progress_bar=false",
]


def test_centered_output_scale_from_config(compose_run, tmp_path):
    cfg = compose_run([*POLY, "output_scale.alpha=4.0", "rewarm.lr=32.0"], tmp_path)
    trainer, module = build(cfg, tmp_path)
    model = module.model
    assert isinstance(model, CenteredOutputScale) and model.alpha == 4.0
    x, y = module.task.train_batch(0)
    assert torch.equal(model(x), torch.zeros(len(x)))  # zero at initialization
    assert module.controller.lr(0) == pytest.approx(32.0 / 16)  # eta_0 / alpha^2
    # the optimizer sees only the live model's parameters
    assert [p.data_ptr() for p in model.parameters()] == [model.model.weight.data_ptr()]
    # gradient of alpha (f - f0) is alpha times the unwrapped model's gradient (any theta)
    with torch.no_grad():
        model.model.weight.add_(0.1 * torch.randn_like(model.model.weight))
    (grad_wrapped,) = torch.autograd.grad(model(x).sum(), model.model.weight)
    (grad_inner,) = torch.autograd.grad(model.model(x).sum(), model.model.weight)
    assert torch.allclose(grad_wrapped, 4.0 * grad_inner, rtol=1e-5)


def test_uncentered_output_scale_from_config(compose_run, tmp_path):
    overrides = ["output_scale=uncentered", "output_scale.alpha=0.5", "rewarm.lr=10.0"]
    cfg = compose_run([*POLY, *overrides, "output_scale.lr_power=1"], tmp_path)
    _, module = build(cfg, tmp_path)
    model = module.model
    assert type(model) is OutputScale and model.alpha == 0.5
    x, _ = module.task.train_batch(0)
    assert torch.allclose(model(x), 0.5 * model.model(x))  # the initial function, halved
    assert module.controller.lr(0) == pytest.approx(10.0 / 0.5)  # eta_0 / alpha^lr_power


def test_no_output_scale_trains_the_bare_model_at_the_configured_lr(compose_run, tmp_path):
    cfg = compose_run([*POLY, "output_scale=none", "rewarm.lr=7.0"], tmp_path)
    _, module = build(cfg, tmp_path)
    assert not isinstance(module.model, CenteredOutputScale)
    assert module.controller.lr(0) == 7.0


def test_init_scale_and_fixed_norm_from_config(compose_run, tmp_path):
    base = compose_run([*POLY, "output_scale=none"], tmp_path)
    _, reference = build(base, tmp_path)
    overrides = [*POLY, "output_scale=none", "init_scale=3.0", "projection=sphere"]
    scaled_cfg = compose_run([*overrides, "projection.scale=0.5"], tmp_path)
    _, scaled = build(scaled_cfg, tmp_path)
    norm0 = torch.linalg.vector_norm(reference.model.weight.detach())
    norm = torch.linalg.vector_norm(scaled.model.weight.detach())
    assert norm.item() == pytest.approx(3.0 * norm0.item(), rel=1e-6)  # same seed, times 3
    scaled.projection.project()  # held at 0.5 x the scaled initial norm
    after = torch.linalg.vector_norm(scaled.model.weight.detach())
    assert after.item() == pytest.approx(1.5 * norm0.item(), rel=1e-5)


def test_scaled_schedule_multiplies_and_forwards():
    schedule = ScaledSchedule(ConstantSchedule(2.0), 0.25)
    assert schedule(10) == 0.5 and schedule.lr == 2.0
    assert RewarmController(schedule).lr(0) == 0.5


def test_metrics_row_has_the_lazy_metrics_with_values_by_hand(compose_run, tmp_path):
    run_dir = tmp_path / "run"
    cfg = compose_run([*POLY, "output_scale.alpha=2.0", "metrics.alignment_size=30"], run_dir)
    _, module = build(cfg, run_dir)
    machine = module.model.model
    x_test, y_test = module.task.x_test, module.task.y_test
    # K0 on the test points by Eq. 5 (closed form), times alpha^2 for the centred predictor
    kernel = 4.0 * committee_machine_ntk(machine, x_test)
    y = y_test - y_test.mean()
    centred = kernel - kernel.mean(0) - kernel.mean(1)[:, None] + kernel.mean()
    by_hand = (y @ kernel @ y) / (torch.linalg.matrix_norm(centred) * y.square().sum())
    train(cfg, run_dir)
    metrics = pd.read_csv(run_dir / "metrics.csv")
    first, last = metrics.iloc[0], metrics.iloc[-1]
    assert metrics["step"].tolist() == [0, 10, 20]
    assert first["ntk_alignment"] == pytest.approx(by_hand.item(), rel=1e-4)
    assert first["relative_param_change"] == 0.0 and last["relative_param_change"] > 0
    assert first["param_norm"] == pytest.approx(
        torch.linalg.vector_norm(machine.weight.detach()).item(), rel=1e-6
    )
    # Eq. 6 terms sum to their total; at init the centred predictor is 0, so the population
    # loss is <y^2> = 3/4 (|beta|^2 / D)^2
    terms = ["variance", "misalignment", "linear_power"]
    for _, row in metrics.iterrows():
        total = sum(row[f"decomposition/{t}"] for t in terms)
        assert row["decomposition/total"] == pytest.approx(total, rel=1e-5)
    beta = module.task.beta
    expected0 = 0.75 * (beta.square().sum() / beta.numel()).item() ** 2
    assert first["decomposition/total"] == pytest.approx(expected0, rel=1e-4)
    assert "train/acc" not in metrics  # scalar regression: loss only


def test_alignment_can_be_turned_off_and_is_validated():
    assert LazinessMetricsCallback(alignment_size=0)._alignment_batch(object()) is None
    with pytest.raises(ValueError, match="alignment_size"):
        LazinessMetricsCallback(alignment_size=-1)


def test_resumed_run_measures_change_against_the_original_initial_weights(compose_run, tmp_path):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    overrides = [*POLY, "metrics.alignment_size=0", "budget.checkpoint_every=10"]
    train(compose_run(overrides, straight), straight)
    train(compose_run([*overrides, "trainer.max_steps=10"], resumed), resumed)
    train(compose_run(overrides, resumed), resumed)
    a = pd.read_csv(straight / "metrics.csv")
    b = pd.read_csv(resumed / "metrics.csv")
    assert a["step"].tolist() == b["step"].tolist()
    for column in ("relative_param_change", "test/loss", "decomposition/total"):
        assert a[column].tolist() == pytest.approx(b[column].tolist(), rel=1e-6)


def test_omnigrok_mnist_experiment_trains_on_real_format_files(compose_run, tmp_path):
    from grokrewarm.domains.lazy_rich.mnist import write_mnist_format

    write_mnist_format(tmp_path / "data", n_train=120, n_test=40, seed=0)
    run_dir = tmp_path / "run"
    overrides = [
        "+experiment=omnigrok_fig3",
        "budget=smoke",
        "task.dataset=mnist",  # the smoke budget's default is the offline digits
        f"task.data_dir={tmp_path / 'data'}",
        "trainer.enable_progress_bar=false",
    ]
    cfg = compose_run(overrides, run_dir)
    _, module = build(cfg, run_dir)
    first = next(module.model.parameters())
    # init scale 8 on the default init: the first layer's bound is 8 / sqrt(784)
    assert first.abs().max().item() == pytest.approx(8 / 784**0.5, rel=0.01)
    train(cfg, run_dir)
    metrics = pd.read_csv(run_dir / "metrics.csv")
    assert metrics["step"].tolist() == [0, 10, 20]
    for column in ("train/acc", "test/acc", "ntk_alignment", "param_norm"):
        assert metrics[column].notna().all(), column
