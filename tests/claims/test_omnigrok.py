import math

import pandas as pd
import pytest

from grokrewarm.claims import CANNOT_TELL, FAILS, HOLDS, checks, judge


def fig10_summary(transformer_times, mnist_times, mnist_decays=(0.1, 0.3, 1.0)):
    """Times to generalize (NaN: never) at transformer decays 0.5, 1, 2, 4 and the MNIST decays."""
    transformer = [
        {"panel": "transformer", "weight_decay": decay, "time_to_generalize": time}
        for decay, time in zip((0.5, 1.0, 2.0, 4.0), transformer_times, strict=True)
    ]
    mnist = [
        {"panel": "mnist", "weight_decay": decay, "time_to_generalize": time}
        for decay, time in zip(mnist_decays, mnist_times, strict=True)
    ]
    return pd.DataFrame(transformer + mnist)


def verdicts(summary):
    return [judge(c, summary).verdict for c in checks("omnigrok_fig10")]


def test_fig10_holds_near_slope_minus_one_and_fails_outside_the_band():
    # 1/gamma exactly: slope -1; 1/sqrt(gamma): -0.5; 1/gamma^2: -2
    assert verdicts(fig10_summary([4000, 2000, 1000, 500], [10000, 3333, 1000])) == [HOLDS, HOLDS]
    assert verdicts(fig10_summary([2828, 2000, 1414, 1000], [100, 11.1, 1])) == [FAILS, FAILS]


def test_fig10_slope_is_the_least_squares_fit_in_log_space():
    # times 1000 * gamma^-1.2 at decays 1, 2, 4 (the 0.5 run never generalized): slope -1.2
    times = [math.nan, 1000.0, 1000 * 2**-1.2, 1000 * 4**-1.2]
    result = judge(checks("omnigrok_fig10")[0], fig10_summary(times, [1, 1, 1]))
    assert result.verdict == HOLDS
    assert result.numbers["slope"] == pytest.approx(-1.2)
    assert result.numbers["points"] == 3


def test_fig10_mnist_fits_only_decays_between_0_1_and_1():
    # 1/gamma over 0.1-1, then the optimization breaks at gamma = 3 (slow again, as at 0.3): the
    # paper's stated range holds; fitted over all four decays the slope would be -0.40
    mnist = fig10_summary([1, 1, 1, 1], [10000, 3333, 1000, 3333], (0.1, 0.3, 1.0, 3.0))
    assert verdicts(mnist)[1] == HOLDS
    outside = fig10_summary([1, 1, 1, 1], [10000, 3333, 1000, 300], (0.3, 1.0, 3.0, 10.0))
    assert verdicts(outside)[1] == CANNOT_TELL  # two decays inside [0.1, 1]


def test_fig10_cannot_tell_from_two_points():
    summary = fig10_summary([4000, 2000, 1000, 500], [math.nan, 3333, 1000])
    assert verdicts(summary) == [HOLDS, CANNOT_TELL]


def test_fig10_counts_distinct_decays_not_seeds():
    # three seeds at each of two decays: six runs, but a slope through two decays always "fits"
    two_decays = fig10_summary([1, 1, 1, 1], [3333] * 3 + [1000] * 3, (0.3,) * 3 + (1.0,) * 3)
    assert verdicts(two_decays)[1] == CANNOT_TELL
    three_decays = fig10_summary(
        [1] * 4, [10000, 9000, 3333, 3000, 1000, 1100], (0.1, 0.1, 0.3, 0.3, 1.0, 1.0)
    )
    result = judge(checks("omnigrok_fig10")[1], three_decays)
    assert result.verdict == HOLDS
    assert (result.numbers["points"], result.numbers["weight_decays_reached"]) == (6, 3)


