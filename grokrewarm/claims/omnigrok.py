"""Liu et al. 2023, Omnigrok (``papers/liu2023_omnigrok.txt``): the claims of its figures as
checks over each sweep's summary table."""

from __future__ import annotations

import pandas as pd

from grokrewarm.claims.core import MissingRows, column, rows, verdict

# Omnigrok App. C, Fig. 10: "t ~ 1/gamma", a log-log slope of -1; the band of +-0.3 around
# it allows for the coarse resolution of a step-to-threshold read every `metrics_every` steps
FIG10_SLOPE_BAND = (-1.3, -0.7)
FIG10_MIN_POINTS = 3  # a slope through two points always "fits"


def _fig10_slope(summary: pd.DataFrame, panel: str, claim: str):
    found = rows(summary, panel=panel)
    points = int(column(found, "power_law_points").iloc[0])
    if points < FIG10_MIN_POINTS:
        raise MissingRows(
            f"{points} weight decays reached the threshold, {FIG10_MIN_POINTS} needed"
        )
    slope = float(column(found, "power_law_slope").iloc[0])
    low, high = FIG10_SLOPE_BAND
    return verdict(
        claim,
        low <= slope <= high,
        {"slope": slope, "band": [low, high], "points": points},
    )


def fig10_transformer_inverse_weight_decay(summary: pd.DataFrame):
    """Omnigrok Fig. 10a: the transformer's time to generalize scales as 1/weight decay"""
    return _fig10_slope(summary, "transformer", fig10_transformer_inverse_weight_decay.__doc__)


def fig10_mnist_inverse_weight_decay(summary: pd.DataFrame):
    """Omnigrok Fig. 10b: the MNIST MLP's time to generalize scales as 1/weight decay"""
    return _fig10_slope(summary, "mnist", fig10_mnist_inverse_weight_decay.__doc__)


CLAIMS = {
    "omnigrok_fig10": [fig10_transformer_inverse_weight_decay, fig10_mnist_inverse_weight_decay]
}
