import pytest
import torch

from grokrewarm.method.rewarm import RewarmController
from grokrewarm.method.schedules import WarmupCosineSchedule
from grokrewarm.method.triggers import FixedStepsTrigger

SCHEDULE = WarmupCosineSchedule(peak_lr=1e-2, total_steps=100, warmup_steps=10, final_lr=1e-4)


def test_rewarm_restarts_the_schedule():
    controller = RewarmController(SCHEDULE, FixedStepsTrigger(steps=[200]))
    assert controller.lr(150) == pytest.approx(1e-4)
    assert controller.observe(200) is True
    assert controller.rewarm_steps == [200]
    assert controller.lr(200) == pytest.approx(SCHEDULE(0))
    assert controller.lr(209) == pytest.approx(1e-2)


def test_rewarm_above_initial_peak():
    controller = RewarmController(SCHEDULE, rewarm_peak_scale=10.0)
    assert controller.lr(9) == pytest.approx(1e-2)  # first run: the initial peak
    controller.rewarm(500)
    assert controller.lr(509) == pytest.approx(1e-1)
    assert controller.lr(600) == pytest.approx(1e-4)  # the floor is not scaled


def test_apply_sets_group_lrs_with_lr_scale():
    a, b = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(2))
    optimizer = torch.optim.Adam([{"params": [a], "lr_scale": 0.1}, {"params": [b]}], lr=0.0)
    lr = RewarmController(SCHEDULE).apply(optimizer, 9)
    assert lr == pytest.approx(1e-2)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(1e-3)
    assert optimizer.param_groups[1]["lr"] == pytest.approx(1e-2)


def test_state_dict_round_trip():
    controller = RewarmController(SCHEDULE, FixedStepsTrigger(every=50))
    for step in range(1, 121):
        controller.observe(step)
    restored = RewarmController(SCHEDULE, FixedStepsTrigger(every=50))
    restored.load_state_dict(controller.state_dict())
    assert restored.rewarm_steps == [50, 100]
    assert restored.lr(130) == controller.lr(130) == pytest.approx(SCHEDULE(30))
