import math
from pathlib import Path

import pandas as pd
import pytest

from grokrewarm.claims import CANNOT_TELL, FAILS, HOLDS, checks, judge, registry
from grokrewarm.claims.experiments.kumar import delays

NAN = float("nan")
INF = math.inf


def run(panel="main", delay=100.0, train_step=200.0, **fields):
    """One summary row; ``delay`` None: the test curve never reached the threshold."""
    grok = {"time_to_grok": NAN, "time_to_generalize": NAN}
    if delay is not None:
        grok = {"time_to_grok": delay, "time_to_generalize": train_step + delay}
    row = {
        "panel": panel,
        "condition": f"{panel}_" + "_".join(f"{k}{v}" for k, v in sorted(fields.items())),
        "seed": 0,
        "alpha": 1.0,
        "init_scale": 1.0,
        "weight_decay": 0.0,
        "final_train/loss": 0.01,
        "final_test/loss": 0.05,
        "norm_start": 10.0,
        "norm_end": 12.0,
        "relative_param_change_start": 0.0,
        "relative_param_change_end": 0.5,
        "ntk_alignment_start": 0.1,
        "ntk_alignment_end": 0.3,
    }
    return row | grok | fields


def table(*runs):
    frame = pd.DataFrame(list(runs))
    if {"alpha", "init_scale"} <= set(frame.columns):
        frame["sigma2_alpha"] = frame["init_scale"] ** 2 * frame["alpha"]
    return frame


def check(fn, summary):
    return judge(fn, summary)


# --- the shared readings --------------------------------------------------------------------


def test_delays_clip_at_zero_and_count_never_generalizing_as_infinite():
    summary = table(
        run(delay=-50.0),
        run(delay=300.0),
        run(delay=None),
        run(delay=None, time_to_generalize=40.0),  # only the test curve reached the threshold
    )
    assert list(delays(summary)) == [0.0, 300.0, INF, 0.0]


def test_an_unfinished_condition_is_cannot_tell():
    summary = table(run(alpha=0.5, delay=10.0), run(alpha=2.0, delay=500.0))
    assert check(checks("kumar_fig2")[2], summary).verdict == HOLDS
    summary["jobs_diverged"] = [0, 1]
    result = check(checks("kumar_fig2")[2], summary)
    assert result.verdict == CANNOT_TELL
    assert "diverged" in result.reason


def test_every_kumar_experiment_has_checks():
    experiments = Path(__file__).parents[2] / "conf" / "experiment"
    assert sorted(e for e in registry() if e.startswith("kumar_")) == sorted(
        p.stem for p in experiments.glob("kumar_*.yaml")
    )


# --- trends: "Y increases (or decreases) with x" ---------------------------------------------

TRENDS = [
    # check, panel, swept key, the column it reads ("delay": time to grok), increasing
    (checks("kumar_fig2")[2], "main", "alpha", "delay", True),
    (checks("kumar_fig3")[0], "alpha", "alpha", "delay", True),
    (checks("kumar_fig3")[1], "alpha", "alpha", "final_test/loss", True),
    (checks("kumar_fig3")[2], "alpha", "alpha", "relative_param_change_end", False),
    (checks("kumar_fig3")[3], "eps", "eps", "delay", False),
    (checks("kumar_fig3")[4], "eps", "eps", "final_test/loss", True),
    (checks("kumar_fig3")[5], "eps", "eps", "ntk_alignment_start", True),
    (checks("kumar_fig5")[3], "main", "j", "ntk_alignment_start", False),
    (checks("kumar_fig6")[0], "transformer", "alpha", "delay", True),
    (checks("kumar_fig6")[2], "mnist", "alpha", "delay", True),
    (checks("kumar_fig8")[1], "main", "alpha", "delay", True),
]


def trend_summary(panel, key, name, values, xs=(0.5, 1.0, 2.0)):
    rows = []
    for x, y in zip(xs, values, strict=True):
        fields = {key: x}
        if name == "delay":
            rows.append(run(panel, delay=None if y == INF else y, **fields))
        else:
            rows.append(run(panel, **fields, **{name: y}))
    return table(*rows)


@pytest.mark.parametrize(("fn", "panel", "key", "name", "increasing"), TRENDS)
def test_trend_holds_in_the_paper_direction(fn, panel, key, name, increasing):
    ys = [0.1, 0.2, INF] if name == "delay" else [0.1, 0.2, 0.4]
    result = check(fn, trend_summary(panel, key, name, ys if increasing else ys[::-1]))
    assert result.verdict == HOLDS
    assert result.numbers[key] == [0.5, 1.0, 2.0]


