import math

import pytest

from grokrewarm.method.schedules import (
    ConstantSchedule,
    CyclicSchedule,
    EarlyStoppedCyclicSchedule,
    OffsetSchedule,
    WarmupCosineSchedule,
)


def test_constant():
    assert ConstantSchedule(3e-4)(0) == 3e-4
    assert ConstantSchedule(3e-4)(10**6, peak_scale=10) == pytest.approx(3e-3)


def test_warmup_cosine_known_steps():
    s = WarmupCosineSchedule(peak_lr=1e-2, total_steps=2000, warmup_steps=1000, final_lr=1e-4)
    assert s(0) == pytest.approx(1e-5)  # (0 + 1) / 1000 of the peak
    assert s(499) == pytest.approx(5e-3)
    assert s(999) == pytest.approx(1e-2)
    assert s(1000) == pytest.approx(1e-2)  # cosine starts at the peak
    assert s(1500) == pytest.approx(1e-4 + (1e-2 - 1e-4) * 0.5)  # half-way down the cosine
    assert s(2000) == pytest.approx(1e-4)
    assert s(10**6) == pytest.approx(1e-4)  # flat after
    assert s(1500, peak_scale=10) == pytest.approx(1e-4 + (1e-1 - 1e-4) * 0.5)


def test_cyclic_known_steps():
    s = CyclicSchedule(min_lr=1e-6, max_lr=6.25e-5, period=100, warmup_fraction=0.1)
    assert s.warmup_steps == 10
    assert s(0) == pytest.approx(1e-6 + (6.25e-5 - 1e-6) * 0.1)
    assert s(9) == pytest.approx(6.25e-5)
    assert s(55) == pytest.approx(1e-6 + (6.25e-5 - 1e-6) * 0.5)
    assert s(99) == pytest.approx(1e-6 + (6.25e-5 - 1e-6) * 0.5 * (1 + math.cos(math.pi * 89 / 90)))
    for t in (0, 9, 55, 99):  # periodic
        assert s(t + 300) == pytest.approx(s(t))


def test_early_stopped_cyclic_switch_point():
    s = EarlyStoppedCyclicSchedule(min_lr=1e-6, max_lr=1e-4, period=50, n_cycles=3, final_lr=1e-7)
    assert s.stop_step == 150
    assert s(149) == pytest.approx(CyclicSchedule(1e-6, 1e-4, 50)(149))
    assert s(150) == 1e-7
    assert s(10**7) == 1e-7
    held = EarlyStoppedCyclicSchedule(min_lr=1e-6, max_lr=1e-4, period=50, n_cycles=1)
    assert held(50) == 1e-6


def test_offset_schedule():
    inner = WarmupCosineSchedule(peak_lr=1e-2, total_steps=100, warmup_steps=10)
    s = OffsetSchedule(hold_lr=1e-4, offset=500, schedule=inner)
    assert s(0) == 1e-4
    assert s(499) == 1e-4
    assert s(500) == pytest.approx(inner(0))
    assert s(509) == pytest.approx(1e-2)


@pytest.mark.parametrize(
    "build",
    [
        lambda: ConstantSchedule(0.0),
        lambda: WarmupCosineSchedule(1e-3, total_steps=10, warmup_steps=10),
        lambda: WarmupCosineSchedule(1e-3, total_steps=100, final_lr=1e-2),
        lambda: CyclicSchedule(1e-3, 1e-4, 10),
        lambda: CyclicSchedule(1e-4, 1e-3, 10, warmup_fraction=1.0),
        lambda: EarlyStoppedCyclicSchedule(1e-4, 1e-3, 10, n_cycles=0),
        lambda: OffsetSchedule(1e-4, -1, ConstantSchedule(1e-3)),
    ],
)
def test_invalid_schedules_fail_at_construction(build):
    with pytest.raises(ValueError):
        build()


def test_early_stopped_schedule_switches_mid_cycle():
    from grokrewarm.method.schedules import EarlyStoppedSchedule

    cyclic = CyclicSchedule(min_lr=1e-6, max_lr=6.25e-5, period=100, warmup_fraction=0.1)
    s = EarlyStoppedSchedule(cyclic, stop_step=150, final_lr=1e-7)
    for t in (0, 9, 55, 149):
        assert s(t) == cyclic(t)
    assert s(150) == 1e-7 and s(10**9) == 1e-7
    with pytest.raises(ValueError):
        EarlyStoppedSchedule(cyclic, stop_step=0, final_lr=1e-7)
