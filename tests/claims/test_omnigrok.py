import pandas as pd

from grokrewarm.claims import CANNOT_TELL, FAILS, HOLDS, omnigrok
from grokrewarm.claims.core import run_check


def fig10_summary(transformer_slope, mnist_slope, mnist_points=4):
    return pd.DataFrame(
        [
            {"panel": "transformer", "power_law_slope": transformer_slope, "power_law_points": 5},
            {"panel": "mnist", "power_law_slope": mnist_slope, "power_law_points": mnist_points},
        ]
    )


def verdicts(summary):
    return [run_check(c, summary).verdict for c in omnigrok.CLAIMS["omnigrok_fig10"]]


def test_fig10_holds_near_slope_minus_one_and_fails_outside_the_band():
    assert verdicts(fig10_summary(-0.95, -1.25)) == [HOLDS, HOLDS]
    assert verdicts(fig10_summary(-0.5, -1.4)) == [FAILS, FAILS]


def test_fig10_cannot_tell_from_two_points():
    assert verdicts(fig10_summary(-1.0, -1.0, mnist_points=2)) == [HOLDS, CANNOT_TELL]


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
    return [run_check(c, summary).verdict for c in omnigrok.CLAIMS["omnigrok_fig7"]]


def test_fig7_holds_when_the_norm_falls_below_init_and_the_constrained_net_keeps_up():
    assert fig7_verdicts(fig7_summary(norm_end=15.0, constrained_delay=100.0)) == [HOLDS, HOLDS]


def test_fig7_fails_on_a_norm_above_init_or_a_constrained_delay_or_no_generalization():
    assert fig7_verdicts(fig7_summary(norm_end=25.0, constrained_delay=400.0)) == [FAILS, FAILS]
    assert fig7_verdicts(fig7_summary(15.0, float("nan")))[1] == FAILS


def test_fig7_cannot_tell_when_the_unconstrained_net_did_not_grok():
    summary = fig7_summary(15.0, 100.0, unconstrained_delay=float("nan"))
    assert fig7_verdicts(summary)[1] == CANNOT_TELL