def fig7_summary(norm_end, constrained_delay, unconstrained_delay=1000.0):
    nan = float("nan")
    return pd.DataFrame(
        [
            {
                "panel": "unconstrained",
                "norm_start": 20.0,
                "norm_peak": 30.0,
                "norm_end": norm_end,
                "time_to_generalize": 1200.0,
                "time_to_grok": unconstrained_delay,
            },
            {
                "panel": "constrained",
                "norm_start": 16.0,
                "norm_peak": 16.0,
                "norm_end": 16.0,
                "time_to_generalize": 300.0 if constrained_delay == constrained_delay else nan,
                "time_to_grok": constrained_delay,
            },
        ]
    )


def fig7_verdicts(summary):
    return [judge(c, summary).verdict for c in checks("omnigrok_fig7")]


def test_fig7_holds_when_the_norm_falls_below_init_and_the_constrained_net_keeps_up():
    assert fig7_verdicts(fig7_summary(norm_end=15.0, constrained_delay=100.0)) == [HOLDS, HOLDS]


def test_fig7_fails_on_a_norm_above_init_or_a_constrained_delay_or_no_generalization():
    assert fig7_verdicts(fig7_summary(norm_end=25.0, constrained_delay=400.0)) == [FAILS, FAILS]
    assert fig7_verdicts(fig7_summary(15.0, float("nan")))[1] == FAILS


def test_fig7_cannot_tell_when_the_unconstrained_net_did_not_grok():
    summary = fig7_summary(15.0, 100.0, unconstrained_delay=float("nan"))
    assert fig7_verdicts(summary)[1] == CANNOT_TELL


NAN = float("nan")


def run(panel, init, train, test, wd=0.0, threshold=0.95, metric="acc"):
    """One dynamics run's summary row: the steps its train and test curves reach the threshold."""
    return {
        "panel": panel,
        "init_scale": init,
        "weight_decay": wd,
        f"train_reaches_{metric}_{threshold:g}": train,
        "time_to_generalize": test,
        "time_to_grok": test - train,
        "threshold": threshold,
    }


def landscape(curves, measure="loss", size_key="n_train", threshold=0.95, accuracy=None):
    """Landscape rows from ``{size: {alpha: (train, test)}}`` (size None: no size column), the
    values losses or errors (1 - accuracy); ``accuracy``: ``{size: {alpha: final test acc}}``."""
    out = []
    for size, points in curves.items():
        for alpha, (train, test) in points.items():
            row = {"panel": "landscape", "init_scale": alpha, "threshold": threshold}
            if size is not None:
                row[size_key] = size
            if measure == "loss":
                row |= {"final_train/loss": train, "final_test/loss": test}
            else:
                row |= {"final_train/acc": 1.0 - train, "final_test/acc": 1.0 - test}
            if accuracy is not None:
                row["final_test/acc"] = accuracy[size][alpha]
            out.append(row)
    return out


def results(name, records):
    return [judge(c, pd.DataFrame(records)) for c in checks(name)]


def verdicts_of(name, records):
    return [r.verdict for r in results(name, records)]


# Fig. 2: teacher-student. Runs: (init, weight decay) -> (train step, test step) to the threshold.
FIG2_GROKKING = {
    (2.0, 0.0): (100.0, NAN),  # fits, never generalizes
    (2.0, 0.03): (100.0, 5000.0),  # groks: 50x
    (2.0, 1.0): (120.0, 300.0),  # generalizes sooner
    (0.5, 0.0): (100.0, 200.0),
    (0.5, 0.03): (100.0, 200.0),
    (0.5, 1.0): (100.0, 300.0),
}
FIG2_LU = {
    0.25: (0.5, 0.6),
    0.5: (0.1, 0.05),
    1.0: (1e-4, 0.01),
    2.0: (1e-5, 0.05),
    4.0: (1e-5, 0.2),
}


def fig2_records(runs=FIG2_GROKKING, lu=FIG2_LU):
    dynamics = [run("dynamics", i, *steps, wd=wd) for (i, wd), steps in runs.items()]
    return dynamics + landscape({None: lu})


