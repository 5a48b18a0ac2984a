"""Kumar et al. 2024 Fig. 6 (output scale alpha on MNIST and the 1-layer transformer) and Omnigrok
Figs. 11-12 (MNIST with cross-entropy): the centred output scale on classification models, the
LR power, the configs' paper values and panels, the summary, and the smoke sweeps end to end."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
from omegaconf import OmegaConf

from grokrewarm.analysis.lazy_rich import SPECS, summarize_lazy
from grokrewarm.analysis.runs import load_runs
from grokrewarm.compose import sweeper_config
from grokrewarm.method.laziness import CenteredOutputScale, lazy_learning_rate
from grokrewarm.training.run import build


def _panels(experiment: str, budget: str) -> dict:
    return sweeper_config([f"+experiment={experiment}", f"budget={budget}"])["panels"]


def test_lr_power_sets_the_exponent_of_the_rescaling():
    assert lazy_learning_rate(1e-3, 0.5, 1.0) == pytest.approx(2e-3)
    assert lazy_learning_rate(1e-3, 0.5, 0.0) == 1e-3
    assert lazy_learning_rate(1e-3, 0.5) == pytest.approx(4e-3)  # Kumar's 1/alpha^2
    model = CenteredOutputScale(torch.nn.Linear(3, 2), 2.0)
    assert model.lr_power == 2.0
    with pytest.raises(ValueError, match="lr_power"):
        CenteredOutputScale(torch.nn.Linear(3, 2), 2.0, lr_power=-1.0)


@pytest.mark.parametrize(("power", "lr0"), [(0.0, 1e-3), (1.0, 4e-3), (2.0, 16e-3)])
def test_controller_lr_follows_the_configured_power(power, lr0, compose_run, tmp_path):
    cfg = compose_run(
        [
            "+experiment=kumar_fig6",
            "budget=smoke",
            "model.norm=none",
            "rewarm.lr=1e-3",
            "output_scale.alpha=0.25",
            f"output_scale.lr_power={power}",
        ],
        tmp_path,
    )
    _, module = build(cfg, tmp_path)
    assert module.controller.lr(0) == pytest.approx(lr0)


def test_centered_transformer_trains_cross_entropy_on_zero_logits(compose_run, tmp_path):
    """alpha (f - f0) is 0 at init: the loss is exactly ln p, every argmax is class 0, so the
    logged accuracy is the share of answers equal to 0; one AdamW step moves the logits."""
    cfg = compose_run(
        ["+experiment=kumar_fig6", "budget=smoke", "model.norm=none", "output_scale.alpha=4.0"],
        tmp_path,
    )
    _, module = build(cfg, tmp_path)
    model, task = module.model, module.task
    assert isinstance(model, CenteredOutputScale)
    assert type(model.model).__name__ == "GrokTransformer"
    assert not any("norm" in name for name, _ in model.model.named_parameters())  # norm=none
    p = cfg.task.p
    x, y = task.train_batch(0)
    logits = model(x)
    assert logits.shape == (len(x), p) and torch.equal(logits, torch.zeros_like(logits))
    assert module.loss(logits, y).item() == pytest.approx(math.log(p), rel=1e-6)
    row = module.evaluate()
    for split, (_, targets) in task.eval_splits().items():
        assert row[f"{split}/acc"].item() == pytest.approx((targets == 0).float().mean().item())
        assert row[f"{split}/loss"].item() == pytest.approx(math.log(p), rel=1e-6)
    optimizer = module.configure_optimizers()
    optimizer = getattr(optimizer, "optimizer", optimizer)
    for group in optimizer.param_groups:
        group["lr"] = 1e-3
    module.loss(model(x), y).backward()
    optimizer.step()
    assert model(x).abs().max() > 0  # f moved, f0 did not


def test_centered_mnist_mlp_with_cross_entropy_on_the_digits(compose_run, tmp_path):
    cfg = compose_run(
        [
            "+experiment=kumar_fig6",
            "budget=smoke",
            "task=mnist",
            "model=omnigrok_mlp",
            "task.loss=cross_entropy",
            "init_scale=8.0",
            "output_scale.alpha=1e-4",
        ],
        tmp_path,
    )
    _, module = build(cfg, tmp_path)
    assert type(module.model.model).__name__ == "OmnigrokMLP"
    x, y = module.task.train_batch(0)
    logits = module.model(x)
    assert torch.equal(logits, torch.zeros_like(logits))
    assert module.loss(logits, y).item() == pytest.approx(math.log(10), rel=1e-6)
    # the init scale multiplies the live model and f0 alike: f - f0 stays 0
    bare = module.model.model(x)
    assert bare.abs().max() > 0


def test_kumar_fig6_paper_panels(compose_run, tmp_path):
    cfg = compose_run(["+experiment=kumar_fig6"], tmp_path)  # the single run: the transformer
    # the authors' code for 6b: 40% of the pairs, AdamW 6e-6 / alpha^2, 200k full-batch steps
    assert (cfg.task.p, cfg.task.train_fraction, cfg.task.batch_size) == (113, 0.4, None)
    assert cfg.optimizer.factory._target_ == "torch.optim.AdamW"
    assert cfg.optimizer.weight_decay == 1.0 and cfg.rewarm.lr == 6e-6
    assert cfg.trainer.max_steps == 200_000 and cfg.output_scale.lr_power == 0.0  # MNIST's
    panels = _panels("kumar_fig6", "paper")
    transformer, mnist = panels["transformer"], panels["mnist"]
    assert transformer["setting"] == "nanda" and transformer["output_scale.lr_power"] == 2.0
    assert 0.15 in transformer["output_scale.alpha"]
    assert (mnist["task"], mnist["model"], mnist["task.n_train"]) == ("mnist", "omnigrok_mlp", 1000)
    assert (mnist["init_scale"], mnist["optimizer.weight_decay"], mnist["rewarm.lr"]) == (
        8.0,
        0.01,
        1e-3,
    )
    assert min(mnist["output_scale.alpha"]) == 1e-4 and mnist["budget.steps"] == 100_000
    quick = _panels("kumar_fig6", "quick")["transformer"]
    assert quick["output_scale.alpha"] == [0.15, 0.5, 1.0, 4.0]


@pytest.mark.parametrize(("budget", "dataset"), [("paper", "mnist"), ("quick", "mnist5k")])
def test_omnigrok_cross_entropy_configs(budget, dataset, compose_run, tmp_path):
    fig11 = compose_run(["+experiment=omnigrok_fig11", f"budget={budget}"], tmp_path)
    assert fig11.task.loss == "cross_entropy" and fig11.task.dataset == dataset
    assert fig11.projection.scope == "global" and fig11.optimizer.weight_decay == 0.0
    assert fig11.rewarm.lr == 1e-3 and fig11.task.batch_size == 200
    fig12 = compose_run(["+experiment=omnigrok_fig12", f"budget={budget}"], tmp_path)
    assert fig12.task.loss == "cross_entropy" and fig12.task.dataset == dataset
    assert (fig12.init_scale, fig12.optimizer.weight_decay, fig12.task.n_train) == (
        100.0,
        0.01,
        1000,
    )
    assert "_target_" not in fig12.projection
    assert _panels("omnigrok_fig12", budget)["dynamics"]["init_scale"] == [1.0, 100.0]
    landscape = _panels("omnigrok_fig11", budget)["landscape"]
    assert max(landscape["init_scale"]) > 50  # CE's Goldilocks zone reaches further out


def test_omnigrok_cross_entropy_smoke_uses_the_digits(compose_run, tmp_path):
    for experiment in ("omnigrok_fig11", "omnigrok_fig12"):
        cfg = compose_run([f"+experiment={experiment}", "budget=smoke"], tmp_path)
        assert cfg.task.dataset == "digits" and cfg.task.loss == "cross_entropy"


STEPS = np.arange(0, 1001, 100)


def _write_run(folder, panel: str, alpha: float, train_at: float, test_at: float, test_top):
    folder.mkdir(parents=True)
    config = {
        "seed": 0,
        "panel": panel,
        "condition": f"{panel}_alpha{alpha}",
        "init_scale": 8.0 if panel == "mnist" else 1.0,
        "output_scale": {"alpha": alpha},
        "optimizer": {"weight_decay": 1.0},
        "task": {},
        "budget": {"name": "test"},
    }
    OmegaConf.save(OmegaConf.create(config), folder / "config.yaml")
    metrics = {
        "step": STEPS,
        "train/acc": np.where(train_at <= STEPS, 1.0, 0.1),
        "test/acc": np.where(test_at <= STEPS, test_top, 0.1),
        "train/loss": np.ones(len(STEPS)),
        "test/loss": np.ones(len(STEPS)),
        "param_norm": np.linspace(10, 20, len(STEPS)),
        "relative_param_change": np.linspace(0, 0.5, len(STEPS)),
    }
    pd.DataFrame(metrics).to_csv(folder / "metrics.csv", index=False)


def test_kumar_fig6_summary_times_to_grok_per_panel(tmp_path):
    # transformer (threshold 0.95): alpha 4 groks at 800 after fitting at 100; alpha 0.15
    # generalizes with the fit; MNIST (threshold 0.8): 0.85 at 600 after the fit at 200
    _write_run(tmp_path / "a", "transformer", 4.0, 100, 800, 1.0)
    _write_run(tmp_path / "b", "transformer", 0.15, 200, 200, 0.99)
    _write_run(tmp_path / "c", "mnist", 1.0, 200, 600, 0.85)
    _write_run(tmp_path / "d", "mnist", 1e-4, 200, math.inf, 0.85)  # never generalizes
    table = summarize_lazy(load_runs(tmp_path), SPECS["kumar_fig6"], tmp_path / "s.csv")
    table = table.set_index("condition")
    assert table.loc["transformer_alpha4.0", "time_to_grok"] == 700
    assert table.loc["transformer_alpha0.15", "time_to_grok"] == 0
    assert table.loc["mnist_alpha1.0", "time_to_grok"] == 400
    assert table.loc["mnist_alpha1.0", "threshold"] == 0.8
    assert table.loc["transformer_alpha4.0", "threshold"] == 0.95
    assert pd.isna(table.loc["mnist_alpha0.0001", "time_to_grok"])
    assert table.loc["mnist_alpha0.0001", "alpha"] == 1e-4
    assert table.loc["mnist_alpha1.0", "relative_param_change_end"] == 0.5