@pytest.mark.parametrize(("fn", "panel", "key", "name", "increasing"), TRENDS)
def test_trend_fails_against_the_paper_direction_or_flat(fn, panel, key, name, increasing):
    ys = [0.4, 0.1, 0.2]  # not monotone either way
    result = check(fn, trend_summary(panel, key, name, ys))
    assert result.verdict == FAILS
    column = "time_to_grok" if name == "delay" else name
    assert result.numbers[column] == ys
    flat = [INF, INF, INF] if name == "delay" else [0.3, 0.3, 0.3]
    assert check(fn, trend_summary(panel, key, name, flat)).verdict == FAILS


@pytest.mark.parametrize(("fn", "panel", "key", "name", "increasing"), TRENDS)
def test_trend_cannot_tell_from_one_value_or_without_the_panel(fn, panel, key, name, increasing):
    one = trend_summary(panel, key, name, [0.1], xs=(1.0,))
    result = check(fn, one)
    assert result.verdict == CANNOT_TELL
    assert "2 needed" in result.reason
    other = trend_summary("elsewhere", key, name, [0.1, 0.2], xs=(0.5, 2.0))
    assert check(fn, other).verdict == CANNOT_TELL


def test_trends_use_the_median_over_seeds():
    summary = table(
        run(alpha=0.5, delay=10.0, seed=0),
        run(alpha=0.5, delay=None, seed=1),  # one never-grokked seed of three
        run(alpha=0.5, delay=20.0, seed=2),
        run(alpha=2.0, delay=500.0),
    )
    result = check(checks("kumar_fig2")[2], summary)
    assert result.verdict == HOLDS
    assert result.numbers["time_to_grok"] == [20.0, 500.0]


# --- Fig. 1 ---------------------------------------------------------------------------------


def fig1(**fields):
    return table(run(ntk_regression_test_loss=0.4, **fields))


def test_fig1_holds_on_a_grokking_run_below_the_kernel_with_rising_norm_and_alignment():
    summary = fig1()
    results = [check(c, summary) for c in checks("kumar_fig1")]
    assert [r.verdict for r in results] == [HOLDS] * 4
    assert results[0].numbers["time_to_grok"] == 100.0
    assert results[1].numbers["ratio"] == pytest.approx(0.05 / 0.4)


def test_fig1_fails_on_no_delay_a_loss_above_the_kernel_a_falling_norm_or_alignment():
    summary = fig1(delay=-10.0, **{"final_test/loss": 0.5}, norm_end=9.0, ntk_alignment_end=0.05)
    results = [check(c, summary) for c in checks("kumar_fig1")]
    assert [r.verdict for r in results] == [FAILS] * 4
    assert results[0].numbers["time_to_grok"] == 0.0
    assert results[1].numbers["final_test/loss"] == 0.5
    assert results[2].numbers["runs_above"] == 0
    assert results[3].numbers["ntk_alignment_end"] == 0.05
    decayed = check(checks("kumar_fig1")[0], fig1(weight_decay=1e-4))
    assert decayed.verdict == FAILS
    assert decayed.numbers["weight_decay"] == 1e-4


def test_fig1_cannot_tell_without_the_kernel_line_or_the_alignment():
    summary = table(run(ntk_alignment_end=NAN))
    assert check(checks("kumar_fig1")[1], summary).verdict == CANNOT_TELL
    assert check(checks("kumar_fig1")[3], summary).verdict == CANNOT_TELL
    assert check(checks("kumar_fig1")[0], summary.iloc[:0]).verdict == CANNOT_TELL


# --- Fig. 2 ---------------------------------------------------------------------------------


def test_fig2_holds_when_alpha_1_groks_without_decay_and_its_norm_rises():
    summary = table(run(alpha=1.0), run(alpha=2.0, norm_end=5.0))
    results = [check(c, summary) for c in checks("kumar_fig2")[:2]]
    assert [r.verdict for r in results] == [HOLDS, HOLDS]
    assert results[1].numbers["runs"] == 1  # alpha = 1 only


def test_fig2_fails_on_no_grokking_weight_decay_or_a_falling_norm():
    summary = table(run(alpha=1.0, delay=None, norm_end=8.0))
    results = [check(c, summary) for c in checks("kumar_fig2")[:2]]
    assert [r.verdict for r in results] == [FAILS, FAILS]
    assert results[0].numbers["time_to_grok"] == INF
    assert results[1].numbers["norm_end"] == 8.0
    decayed = check(checks("kumar_fig2")[0], table(run(weight_decay=0.1)))
    assert decayed.verdict == FAILS


