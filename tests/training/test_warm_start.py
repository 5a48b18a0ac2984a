"""The warm-start protocol end to end in the Lightning module: the re-warm and Shrink & Perturb at
the data addition, and the learning rate each per-layer rule gives each layer."""

import copy

import lightning as L
import pytest
import torch

from grokrewarm.method.interventions import ShrinkAndPerturbAt
from grokrewarm.training.run import build, train

SWITCH = 20  # the smoke budget's vision.phase_steps
WARM_START = ["+experiment=fig4", "budget=smoke", "trainer.enable_progress_bar=false"]


class ParamsAtSteps(L.Callback):
    """Copies of the model's parameters after given optimizer steps."""

    def __init__(self, steps):
        self.steps, self.params = set(steps), {}

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if trainer.global_step in self.steps:
            self.params[trainer.global_step] = copy.deepcopy(pl_module.model)


def test_rewarm_happens_when_the_data_is_added(compose_run, tmp_path):
    cfg = compose_run(WARM_START + ["metrics=eval_only"], tmp_path)
    trainer, module = build(cfg, tmp_path)
    trainer.fit(module)
    assert module.controller.rewarm_steps == [SWITCH]
    # the schedule restarted: the LR after the addition is back in its warmup
    assert module.controller.lr(SWITCH) < module.controller.lr(SWITCH + 5)


def test_shrink_and_perturb_acts_once_at_the_data_addition(compose_run, tmp_path):
    # an LR so small that Adam's steps (about lr per entry) are invisible next to S&P
    overrides = WARM_START + ["intervention=shrink_perturb", "projection=none"]
    overrides += ["rewarm=constant", "rewarm.lr=1e-12", "metrics=eval_only"]
    watch = ParamsAtSteps([SWITCH - 1, SWITCH, SWITCH + 1])
    train(compose_run(overrides, tmp_path), tmp_path, callbacks=[watch])
    before, after = watch.params[SWITCH], watch.params[SWITCH + 1]
    expected = copy.deepcopy(before)
    assert ShrinkAndPerturbAt([SWITCH], 0.4, 0.1, seed=0)(SWITCH, expected)
    for (name, p), q, e in zip(
        after.named_parameters(), before.parameters(), expected.parameters(), strict=True
    ):
        torch.testing.assert_close(p, e, atol=1e-9, rtol=0, msg=name)
        if name.endswith("weight") and p.ndim > 1:  # matrices shrink: 0.4 |w| plus small noise
            ratio = float(p.detach().norm() / q.detach().norm())
            assert 0.35 < ratio < 0.6, (name, ratio)
    for p, q in zip(watch.params[SWITCH - 1].parameters(), before.parameters(), strict=True):
        torch.testing.assert_close(p, q, atol=1e-9, rtol=0)  # nothing before the addition


@pytest.mark.parametrize("rule", ["constant", "fast_features", "slow_features", "even_ratio_abs"])
def test_each_layer_lr_rule_sets_its_group_learning_rates(rule, compose_run, tmp_path):
    cfg = compose_run(WARM_START + [f"layer_lr={rule}", "trainer.max_steps=3"], tmp_path)
    trainer, module = build(cfg, tmp_path)
    trainer.fit(module)
    groups = {g["name"]: g for g in module.optimizers().optimizer.param_groups}
    assert list(groups) == [
        "conv1", "norm1", "conv2", "norm2", "conv3", "norm3", "hidden", "head"
    ]  # fmt: skip
    base = module.controller.lr(2)  # the LR of the last step taken
    ratios = {name: group["lr"] / base for name, group in groups.items()}
    if rule == "constant":
        assert all(r == pytest.approx(1.0) for r in ratios.values())
    elif rule == "fast_features":
        assert ratios.pop("head") == pytest.approx(0.1)
        assert all(r == pytest.approx(1.0) for r in ratios.values())
    elif rule == "slow_features":
        assert ratios.pop("head") == pytest.approx(1.0)
        assert all(r == pytest.approx(0.1) for r in ratios.values())
    else:  # proportional to each layer's mean |parameter| at the last refresh (step 0)
        mean_abs = {
            name: torch.cat([p.detach().abs().flatten() for p in g["params"]]).double().mean()
            for name, g in groups.items()
        }
        assert ratios["norm1"] / ratios["conv1"] == pytest.approx(
            float(mean_abs["norm1"] / mean_abs["conv1"]), rel=0.05
        )
        assert sum(ratios.values()) / len(ratios) == pytest.approx(1.0)
