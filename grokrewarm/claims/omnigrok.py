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


# Omnigrok Fig. 7b against 7a: the constrained network's train and test accuracy "rise together"
# while the unconstrained one lags by ~10x; "together" is read as a delay under a quarter of the
# unconstrained delay (our reading of the figure, fixed before any run)
FIG7_TOGETHER_FRACTION = 0.25


def fig7_norm_rises_then_falls_below_init(summary: pd.DataFrame):
    """Omnigrok Fig. 7a: the unconstrained weight norm rises while the network overfits, then falls
    below its initial value, and the network generalizes (test accuracy reaches the threshold)"""
    found = rows(summary, panel="unconstrained")
    start, peak, end = (column(found, c) for c in ("norm_start", "norm_peak", "norm_end"))
    generalized = found["time_to_generalize"].notna()
    return verdict(
        fig7_norm_rises_then_falls_below_init.__doc__,
        bool(((peak > start) & (end < start) & generalized).all()),
        {
            "norm_start": float(start.mean()),
            "norm_peak": float(peak.mean()),
            "norm_end": float(end.mean()),
            "runs_generalized": int(generalized.sum()),
            "runs": len(found),
        },
    )


def fig7_constrained_does_not_grok(summary: pd.DataFrame):
    """Omnigrok Fig. 7b: with the weight norm held at 0.8x init, train and test accuracy rise
    together: a time to grok under a quarter of the unconstrained network's"""
    constrained = rows(summary, panel="constrained")
    unconstrained = rows(summary, panel="unconstrained")
    reference = float(column(unconstrained, "time_to_grok").median())
    if not reference > 0:
        raise MissingRows(f"the unconstrained network did not grok (time to grok {reference})")
    delay = constrained["time_to_grok"]  # NaN: the test accuracy never reached the threshold
    together = delay.notna() & (delay < FIG7_TOGETHER_FRACTION * reference)
    return verdict(
        fig7_constrained_does_not_grok.__doc__,
        bool(together.all()),
        {
            "constrained_time_to_grok": [float(v) for v in delay],
            "unconstrained_time_to_grok": reference,
            "fraction": FIG7_TOGETHER_FRACTION,
        },
    )


CLAIMS = {
    "omnigrok_fig7": [fig7_norm_rises_then_falls_below_init, fig7_constrained_does_not_grok],
    "omnigrok_fig10": [fig10_transformer_inverse_weight_decay, fig10_mnist_inverse_weight_decay],
}