def test_fig2_cannot_tell_without_alpha_1():
    summary = table(run(alpha=2.0))
    for fn in checks("kumar_fig2")[:2]:
        result = check(fn, summary)
        assert result.verdict == CANNOT_TELL
        assert "alpha=1" in result.reason


# --- Fig. 4 ---------------------------------------------------------------------------------


def test_fig4_holds_on_a_grokking_run_that_aligns():
    results = [check(c, table(run())) for c in checks("kumar_fig4")]
    assert [r.verdict for r in results] == [HOLDS, HOLDS]
    assert results[0].numbers["time_to_grok"] == 100.0


def test_fig4_fails_on_a_run_that_never_generalizes_or_loses_alignment():
    summary = table(run(delay=None, ntk_alignment_end=0.01))
    results = [check(c, summary) for c in checks("kumar_fig4")]
    assert [r.verdict for r in results] == [FAILS, FAILS]
    assert results[0].numbers["time_to_grok"] == INF
    assert results[1].numbers["runs_above"] == 0


def test_fig4_cannot_tell_without_runs_or_columns():
    summary = table(run()).drop(columns=["time_to_grok", "ntk_alignment_end"])
    assert [check(c, summary).verdict for c in checks("kumar_fig4")] == [CANNOT_TELL] * 2


# --- Fig. 5 ---------------------------------------------------------------------------------


def fig5(d1=0.0, d70=400.0, d100=None, alignments=(0.5, 0.1, 0.02)):
    return table(
        *(
            run(j=j, delay=d, ntk_alignment_start=a)
            for j, d, a in zip((1, 70, 100), (d1, d70, d100), alignments, strict=True)
        )
    )


def test_fig5_holds_when_j1_moves_together_j70_groks_and_j100_never_generalizes():
    results = [check(c, fig5()) for c in checks("kumar_fig5")]
    assert [r.verdict for r in results] == [HOLDS] * 5
    assert results[0].numbers["reference_time_to_grok (j=70)"] == 400.0
    assert results[4].numbers["time_to_generalize"] == [INF, 600.0, 200.0]


def test_fig5_fails_on_a_delayed_j1_a_prompt_j70_a_generalizing_j100_and_flat_alignment():
    summary = fig5(d1=200.0, d70=0.0, d100=50.0, alignments=(0.1, 0.1, 0.1))
    results = [check(c, summary) for c in checks("kumar_fig5")[1:4]]
    assert [r.verdict for r in results] == [FAILS] * 3
    assert results[0].numbers["time_to_grok"] == 0.0
    assert results[1].numbers["runs_generalized"] == 1
    delayed = check(checks("kumar_fig5")[0], fig5(d1=200.0))
    assert delayed.verdict == FAILS
    assert delayed.numbers["time_to_grok"] == 200.0
    # ordered by alignment, generalization slows as the alignment rises
    backwards = fig5(d1=None, d70=400.0, d100=0.0)
    assert check(checks("kumar_fig5")[4], backwards).verdict == FAILS


def test_fig5_cannot_tell_without_the_conditions_or_when_j70_does_not_grok():
    result = check(checks("kumar_fig5")[0], fig5(d70=None))
    assert result.verdict == CANNOT_TELL
    assert "did not grok" in result.reason
    only_j1 = fig5().iloc[:1]
    for fn in checks("kumar_fig5"):
        assert check(fn, only_j1).verdict == CANNOT_TELL


# --- Fig. 6 ---------------------------------------------------------------------------------


def fig6(small_transformer=10.0, small_mnist=10.0, reference=1000.0):
    return table(
        run("transformer", alpha=0.15, delay=small_transformer),
        run("transformer", alpha=1.0, delay=reference),
        run("mnist", alpha=1e-4, delay=small_mnist),
        run("mnist", alpha=1.0, delay=reference),
    )


VANISH_6 = [
    checks("kumar_fig6")[1],
    checks("kumar_fig6")[3],
]


def test_fig6_small_alpha_holds_under_a_quarter_of_alpha_1():
    results = [check(fn, fig6()) for fn in VANISH_6]
    assert [r.verdict for r in results] == [HOLDS, HOLDS]
    assert results[0].numbers["reference_time_to_grok (alpha=1)"] == 1000.0


def test_fig6_small_alpha_fails_on_a_long_delay_or_no_generalization():
    results = [check(fn, fig6(small_transformer=300.0, small_mnist=None)) for fn in VANISH_6]
    assert [r.verdict for r in results] == [FAILS, FAILS]
    assert results[0].numbers["time_to_grok"] == 300.0
    assert results[1].numbers["time_to_grok"] == INF


