import random

import pytest

from grokrewarm.method.triggers import CusumTrigger, FixedStepsTrigger, NeverTrigger


def _feed(trigger, values, start=1):
    return [step for step, value in enumerate(values, start) if trigger.update(step, value)]


def test_cusum_fires_within_bounded_delay_on_step_change():
    delays = []
    for seed in range(50):
        rng = random.Random(seed)
        before = [rng.gauss(1.0, 0.05) for _ in range(100)]
        after = [rng.gauss(1.1, 0.05) for _ in range(50)]  # a 2-sigma jump up
        trigger = CusumTrigger(threshold=5.0, drift=0.5, warmup=20, cooldown=20, direction="up")
        alarms = _feed(trigger, before + after)
        first_after = [a for a in alarms if a > 100]
        # A false alarm shortly before the change re-estimates the reference on changed data,
        # so a few misses are expected; the detector must catch nearly all changes.
        if first_after and first_after[0] <= 110:
            delays.append(first_after[0] - 100)
    # Page's CUSUM with k = 0.5, h = 5 on a 2-sigma shift: about 4 observations on average.
    assert len(delays) >= 40
    assert sum(delays) / len(delays) <= 6


def test_cusum_rarely_fires_on_stationary_noise():
    rng = random.Random(0)
    values = [rng.gauss(2.0, 0.1) for _ in range(20_000)]
    trigger = CusumTrigger(threshold=5.0, drift=0.5, warmup=20, cooldown=20, direction="up")
    alarms = _feed(trigger, values)
    # In-control average run length of a one-sided CUSUM (k=0.5, h=5) is ~900 observations;
    # the reference std estimated from 20 points adds some, so allow up to 1 alarm per 300.
    assert len(alarms) <= 20_000 / 300


def test_cusum_two_sided_catches_a_drop_and_up_only_does_not():
    values = [1.0 + 0.01 * (i % 3) for i in range(40)] + [0.5] * 20
    assert _feed(CusumTrigger(warmup=20, direction="both"), values)
    assert not _feed(CusumTrigger(warmup=20, direction="up"), values)


def test_cusum_cooldown_and_reset_after_alarm():
    trigger = CusumTrigger(threshold=5.0, drift=0.5, warmup=5, cooldown=3, direction="up")
    values = [1.0, 1.1, 0.9, 1.0, 1.0] + [10.0]
    assert _feed(trigger, values) == [6]
    assert trigger.alarms == [6]
    # the next 3 observations are ignored, then 5 rebuild the reference: no alarm possible
    assert not any(trigger.update(7 + i, 50.0) for i in range(3 + 5))
    assert trigger.mean == pytest.approx(50.0)


def test_cusum_state_survives_a_resume():
    rng = random.Random(3)
    values = [rng.gauss(1.0, 0.1) for _ in range(150)] + [rng.gauss(1.5, 0.1) for _ in range(150)]
    straight = CusumTrigger(warmup=20, cooldown=10)
    expected = _feed(straight, values)
    first = CusumTrigger(warmup=20, cooldown=10)
    alarms = _feed(first, values[:160])
    resumed = CusumTrigger(warmup=20, cooldown=10)
    resumed.load_state_dict(first.state_dict())
    alarms += _feed(resumed, values[160:], start=161)
    assert expected and alarms == expected
    assert resumed.alarms == expected


def test_cusum_ignores_non_finite_losses_and_validates():
    trigger = CusumTrigger(warmup=2)
    assert trigger.update(1, float("nan")) is False
    assert trigger.reference == []
    with pytest.raises(ValueError, match="needs the training loss"):
        trigger.update(2, None)
    with pytest.raises(ValueError):
        CusumTrigger(warmup=1)
    with pytest.raises(ValueError):
        CusumTrigger(direction="sideways")


def test_fixed_steps_trigger():
    trigger = FixedStepsTrigger(steps=[5, 12], every=10)
    assert [s for s in range(1, 31) if trigger.update(s)] == [5, 10, 12, 20, 30]
    with pytest.raises(ValueError):
        FixedStepsTrigger()
    assert not NeverTrigger().update(10)


def test_cusum_reference_is_the_last_warmup_observations_with_moving_range_std():
    trigger = CusumTrigger(warmup=4, direction="up")
    _feed(trigger, [9.0, 1.0, 2.0, 4.0, 3.0])  # the 9 has rolled out
    assert trigger.reference == [1.0, 2.0, 4.0, 3.0]
    assert trigger.mean == pytest.approx(2.5)
    assert trigger.std == pytest.approx((1 + 2 + 1) / 3 / 1.128)


def _warm_start_loss(rng, jump: float) -> list[float]:
    """A batch loss as in Lyle Fig. 5: a fast fall from 2.3 while the first data is fitted,
    a flat floor, then new data raises it by ``jump`` and it falls again."""
    descent = [0.01 + 2.3 * 0.7**i for i in range(20)]
    floor = [0.01 + abs(rng.gauss(0, 0.003)) for _ in range(20)]
    refit = [0.01 + jump * 0.9**i + abs(rng.gauss(0, 0.003)) for i in range(40)]
    return descent + floor + refit


@pytest.mark.parametrize("jump", [0.3, 0.7, 2.0])
def test_cusum_catches_new_data_smaller_than_the_initial_descent(jump):
    # a reference frozen over the descent (mean ~0.5, std ~0.7) never saw the 0.3 or 0.7 jumps
    for seed in range(10):
        trigger = CusumTrigger(threshold=5.0, drift=0.5, warmup=20, cooldown=20, direction="up")
        alarms = _feed(trigger, _warm_start_loss(random.Random(seed), jump))
        assert alarms[:1] == [41], alarms  # the first observation after the new data


def test_cusum_up_does_not_fire_while_the_loss_falls():
    for seed in range(10):
        rng = random.Random(seed)
        values = [2.3 * 0.98**i + rng.gauss(0, 0.01) for i in range(200)]  # 2.3 down to 0.04
        assert not _feed(CusumTrigger(warmup=20, direction="up"), values)
