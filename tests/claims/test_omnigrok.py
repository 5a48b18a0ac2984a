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