def test_fig2_holds_on_grokking_at_small_decay_and_an_lu_landscape():
    out = results("omnigrok_fig2", fig2_records())
    assert [r.verdict for r in out] == [HOLDS] * 7
    assert out[1].numbers["ratio"] == [50.0]
    assert out[2].numbers["time_to_generalize_wd1"] == 300.0
    assert out[4].numbers["spread"] == 1.2
    assert out[6].numbers["alpha_at_min"] == 1.0


def test_fig2_fails_without_grokking_or_with_a_flat_test_loss():
    runs = {
        (2.0, 0.0): (100.0, 3000.0),  # generalizes without weight decay
        (2.0, 0.03): (100.0, 500.0),  # only 5x: no grokking
        (2.0, 1.0): (1000.0, NAN),  # never generalizes; fits 10x later than at 0.03
        (0.5, 0.0): (100.0, 200.0),
        (0.5, 1.0): (100.0, 5000.0),  # a delay at small init
    }
    lu = {0.25: (0.5, 0.6), 1.0: (1e-4, 0.01), 4.0: (0.1, 0.005)}  # train rises, test keeps falling
    out = results("omnigrok_fig2", fig2_records(runs, lu))
    assert [r.verdict for r in out] == [FAILS] * 7
    assert out[0].numbers["test_reaches"] == [3000.0]
    assert out[1].numbers["ratio"] == [5.0]
    assert out[2].numbers["time_to_generalize_wd1"] == float("inf")
    assert out[4].numbers["spread"] == 10.0
    assert out[5].numbers["test_min"] == 0.005
    assert out[6].numbers["alpha_at_min"] == 4.0


def test_fig2_cannot_tell_without_the_small_decay_or_alphas_on_both_sides_of_one():
    runs = {k: v for k, v in FIG2_GROKKING.items() if k[1] != 0.03 and k[0] == 2.0}
    out = verdicts_of("omnigrok_fig2", fig2_records(runs, {1.0: (1e-4, 0.01), 2.0: (1e-5, 0.05)}))
    assert out == [HOLDS] + [CANNOT_TELL] * 6


# Fig. 3: MNIST-1k (errors in the landscape)
FIG3_LU = {
    1000: {0.25: (0.6, 0.7), 1.0: (0.0, 0.1), 8.0: (0.0, 0.5)},
    60000: {0.25: (0.5, 0.55), 1.0: (0.0, 0.02), 8.0: (0.01, 0.05)},
}


def fig3_records(large=(100.0, 5000.0), standard=(100.0, 300.0), lu=FIG3_LU):
    dynamics = [run("dynamics", 8.0, *large, wd=0.01), run("dynamics", 1.0, *standard, wd=0.01)]
    return dynamics + landscape(lu, measure="error")


def test_fig3_holds_on_grokking_at_init_8_and_lu_narrowing_with_data():
    out = results("omnigrok_fig3", fig3_records())
    assert [r.verdict for r in out] == [HOLDS] * 5
    assert out[0].numbers["ratio"] == [50.0]
    assert out[1].numbers["ratio"] == [3.0]
    assert out[4].numbers["gap_n_train_1000"] == pytest.approx(0.5)


def test_fig3_fails_on_a_short_delay_and_a_landscape_without_mismatch():
    lu = {
        1000: {0.25: (0.6, 0.7), 1.0: (0.0, 0.1), 8.0: (0.3, 0.12)},
        60000: {0.25: (0.5, 0.55), 1.0: (0.0, 0.02), 8.0: (0.0, 0.9)},
    }
    out = results("omnigrok_fig3", fig3_records((100.0, 500.0), (100.0, NAN), lu))
    assert [r.verdict for r in out] == [FAILS] * 5
    assert out[0].numbers["ratio"] == [5.0]
    assert out[4].numbers["gap_n_train_60000"] == pytest.approx(0.9)