def test_fig6_small_alpha_cannot_tell_without_alpha_1_or_when_it_does_not_grok():
    assert [check(fn, fig6(reference=None)).verdict for fn in VANISH_6] == [CANNOT_TELL] * 2
    smoke = table(run("transformer", alpha=0.15), run("transformer", alpha=4.0))
    result = check(checks("kumar_fig6")[1], smoke)
    assert result.verdict == CANNOT_TELL
    assert "alpha=1" in result.reason


# --- Fig. 7 ---------------------------------------------------------------------------------


def fig7(delays, losses, changes):
    """The quick grid sigma {0.5, 2} x alpha {0.25, 4}: sigma^2 alpha 1/16, 1, 1, 16."""
    grid = [(0.5, 0.25), (0.5, 4.0), (2.0, 0.25), (2.0, 4.0)]
    return table(
        *(
            run(
                init_scale=s,
                alpha=a,
                delay=d,
                **{"final_test/loss": loss},
                **{"relative_param_change_end": c},
            )
            for (s, a), d, loss, c in zip(grid, delays, losses, changes, strict=True)
        )
    )


FIG7_HOLDS = fig7([10.0, 200.0, 300.0, None], [0.01, 0.05, 0.06, 0.3], [0.9, 0.3, 0.2, 0.01])


def test_fig7_holds_when_both_scales_delay_and_the_grid_collapses_on_sigma2_alpha():
    results = [check(c, FIG7_HOLDS) for c in checks("kumar_fig7")]
    assert [r.verdict for r in results] == [HOLDS] * 4
    assert results[0].numbers["time_to_grok"] == [[10.0, 200.0], [300.0, INF]]
    assert results[2].numbers["sigma2_alpha"] == [0.0625, 1.0, 16.0]


def test_fig7_fails_when_sigma_does_not_delay_or_equal_sigma2_alpha_runs_do_not_collapse():
    # sigma = 2 groks sooner than sigma = 0.5 at alpha = 4; a sigma^2 alpha = 1 run's loss and
    # parameter change fall outside their neighbours
    summary = fig7([10.0, 200.0, 5.0, 100.0], [0.01, 0.5, 0.06, 0.3], [0.9, 0.3, 0.95, 0.01])
    results = [check(c, summary) for c in checks("kumar_fig7")]
    assert [r.verdict for r in results] == [HOLDS, FAILS, FAILS, FAILS]
    assert results[1].numbers["alpha_holding"] == []
    assert results[2].numbers["final_test/loss"][1] == [0.5, 0.06]
    assert results[3].numbers["relative_param_change_end"][1] == [0.3, 0.95]


def test_fig7_cannot_tell_from_one_condition_or_without_a_shared_sigma2_alpha():
    one = FIG7_HOLDS.iloc[:1]
    assert [check(c, one).verdict for c in checks("kumar_fig7")] == [CANNOT_TELL] * 4
    diagonal = FIG7_HOLDS.iloc[[0, 3]]  # sigma^2 alpha 1/16 and 16: no collapse to see
    result = check(checks("kumar_fig7")[2], diagonal)
    assert result.verdict == CANNOT_TELL
    assert "two (sigma, alpha) pairs" in result.reason


# --- Fig. 8 ---------------------------------------------------------------------------------


def test_fig8_holds_when_alpha_1_groks_and_the_smallest_alpha_does_not():
    summary = table(run(alpha=0.1, delay=0.0), run(alpha=1.0, delay=800.0))
    original, vanish = (check(fn, summary) for fn in checks("kumar_fig8")[::2])
    assert (original.verdict, vanish.verdict) == (HOLDS, HOLDS)
    assert vanish.numbers["alpha"] == 0.1


def test_fig8_fails_when_alpha_1_does_not_grok_or_the_smallest_alpha_still_does():
    assert check(checks("kumar_fig8")[0], table(run(alpha=1.0, delay=0.0))).verdict == FAILS
    summary = table(run(alpha=0.1, delay=600.0), run(alpha=1.0, delay=800.0))
    result = check(checks("kumar_fig8")[2], summary)
    assert result.verdict == FAILS
    assert result.numbers["time_to_grok"] == 600.0


def test_fig8_cannot_tell_without_alpha_1_or_a_smaller_alpha():
    above = table(run(alpha=1.0), run(alpha=3.0))
    result = check(checks("kumar_fig8")[2], above)
    assert result.verdict == CANNOT_TELL
    assert "below 1" in result.reason
    assert check(checks("kumar_fig8")[0], table(run(alpha=0.1))).verdict == CANNOT_TELL


# --- Fig. 9 ---------------------------------------------------------------------------------


def fig9(d50=None, d120=1000.0, d500=0.0):
    return table(run("P050", delay=d50), run("P120", delay=d120), run("P500", delay=d500))


