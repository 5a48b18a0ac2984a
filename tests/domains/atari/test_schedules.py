"""Each Atari LR schedule, composed from the experiment configs, switches where the paper says
(schedules run on frames; Lyle et al. 2025 A.3, Section 6.2, B.3, B.4)."""

import pytest
from hydra.utils import instantiate

MAX, MIN = 6.25e-5, 1e-6


def schedule(compose_run, tmp_path, experiment, *overrides):
    cfg = compose_run([f"+experiment={experiment}", *overrides], tmp_path)
    return instantiate(cfg.rewarm.controller).lr


def test_constant_baseline_and_low_lr(compose_run, tmp_path):
    for t in (0, 10**6, 2 * 10**8):
        assert schedule(compose_run, tmp_path, "fig7", "rewarm=constant")(t) == MAX
        low = schedule(compose_run, tmp_path, "fig7", "rewarm=constant", "rewarm.lr=1e-6")
        assert low(t) == MIN


def test_cyclic_period_is_4m_frames(compose_run, tmp_path):
    lr = schedule(compose_run, tmp_path, "fig7", "rewarm=cyclic")
    assert lr(399_999) == pytest.approx(MAX)  # the 10% warmup ends at 400k frames
    assert lr(2_200_000) == pytest.approx((MAX + MIN) / 2)  # half-way down the cosine
    assert lr(4_000_000) == pytest.approx(lr(0)) and lr(4_000_000) < 2 * MIN
    assert lr(180_000_000 + 399_999) == pytest.approx(MAX)  # still cycling at the end


@pytest.mark.parametrize(("cycles", "stop"), [(2, 8_000_000), (5, 20_000_000), (10, 40_000_000)])
def test_early_stopped_cycling_holds_1e6_after_8m_20m_40m_frames(
    compose_run, tmp_path, cycles, stop
):
    lr = schedule(
        compose_run, tmp_path, "fig10", "rewarm=early_stopped_cyclic", f"rewarm.n_cycles={cycles}"
    )
    assert lr(stop - 4_000_000 + 399_999) == pytest.approx(MAX)  # the last cycle's peak
    assert lr(stop - 1) > MIN and lr(stop) == MIN and lr(150_000_000) == MIN


def test_fig7_early_stop_is_after_10_cycles(compose_run, tmp_path):
    lr = schedule(compose_run, tmp_path, "fig7", "rewarm=early_stopped_cyclic")
    assert lr(39_999_999) > MIN and lr(40_000_000) == MIN


def test_fig11_stops_at_three_quarters_of_the_budget_to_1e7(compose_run, tmp_path):
    lr = schedule(
        compose_run,
        tmp_path,
        "fig11",
        "rewarm=early_stopped_at",
        "rewarm.period=20000000",
        "rewarm.stop=150000000",
        "rewarm.final_lr=1e-7",
    )
    assert lr(140_000_000 + 1_999_999) == pytest.approx(MAX)
    assert lr(149_999_999) > MIN / 2 and lr(150_000_000) == 1e-7 and lr(199_999_999) == 1e-7


def test_resets_and_their_aligned_cycles_share_a_period(compose_run, tmp_path):
    cfg = compose_run(["+experiment=fig11", "budget=quick"], tmp_path)
    assert cfg.budget.atari.reset_period == 2000 and cfg.budget.atari.frames == 10000
    paper = compose_run(["+experiment=fig11"], tmp_path)
    assert paper.budget.atari.reset_period == paper.budget.atari.low_replay_cycle_period