def test_fig3_cannot_tell_without_the_large_init_or_a_second_data_size():
    records = [run("dynamics", 1.0, 100.0, 300.0)] + landscape({1000: FIG3_LU[1000]}, "error")
    out = verdicts_of("omnigrok_fig3", records)
    assert out == [CANNOT_TELL, HOLDS, HOLDS, HOLDS, CANNOT_TELL]


# Fig. 4: IMDb (accuracy threshold 0.7; errors in the landscape)
FIG4_LU = {
    1000: {0.25: (0.4, 0.45), 1.0: (0.0, 0.2), 6.0: (0.0, 0.45)},
    37500: {0.25: (0.4, 0.45), 1.0: (0.1, 0.12), 6.0: (0.3, 0.35)},
}


def fig4_records(large=(100.0, 1500.0), standard=(50.0, 100.0), lu=FIG4_LU):
    return [
        run("large_init", 6.0, *large, wd=1.0, threshold=0.7),
        run("standard_init", 1.0, *standard, threshold=0.7),
    ] + landscape(lu, measure="error", threshold=0.7)


def test_fig4_holds_on_a_weak_grokking_and_lu_only_for_small_data():
    out = results("omnigrok_fig4", fig4_records())
    assert [r.verdict for r in out] == [HOLDS] * 5
    assert out[0].numbers["ratio"] == [15.0]
    assert out[0].numbers["threshold"] == 0.7
    assert out[4].numbers["n_train"] == 37500


def test_fig4_fails_without_delay_or_with_an_l_train_error_at_all_data():
    lu = {
        1000: {0.25: (0.4, 0.45), 1.0: (0.0, 0.2), 6.0: (0.3, 0.25)},
        37500: {0.25: (0.4, 0.45), 1.0: (0.1, 0.12), 6.0: (0.1, 0.35)},
    }
    out = results("omnigrok_fig4", fig4_records((100.0, 400.0), (50.0, NAN), lu))
    assert [r.verdict for r in out] == [FAILS] * 5
    assert math.isnan(out[1].numbers["test_reaches"][0])
    assert out[4].numbers["train"] == pytest.approx([0.4, 0.1, 0.1])


def test_fig4_cannot_tell_without_the_standard_panel_or_enough_alphas():
    lu = {1000: {1.0: (0.0, 0.2), 6.0: (0.0, 0.45)}}
    records = [run("large_init", 6.0, 100.0, 1500.0, wd=1.0, threshold=0.7)]
    out = verdicts_of("omnigrok_fig4", records + landscape(lu, "error", threshold=0.7))
    assert out == [HOLDS] + [CANNOT_TELL] * 4


# Fig. 5: QM9 (a loss threshold; losses in the landscape)
FIG5_LU = {
    100: {0.25: (5.0, 8.0), 1.0: (0.1, 1.0), 3.0: (0.05, 6.0)},
    3000: {0.25: (5.0, 6.0), 1.0: (0.5, 0.8), 3.0: (3.0, 4.0)},
}


def fig5_records(large=(500.0, 10000.0), standard=(500.0, 1000.0), lu=FIG5_LU):
    return [
        run("dynamics", 3.0, *large, threshold=1.0, metric="loss"),
        run("dynamics", 1.0, *standard, threshold=1.0, metric="loss"),
    ] + landscape(lu, threshold=1.0)


def test_fig5_holds_on_grokking_at_init_3_and_lu_only_for_small_data():
    out = results("omnigrok_fig5", fig5_records())
    assert [r.verdict for r in out] == [HOLDS] * 5
    assert out[0].numbers["ratio"] == [20.0]
    assert out[2].numbers["test_min"] == 1.0


def test_fig5_fails_on_grokking_at_the_standard_init_or_a_flat_test_loss():
    lu = {
        100: {0.25: (5.0, 8.0), 1.0: (0.1, 1.0), 3.0: (0.05, 1.2)},
        3000: {0.25: (5.0, 6.0), 1.0: (0.5, 0.8), 3.0: (0.6, 4.0)},
    }
    out = results("omnigrok_fig5", fig5_records((500.0, 2000.0), (500.0, 8000.0), lu))
    assert [r.verdict for r in out] == [FAILS, FAILS, HOLDS, FAILS, FAILS]
    assert out[1].numbers["ratio"] == [16.0]