def test_fig9_holds_on_the_goldilocks_pattern():
    results = [check(c, fig9()) for c in checks("kumar_fig9")]
    assert [r.verdict for r in results] == [HOLDS] * 3
    assert results[0].numbers["runs_generalized"] == 0


def test_fig9_fails_when_p50_generalizes_p120_does_not_grok_or_p500_lags():
    results = [check(c, fig9(d50=0.0, d120=0.0)) for c in checks("kumar_fig9")[:2]]
    assert [r.verdict for r in results] == [FAILS, FAILS]
    assert results[0].numbers["runs_generalized"] == 1
    assert results[1].numbers["time_to_grok"] == 0.0
    lagging = check(checks("kumar_fig9")[2], fig9(d500=600.0))
    assert lagging.verdict == FAILS
    assert lagging.numbers["time_to_grok"] == 600.0


def test_fig9_cannot_tell_without_a_panel_or_a_grokking_p120():
    no_p50 = fig9().iloc[1:]
    assert check(checks("kumar_fig9")[0], no_p50).verdict == CANNOT_TELL
    assert check(checks("kumar_fig9")[2], fig9(d120=None)).verdict == CANNOT_TELL


# --- Fig. 12 --------------------------------------------------------------------------------


def fig12(a=1000.0, b=50.0, c=900.0, d=2000.0):
    return table(
        run(alpha=0.5, weight_decay=1e-7, delay=a),
        run(alpha=0.5, weight_decay=5e-7, delay=b),
        run(alpha=1.4, weight_decay=5e-7, delay=c),
        run(alpha=1.4, weight_decay=1e-7, delay=d),
    )


def test_fig12_holds_when_decay_removes_grokking_and_laziness_restores_it():
    results = [check(c, fig12()) for c in checks("kumar_fig12")]
    assert [r.verdict for r in results] == [HOLDS] * 3
    vanished = results[1].numbers
    assert (vanished["reference_weight_decay"], vanished["weight_decay"]) == (1e-7, 5e-7)
    assert results[2].numbers["time_to_grok"] == 900.0


def test_fig12_fails_when_a_does_not_grok_b_keeps_grokking_or_c_does_not_return():
    assert check(checks("kumar_fig12")[0], fig12(a=None)).verdict == FAILS
    results = [check(c, fig12(b=800.0, c=100.0)) for c in checks("kumar_fig12")[1:]]
    assert [r.verdict for r in results] == [FAILS, FAILS]
    assert results[0].numbers["time_to_grok"] == 800.0
    assert results[1].numbers["time_to_grok"] == 100.0


def test_fig12c_is_judged_against_a_even_when_b_never_generalized():
    # (b) never reaches the test threshold (infinite delay), (c) groks as late as (a): (c) holds
    results = [check(c, fig12(b=None)) for c in checks("kumar_fig12")[1:]]
    assert [r.verdict for r in results] == [FAILS, HOLDS]


def test_fig12_cannot_tell_from_one_weight_decay_or_without_alpha_1_4():
    smoke = table(run(alpha=0.5, weight_decay=1e-7))
    for fn in checks("kumar_fig12"):
        result = check(fn, smoke)
        assert result.verdict == CANNOT_TELL
        assert "two needed" in result.reason
    no_lazy = fig12().iloc[:2]
    assert check(checks("kumar_fig12")[2], no_lazy).verdict == CANNOT_TELL
    assert check(checks("kumar_fig12")[0], no_lazy).verdict == HOLDS  # (a) needs no alpha = 1.4
    assert check(checks("kumar_fig12")[2], fig12(a=None)).verdict == CANNOT_TELL


# --- Fig. 14 --------------------------------------------------------------------------------


def test_fig14_holds_when_every_degree_above_2_groks():
    summary = table(run(hermite_degree=2, delay=0.0), run(hermite_degree=3), run(hermite_degree=4))
    result = check(checks("kumar_fig14")[0], summary)
    assert result.verdict == HOLDS
    assert result.numbers["hermite_degree"] == [3, 4]


def test_fig14_fails_when_a_degree_above_2_does_not_grok():
    summary = table(run(hermite_degree=3), run(hermite_degree=4, delay=None))
    result = check(checks("kumar_fig14")[0], summary)
    assert result.verdict == FAILS
    assert result.numbers["time_to_grok"] == [100.0, INF]


def test_fig14_cannot_tell_with_only_the_quadratic():
    result = check(checks("kumar_fig14")[0], table(run(hermite_degree=2)))
    assert result.verdict == CANNOT_TELL
    assert "no degree above 2" in result.reason