def test_fig5_cannot_tell_without_runs_or_sizes():
    assert verdicts_of("omnigrok_fig5", landscape({100: {1.0: (0.1, 1.0)}})) == [CANNOT_TELL] * 5


# Fig. 9: the transformer's landscape over alpha x training fraction (losses, final accuracy)
def fig9_records(low_acc=0.3, high_acc=0.99, train_at_4=1e-4, test_at_4=2.0):
    fractions = (0.1, 0.3, 0.6)
    curves = {
        0.1: {0.1: (3.0, 4.0), 1.0: (1e-4, 3.0), 4.0: (1e-4, 4.0), 8.0: (2.0, 5.0)},
    } | {
        f: {0.1: (3.0, 3.5), 1.0: (1e-4, 0.01), 4.0: (train_at_4, test_at_4), 8.0: (2.0, 5.0)}
        for f in fractions[1:]
    }
    accuracy = {
        f: {0.1: 0.05, 1.0: low_acc if f == 0.1 else high_acc, 4.0: 0.1, 8.0: 0.05}
        for f in fractions
    }
    return landscape(curves, size_key="train_fraction", accuracy=accuracy)


def test_fig9_holds_on_lu_up_to_alpha_4_and_a_critical_fraction_near_a_quarter():
    out = results("omnigrok_fig9", fig9_records())  # the train loss rises at alpha 8: ignored
    assert [r.verdict for r in out] == [HOLDS] * 4
    assert out[0].numbers["train_fraction"] == [0.3, 0.6]
    assert out[2].numbers["best_test_acc"] == [0.3]
    assert out[3].numbers["best_test_acc"] == [0.99, 0.99]


def test_fig9_fails_on_generalizing_below_the_critical_fraction_or_no_u():
    out = results("omnigrok_fig9", fig9_records(0.97, 0.9, train_at_4=0.5, test_at_4=0.015))
    assert [r.verdict for r in out] == [FAILS] * 4
    assert out[0].numbers["holds_at"] == [False, False]
    assert out[2].numbers["best_test_acc"] == [0.97]


def test_fig9_cannot_tell_without_fractions_on_either_side():
    records = [r for r in fig9_records() if r["train_fraction"] == 0.1]
    assert verdicts_of("omnigrok_fig9", records) == [CANNOT_TELL] * 2 + [HOLDS, CANNOT_TELL]


# Fig. 11: MNIST with cross-entropy (errors)
def test_fig11_holds_on_lu_for_small_data_narrowing_with_more():
    out = results("omnigrok_fig11", landscape(FIG3_LU, measure="error"))
    assert [r.verdict for r in out] == [HOLDS] * 3
    assert out[2].numbers["gap_n_train_60000"] == pytest.approx(0.04)


def test_fig11_fails_on_a_wider_gap_with_more_data_and_no_l():
    lu = {
        1000: {0.25: (0.0, 0.7), 1.0: (0.0, 0.1), 8.0: (0.0, 0.15)},  # no "L": fits at 0.25
        60000: {0.25: (0.5, 0.55), 1.0: (0.0, 0.02), 8.0: (0.0, 0.9)},
    }
    out = results("omnigrok_fig11", landscape(lu, measure="error"))
    assert [r.verdict for r in out] == [FAILS] * 3
    assert out[2].numbers["gap_n_train_1000"] == pytest.approx(0.15)


def test_fig11_cannot_tell_on_one_size_and_two_alphas():
    lu = {1000: {1.0: (0.0, 0.1), 8.0: (0.0, 0.5)}}
    assert verdicts_of("omnigrok_fig11", landscape(lu, "error")) == [CANNOT_TELL] * 3


def test_fig11_u_cannot_tell_from_alphas_on_one_side_of_1():
    # the quick grid (alpha 1, 8, 64): a rising test error is one arm, not a missing "U"
    rising = {1000: {1.0: (0.006, 0.114), 8.0: (0.0, 0.186), 64.0: (0.0, 0.34)}}
    u = results("omnigrok_fig11", landscape(rising, "error"))[1]
    assert u.verdict == CANNOT_TELL
    assert "below and above 1" in u.reason


# Fig. 12: MNIST-1k with cross-entropy at init 100 (accuracy threshold 0.7)
def fig12_records(large=(200.0, 5000.0), standard=(200.0, 400.0)):
    return [
        run("dynamics", 100.0, *large, wd=0.01, threshold=0.7),
        run("dynamics", 1.0, *standard, wd=0.01, threshold=0.7),
    ]


def test_fig12_holds_on_delayed_generalization_at_init_100_only():
    out = results("omnigrok_fig12", fig12_records())
    assert [r.verdict for r in out] == [HOLDS, HOLDS]
    assert out[0].numbers["ratio"] == [25.0]


def test_fig12_fails_when_init_100_never_generalizes_or_init_1_is_late():
    out = results("omnigrok_fig12", fig12_records((200.0, NAN), (200.0, 2000.0)))
    assert [r.verdict for r in out] == [FAILS, FAILS]
    assert out[1].numbers["ratio"] == [10.0]


def test_fig12_cannot_tell_without_the_init_100_runs():
    assert verdicts_of("omnigrok_fig12", fig12_records()[1:]) == [CANNOT_TELL, HOLDS]


# omnigrok_landscape: teacher-student over alpha x training-set size (losses)
LANDSCAPE = {
    30: {0.25: (0.5, 0.6), 1.0: (1e-4, 0.02), 4.0: (1e-5, 0.3)},
    1000: {0.25: (0.4, 0.45), 1.0: (1e-3, 0.005), 4.0: (1e-4, 0.01)},
}


def test_landscape_holds_on_lu_at_small_data_and_a_narrower_gap_with_more():
    out = results("omnigrok_landscape", landscape(LANDSCAPE))
    assert [r.verdict for r in out] == [HOLDS] * 3
    assert out[1].numbers["alpha_at_min"] == 1.0
    assert out[2].numbers["alpha"] == 4.0


def test_landscape_fails_on_a_test_minimum_far_from_one_and_a_wider_gap():
    curves = {
        30: {0.25: (0.5, 0.6), 1.0: (1e-4, 0.2), 4.0: (1e-4, 0.01), 8.0: (0.1, 0.3)},
        1000: {0.25: (0.4, 0.45), 1.0: (1e-3, 0.005), 8.0: (1e-4, 0.5)},
    }
    out = results("omnigrok_landscape", landscape(curves))
    assert [r.verdict for r in out] == [FAILS] * 3
    assert out[1].numbers["alpha_at_min"] == 4.0
    assert out[2].numbers["gap_n_train_1000"] > out[2].numbers["gap_n_train_30"]


def test_landscape_cannot_tell_without_rows_or_columns():
    assert verdicts_of("omnigrok_landscape", fig12_records()) == [CANNOT_TELL] * 3
    no_size = landscape({None: LANDSCAPE[30]})
    assert verdicts_of("omnigrok_landscape", no_size) == [CANNOT_TELL] * 3


def test_a_summary_without_a_column_its_check_reads_is_cannot_tell_not_an_error():
    fig7 = fig7_summary(norm_end=15.0, constrained_delay=100.0)
    assert fig7_verdicts(fig7.drop(columns="time_to_generalize"))[0] == CANNOT_TELL
    fig2 = pd.DataFrame(fig2_records()).drop(columns="weight_decay")
    assert [judge(c, fig2).verdict for c in checks("omnigrok_fig2")][:5] == [CANNOT_TELL] * 5
