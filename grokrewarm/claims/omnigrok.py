"""Liu et al. 2023, Omnigrok (``papers/liu2023_omnigrok.txt``): the claims of its figures as
checks over each sweep's summary table."""

from __future__ import annotations

import math

import pandas as pd

from grokrewarm.claims.core import MissingRows, column, rows, verdict
from grokrewarm.method.power_law import fit_power_law

# Omnigrok App. C, Fig. 10: "t ~ 1/gamma", a log-log slope of -1; the band of +-0.3 around
# it allows for the coarse resolution of a step-to-threshold read every `metrics_every` steps
FIG10_SLOPE_BAND = (-1.3, -0.7)
FIG10_MIN_POINTS = 3  # a slope through two points always "fits"
# The weight decays the law is claimed over. Transformer: "t ~ 1/gamma holds across roughly two
# orders of magnitude" (every swept decay). MNIST: "for gamma roughly between 0.1 and 1.0 the
# relation holds. Very high values of weight decay seem to mess with optimization".
FIG10_ALL_WEIGHT_DECAYS = (0.0, math.inf)
FIG10_MNIST_WEIGHT_DECAYS = (0.1, 1.0)


def _fig10_slope(summary: pd.DataFrame, panel: str, claim: str, weight_decays: tuple):
    """The log-log slope of the time to generalize against the weight decay, fitted over the runs
    that generalized with a decay inside ``weight_decays`` (inclusive)."""
    found = rows(summary, panel=panel)
    decay = column(found, "weight_decay")
    if "time_to_generalize" not in found.columns:
        raise MissingRows("the summary has no column 'time_to_generalize'")
    low_decay, high_decay = weight_decays
    inside = (decay >= low_decay) & (decay <= high_decay)
    times = found.loc[inside, "time_to_generalize"].astype(float)
    # seeds repeat a decay: the guard counts the distinct decays the fit can use, not runs
    usable = times.notna() & (times > 0) & (decay[inside] > 0)
    decays_reached = decay[inside][usable].nunique()
    if decays_reached < FIG10_MIN_POINTS:
        raise MissingRows(
            f"{decays_reached} weight decays in [{low_decay:g}, {high_decay:g}] reached the "
            f"threshold, {FIG10_MIN_POINTS} needed"
        )
    fit = fit_power_law(decay[inside], times)
    low, high = FIG10_SLOPE_BAND
    return verdict(
        claim,
        low <= fit.exponent <= high,
        {
            "slope": fit.exponent,
            "band": [low, high],
            "points": fit.n_points,
            "weight_decays_reached": decays_reached,
            "weight_decays_fitted": [low_decay, high_decay],
        },
    )


def fig10_transformer_inverse_weight_decay(summary: pd.DataFrame):
    """Omnigrok Fig. 10a: the transformer's time to generalize scales as 1/weight decay"""
    return _fig10_slope(
        summary,
        "transformer",
        fig10_transformer_inverse_weight_decay.__doc__,
        FIG10_ALL_WEIGHT_DECAYS,
    )


def fig10_mnist_inverse_weight_decay(summary: pd.DataFrame):
    """Omnigrok Fig. 10b: the MNIST MLP's time to generalize scales as 1/weight decay for weight
    decays between 0.1 and 1"""
    return _fig10_slope(
        summary, "mnist", fig10_mnist_inverse_weight_decay.__doc__, FIG10_MNIST_WEIGHT_DECAYS
    )


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


# --- grokking in a run's training curves (Figs. 2b, 3d, 4d, 5d, 12)

# "Grokking" in one run: the test curve reaches the summary's threshold (its `threshold` column:
# accuracy >= it, or a loss below it) at least 10x as late as the train curve, i.e. a time to grok
# (`time_to_grok`, test step - train step) of at least 9x the time to fit. Omnigrok Sec. 4 (IMDb,
# Fig. 4d): "overfitting is complete within 10^2 steps, but generalization does not start until
# around 10^3 steps", the weakest delay the paper still calls grokking. A run whose test curve
# reaches the threshold within 10x of its train curve "generalizes fast" (no grokking); one whose
# test curve never reaches it does neither.
GROK_RATIO = 10.0


def _reach_steps(found: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per run, the first logged steps at which the train and the test curve reach the threshold
    (NaN: never); the train step is in ``train_reaches_<metric>_<threshold>``."""
    train_columns = [c for c in found.columns if c.startswith("train_reaches_")]
    for name in ("time_to_generalize", "threshold"):
        if name not in found.columns:
            raise MissingRows(f"the summary has no column {name!r}")
    if not train_columns:
        raise MissingRows("the summary has no train_reaches_* column")
    train = found[train_columns].bfill(axis=1).iloc[:, 0].astype(float)
    return train, found["time_to_generalize"].astype(float)


def _delay_ratios(train: pd.Series, test: pd.Series) -> list[float]:
    """test step / train step per run (NaN where either curve never reached the threshold)."""
    ratios = []
    for fit, general in zip(train, test, strict=True):
        if math.isnan(fit) or math.isnan(general):
            ratios.append(math.nan)
        elif fit <= 0:
            ratios.append(math.inf if general > 0 else 1.0)
        else:
            ratios.append(general / fit)
    return ratios


def _grok_numbers(found: pd.DataFrame) -> tuple[list[float], dict]:
    train, test = _reach_steps(found)
    ratios = _delay_ratios(train, test)
    numbers = {
        "train_reaches": [float(v) for v in train],
        "test_reaches": [float(v) for v in test],
        "ratio": ratios,
        "grok_ratio": GROK_RATIO,
        "threshold": float(found["threshold"].iloc[0]),
    }
    return ratios, numbers


def _groks(found: pd.DataFrame, claim: str):
    """Every run groks: test reaches the threshold at least GROK_RATIO x as late as train."""
    ratios, numbers = _grok_numbers(found)
    return verdict(claim, all(r >= GROK_RATIO for r in ratios), numbers)  # NaN >= x: False


def _generalizes_fast(found: pd.DataFrame, claim: str):
    """Every run's train and test curves reach the threshold, test within GROK_RATIO x train."""
    ratios, numbers = _grok_numbers(found)
    return verdict(claim, all(r < GROK_RATIO for r in ratios), numbers)  # NaN < x: False


# --- the reduced landscape (Figs. 2a, 3a-c, 4a-c, 5a-c, 9, 11; omnigrok_landscape)

# The "U": the paper's reduced losses are drawn on log axes spanning decades (Figs. 2a, 4c, 5c);
# an arm of a "U" (or a rise of the train curve) is read as the curve ending at least 2x above
# its minimum over alpha, so seed noise on a flat curve does not make a "U" (ours, fixed before
# any run).
ARM_FACTOR = 2.0
# The flat, "near zero" part of the "L" (Fig. 2a: the train loss "remains flat near zero when
# alpha >= 1"): at every alpha >= 1 the train curve lies below half the test curve's minimum, so
# the overfitting solutions at large norm fit the training set better than the best generalizing
# one fits the test set, the mismatch of Fig. 1b (ours)
NEAR_ZERO_FRACTION = 0.5


def _landscape_curves(
    summary: pd.DataFrame, measure: str, size: str | None, panel: str = "landscape"
) -> dict[float | None, pd.DataFrame]:
    """Per training-set size (column ``size``; one curve when None): the mean final train and
    test ``measure`` ('loss', or 'error' = 1 - accuracy) over seeds, indexed by alpha
    (``init_scale``, the fixed norm), ascending."""
    found = rows(summary, panel=panel)
    if measure == "loss":
        train = column(found, "final_train/loss")
        test = column(found, "final_test/loss")
    else:
        train = 1.0 - column(found, "final_train/acc")
        test = 1.0 - column(found, "final_test/acc")
    table = pd.DataFrame(
        {
            "alpha": column(found, "init_scale").astype(float),
            "size": column(found, size).astype(float) if size else 0.0,
            "train": train.astype(float),
            "test": test.astype(float),
        }
    )
    curves = {}
    for value, group in table.groupby("size"):
        curve = group.groupby("alpha")[["train", "test"]].mean().sort_index()
        curves[float(value) if size else None] = curve
    return curves


def _rises(value: float, base: float) -> bool:
    return bool(value > base and value >= ARM_FACTOR * base)


def _curve_numbers(curve: pd.DataFrame, which: str) -> dict:
    return {
        "alpha": [float(a) for a in curve.index],
        which: [float(v) for v in curve[which]],
    }


def _train_l(curve: pd.DataFrame) -> tuple[bool, dict]:
    """The train curve's "L": high at the smallest alpha (< 1), at least ARM_FACTOR x its
    minimum from alpha = 1 up, where it stays below NEAR_ZERO_FRACTION x the test minimum."""
    below, above = curve[curve.index < 1], curve[curve.index >= 1]
    if below.empty or above.empty:
        raise MissingRows(f"an 'L' needs alphas below 1 and from 1 up, got {list(curve.index)}")
    test_min = float(curve["test"].min())
    flat = bool((above["train"] <= NEAR_ZERO_FRACTION * test_min).all())
    falls = _rises(float(below["train"].iloc[0]), float(above["train"].min()))
    numbers = _curve_numbers(curve, "train") | {
        "test_min": test_min,
        "near_zero_fraction": NEAR_ZERO_FRACTION,
        "arm_factor": ARM_FACTOR,
    }
    return flat and falls, numbers


def _u_grid(curve: pd.DataFrame) -> None:
    """A "U" needs 3 alphas, some below and some above 1: the papers' minima lie near alpha = 1,
    so a grid on one side of it can show one arm at most (as the "L" needs both sides)."""
    if len(curve) < 3:
        raise MissingRows(f"a 'U' needs at least 3 alphas, got {list(curve.index)}")
    if not ((curve.index < 1).any() and (curve.index > 1).any()):
        raise MissingRows(f"a 'U' needs alphas below and above 1, got {list(curve.index)}")


def _test_u(curve: pd.DataFrame, centre: tuple[float, float] | None = None) -> tuple[bool, dict]:
    """The test curve's "U": both ends at least ARM_FACTOR x its minimum (so the minimum is
    inside the swept alphas), the minimum at an alpha in ``centre`` when given."""
    _u_grid(curve)
    test = curve["test"]
    low, alpha_at_min = float(test.min()), float(test.idxmin())
    arms = _rises(float(test.iloc[0]), low) and _rises(float(test.iloc[-1]), low)
    near = centre is None or centre[0] <= alpha_at_min <= centre[1]
    numbers = _curve_numbers(curve, "test") | {"alpha_at_min": alpha_at_min}
    if centre is not None:
        numbers["centre"] = list(centre)
    return arms and near, numbers | {"arm_factor": ARM_FACTOR}


def _both_u(curve: pd.DataFrame) -> tuple[bool, dict]:
    """Train and test curves both "U"-shaped: both ends of each at least ARM_FACTOR x its
    minimum (no flat train "L" at large alpha, so no mismatch to grok through)."""
    _u_grid(curve)
    shapes = {}
    for which in ("train", "test"):
        values = curve[which]
        low = float(values.min())
        shapes[which] = _rises(float(values.iloc[0]), low) and _rises(float(values.iloc[-1]), low)
    numbers = {
        "alpha": [float(a) for a in curve.index],
        "train": [float(v) for v in curve["train"]],
        "test": [float(v) for v in curve["test"]],
        "arm_factor": ARM_FACTOR,
    }
    return shapes["train"] and shapes["test"], numbers


def _at_size(curves: dict, which: str) -> tuple[float | None, pd.DataFrame]:
    """The curve of the smallest or the largest training-set size."""
    key = (min if which == "smallest" else max)(curves, key=lambda k: -math.inf if k is None else k)
    return key, curves[key]


def _landscape_check(summary, measure, size, shape, claim, which="smallest", **kwargs):
    size_value, curve = _at_size(_landscape_curves(summary, measure, size), which)
    holds, numbers = shape(curve, **kwargs)
    if size:
        numbers = {size: size_value} | numbers
    return verdict(claim, holds, numbers)


def _more_data_narrows(summary: pd.DataFrame, measure: str, size: str, claim: str):
    """At the largest alpha run at both the smallest and the largest training-set size, the
    test - train gap is smaller with more data."""
    curves = _landscape_curves(summary, measure, size)
    if len(curves) < 2:
        raise MissingRows(f"one training-set size ({size} = {list(curves)}), two needed")
    small, large = min(curves), max(curves)
    common = curves[small].index.intersection(curves[large].index)
    if common.empty:
        raise MissingRows(f"no alpha run at both {size} = {small:g} and {large:g}")
    alpha = float(common.max())
    gaps = {
        n: float(curves[n].loc[alpha, "test"] - curves[n].loc[alpha, "train"])
        for n in (small, large)
    }
    return verdict(
        claim,
        gaps[large] < gaps[small],
        {
            "alpha": alpha,
            f"gap_{size}_{small:g}": gaps[small],
            f"gap_{size}_{large:g}": gaps[large],
            "measure": measure,
        },
    )


# --- Fig. 2: teacher-student

# Sec. 3: "two initializations alpha = 0.5 (small) and alpha = 2.0 (large), and three weight
# decays gamma = 0 (no reg), gamma = 0.03 (small reg) and gamma = 1 (large reg)"
FIG2_LARGE_INIT, FIG2_SMALL_INIT = 2.0, 0.5
FIG2_SMALL_DECAY, FIG2_LARGE_DECAY = 0.03, 1.0
# Fig. 2c: the time to 95% train accuracy "is independent of weight decay": the slowest weight
# decay's median time to fit within 2x of the fastest's, where 1/gamma spans 33x over
# [0.03, 1] (ours)
FIG2_FIT_SPREAD = 2.0
# Fig. 2a: the test loss is "a U-shape with a minimum at alpha ~ 1": within a factor 2 of 1 (ours)
FIG2_MINIMUM_NEAR = (0.5, 2.0)


def fig2b_large_init_without_decay_never_generalizes(summary: pd.DataFrame):
    """Omnigrok Fig. 2b: at init scale 2 without weight decay the student fits the training set
    and its test accuracy never reaches the threshold"""
    # Sec. 3: "Large initialization runs (top) depended on weight decay: no regularization fails
    # to generalize"
    found = rows(summary, panel="dynamics", init_scale=FIG2_LARGE_INIT, weight_decay=0.0)
    train, test = _reach_steps(found)
    return verdict(
        fig2b_large_init_without_decay_never_generalizes.__doc__,
        bool((train.notna() & test.isna()).all()),
        {
            "train_reaches": [float(v) for v in train],
            "test_reaches": [float(v) for v in test],
            "threshold": float(found["threshold"].iloc[0]),
        },
    )


def fig2b_large_init_small_decay_groks(summary: pd.DataFrame):
    """Omnigrok Fig. 2b: at init scale 2 with weight decay 0.03 the student groks: its test
    accuracy reaches the threshold at least 10x as late as its train accuracy"""
    # Sec. 3: "small regularization generalizes slowly (grokking)"
    found = rows(
        summary, panel="dynamics", init_scale=FIG2_LARGE_INIT, weight_decay=FIG2_SMALL_DECAY
    )
    return _groks(found, fig2b_large_init_small_decay_groks.__doc__)


def fig2b_large_decay_generalizes_faster(summary: pd.DataFrame):
    """Omnigrok Fig. 2b: at init scale 2 the student generalizes sooner with weight decay 1 than
    with 0.03 (median time to generalize, never = infinitely late)"""
    # Sec. 3: "small regularization generalizes slowly (grokking), while large regularization
    # generalizes faster"
    times = {}
    for decay in (FIG2_SMALL_DECAY, FIG2_LARGE_DECAY):
        found = rows(summary, panel="dynamics", init_scale=FIG2_LARGE_INIT, weight_decay=decay)
        _, test = _reach_steps(found)
        times[decay] = float(test.fillna(math.inf).median())
    small, large = times[FIG2_SMALL_DECAY], times[FIG2_LARGE_DECAY]
    return verdict(
        fig2b_large_decay_generalizes_faster.__doc__,
        math.isfinite(large) and large < small,
        {"time_to_generalize_wd0.03": small, "time_to_generalize_wd1": large},
    )


def fig2b_small_init_generalizes_fast(summary: pd.DataFrame):
    """Omnigrok Fig. 2b: at init scale 0.5 the student generalizes fast at every weight decay:
    train and test accuracy reach the threshold, test within 10x as late as train"""
    # Sec. 3: "small initialization runs always generalize fast regardless of regularization"
    found = rows(summary, panel="dynamics", init_scale=FIG2_SMALL_INIT)
    decays = sorted(found["weight_decay"].unique())
    if len(decays) < 2:
        raise MissingRows(f"'regardless of weight decay' needs two weight decays, got {decays}")
    ratios, numbers = _grok_numbers(found)
    return verdict(
        fig2b_small_init_generalizes_fast.__doc__,
        all(r < GROK_RATIO for r in ratios),  # NaN < x: False
        {"weight_decays": [float(d) for d in decays]} | numbers,
    )


def fig2c_time_to_fit_independent_of_decay(summary: pd.DataFrame):
    """Omnigrok Fig. 2c: at init scale 2 the time to fit the training set does not depend on the
    (nonzero) weight decay: the median times to fit are within 2x of each other"""
    # Sec. 3: "the time (number of steps) to reach 95% training accuracy is independent of
    # weight decay gamma" (their finer sweep of gamma in [0.03, 1])
    found = rows(summary, panel="dynamics", init_scale=FIG2_LARGE_INIT)
    found = found[found["weight_decay"] > 0]
    train, _ = _reach_steps(found)
    medians = train.groupby(found["weight_decay"]).median()
    if len(medians) < 2:
        raise MissingRows(f"two nonzero weight decays needed, got {list(medians.index)}")
    fitted = bool(train.notna().all())
    low, high = float(medians.min()), float(medians.max())
    spread = high / low if low > 0 else (1.0 if high == 0 else math.inf)
    return verdict(
        fig2c_time_to_fit_independent_of_decay.__doc__,
        fitted and spread <= FIG2_FIT_SPREAD,
        {
            "weight_decays": [float(v) for v in medians.index],
            "time_to_fit": [float(v) for v in medians],
            "spread": spread,
            "max_spread": FIG2_FIT_SPREAD,
        },
    )


def fig2a_train_loss_l(summary: pd.DataFrame):
    """Omnigrok Fig. 2a: the reduced (fixed-norm) train loss is "L" shaped: high at the smallest
    alpha, at least 2x its value from alpha = 1 up, where it stays below half the test loss's
    minimum"""
    # Sec. 3: "l_train(alpha) decreases when alpha < 1 and remains flat near zero when
    # alpha >= 1, forming an L-shape"
    return _landscape_check(summary, "loss", None, _train_l, fig2a_train_loss_l.__doc__)


def fig2a_test_loss_u(summary: pd.DataFrame):
    """Omnigrok Fig. 2a: the reduced (fixed-norm) test loss is "U" shaped: both ends at least 2x
    its minimum, which lies at alpha in [0.5, 2]"""
    # Sec. 3: "l_test(alpha) first decreases and then increases as alpha increases, displaying a
    # U-shape with a minimum at alpha ~ 1"
    return _landscape_check(
        summary, "loss", None, _test_u, fig2a_test_loss_u.__doc__, centre=FIG2_MINIMUM_NEAR
    )


# --- Fig. 3: MNIST-1k, MSE

FIG3_LARGE_INIT = 8.0  # the authors' code (FIGURES.md): "all parameters scaled x8 at init"


def fig3d_large_init_groks(summary: pd.DataFrame):
    """Omnigrok Fig. 3d: at init scale 8 the MLP groks: test accuracy reaches the threshold at
    least 10x as late as train accuracy"""
    # Sec. 4: "the network quickly fits the training set, and test accuracy improves much later"
    found = rows(summary, panel="dynamics", init_scale=FIG3_LARGE_INIT)
    return _groks(found, fig3d_large_init_groks.__doc__)


def fig3d_standard_init_does_not_grok(summary: pd.DataFrame):
    """Omnigrok Fig. 3: at the standard init (scale 1) the MLP generalizes without grokking:
    test accuracy reaches the threshold within 10x as late as train accuracy"""
    # Sec. 4: "Point A in Figure 3 corresponds to the standard initialization (alpha = 1), which
    # has low training and test errors, hence no grokking"
    found = rows(summary, panel="dynamics", init_scale=1.0)
    return _generalizes_fast(found, fig3d_standard_init_does_not_grok.__doc__)


def fig3ab_train_error_l(summary: pd.DataFrame):
    """Omnigrok Fig. 3a,c: at the smallest training set the reduced train error is "L" shaped:
    high at the smallest alpha (2x its value from alpha = 1 up), below half the test error's
    minimum from alpha = 1 up"""
    # Fig. 3 caption: "(c) 'LU' holds truer for smaller data"; Sec. 4: "When increasing the
    # weight norm from A to B, training error is seen to remain low while test error rises"
    return _landscape_check(summary, "error", "n_train", _train_l, fig3ab_train_error_l.__doc__)


def fig3ab_test_error_u(summary: pd.DataFrame):
    """Omnigrok Fig. 3b,c: at the smallest training set the reduced test error is "U" shaped:
    both ends at least 2x its minimum"""
    # Sec. 4: from A (alpha = 1) to B (larger norm) "test error rises"; Fig. 3c: "'LU' holds
    # truer for smaller data"
    return _landscape_check(summary, "error", "n_train", _test_u, fig3ab_test_error_u.__doc__)


def fig3c_more_data_narrows_mismatch(summary: pd.DataFrame):
    """Omnigrok Fig. 3a-c: more data de-groks: at the largest alpha the reduced test - train
    error gap is smaller at the largest training set than at the smallest"""
    # Sec. 4: "C is seen to have larger training size than B and lower test error. Larger data
    # size N makes the Goldilocks zone broader, reducing or eliminating grokking"
    return _more_data_narrows(summary, "error", "n_train", fig3c_more_data_narrows_mismatch.__doc__)


# --- Fig. 4: IMDb LSTM


def fig4d_large_init_groks(summary: pd.DataFrame):
    """Omnigrok Fig. 4d: at init scale 6 with weight decay 1 the LSTM (1k reviews) groks, weakly:
    test accuracy reaches the threshold at least 10x as late as train accuracy"""
    # Sec. 4: "overfitting is complete within 10^2 steps, but generalization does not start until
    # around 10^3 steps"
    found = rows(summary, panel="large_init")
    return _groks(found, fig4d_large_init_groks.__doc__)


def fig4d_standard_init_does_not_grok(summary: pd.DataFrame):
    """Omnigrok Fig. 4d: at the standard init without weight decay the LSTM generalizes early:
    test accuracy reaches the threshold within 10x as late as train accuracy"""
    # Sec. 4: "if we use the standard initialization (alpha = 1) with no weight decay,
    # generalization happens early on during training"
    found = rows(summary, panel="standard_init")
    return _generalizes_fast(found, fig4d_standard_init_does_not_grok.__doc__)


def fig4ab_small_data_train_error_l(summary: pd.DataFrame):
    """Omnigrok Fig. 4a: with the smallest training set (1k reviews) the reduced train error is
    "L" shaped: high at the smallest alpha, below half the test error's minimum from alpha = 1"""
    # Sec. 4: "For small data size, say 1k, however, the mismatch between training and test
    # errors makes it possible to create grokking via large initializations"
    return _landscape_check(
        summary, "error", "n_train", _train_l, fig4ab_small_data_train_error_l.__doc__
    )


def fig4ab_small_data_test_error_u(summary: pd.DataFrame):
    """Omnigrok Fig. 4b: with the smallest training set (1k reviews) the reduced test error is
    "U" shaped: both ends at least 2x its minimum"""
    # Sec. 4: the 1k mismatch of an "L" train error against a "U" test error (Fig. 4a-b)
    return _landscape_check(
        summary, "error", "n_train", _test_u, fig4ab_small_data_test_error_u.__doc__
    )


def fig4ab_large_data_errors_both_u(summary: pd.DataFrame):
    """Omnigrok Fig. 4a-b: with the largest training set the reduced train and test errors are
    both "U" shaped: both ends of each at least 2x its minimum"""
    # Sec. 4: "For large data size say the full dataset, training and test errors have similar
    # 'U' shapes, so one cannot create grokking via the 'LU' mechanism"
    return _landscape_check(
        summary, "error", "n_train", _both_u, fig4ab_large_data_errors_both_u.__doc__, "largest"
    )


# --- Fig. 5: QM9 graph network

FIG5_LARGE_INIT = 3.0  # Sec. 4: "if initialization is 3 times larger than standard"


def fig5d_large_init_groks(summary: pd.DataFrame):
    """Omnigrok Fig. 5d: at init scale 3 without weight decay the graph net groks: the test loss
    drops below the threshold at least 10x as late as the train loss"""
    # Sec. 4: "there is a sharp drop in test loss around 10^4 steps if initialization is 3 times
    # larger than standard"
    found = rows(summary, panel="dynamics", init_scale=FIG5_LARGE_INIT)
    return _groks(found, fig5d_large_init_groks.__doc__)


def fig5d_standard_init_does_not_grok(summary: pd.DataFrame):
    """Omnigrok Fig. 5d: at the standard init the graph net does not grok: the test loss drops
    below the threshold within 10x as late as the train loss"""
    # Sec. 4: "while standard initialization does not lead to grokking"
    found = rows(summary, panel="dynamics", init_scale=1.0)
    return _generalizes_fast(found, fig5d_standard_init_does_not_grok.__doc__)


def fig5c_small_data_train_loss_l(summary: pd.DataFrame):
    """Omnigrok Fig. 5c: with the smallest training set the reduced train loss is "L" shaped:
    high at the smallest alpha, below half the test loss's minimum from alpha = 1 up"""
    # Sec. 4: "When data size is small, training and test losses mismatch somewhere in the region
    # alpha = w/w0 > 1, making grokking possible"
    return _landscape_check(
        summary, "loss", "n_train", _train_l, fig5c_small_data_train_loss_l.__doc__
    )


def fig5c_small_data_test_loss_u(summary: pd.DataFrame):
    """Omnigrok Fig. 5c: with the smallest training set the reduced test loss is "U" shaped:
    both ends at least 2x its minimum"""
    # Sec. 4: the small-data mismatch "in the region alpha > 1" of an "L" train loss against a
    # "U" test loss
    return _landscape_check(
        summary, "loss", "n_train", _test_u, fig5c_small_data_test_loss_u.__doc__
    )


def fig5c_large_data_losses_both_u(summary: pd.DataFrame):
    """Omnigrok Fig. 5c: with the largest training set the reduced train and test losses are
    both "U" shaped: both ends of each at least 2x its minimum"""
    # Sec. 4: "when data size is large, training and test losses have similar 'U' shapes, hence
    # grokking is impossible via the 'LU mechanism'"
    return _landscape_check(
        summary, "loss", "n_train", _both_u, fig5c_large_data_losses_both_u.__doc__, "largest"
    )


# --- Fig. 9: transformer on modular addition, reduced landscape

FIG9_LU_UP_TO = 4.0  # App. B: "The LU shape holds for alpha in [0.1, 4]"
# App. B: "the critical train set size is approximately 0.25"; "approximately": only fractions at
# least 0.05 from it are judged, 0.2 and below never generalizing, 0.3 and above generalizing (ours)
FIG9_BELOW, FIG9_ABOVE = 0.2, 0.3


def _fig9_lu(summary: pd.DataFrame, shape, claim: str):
    curves = _landscape_curves(summary, "loss", "train_fraction")
    above = {f: c[c.index <= FIG9_LU_UP_TO] for f, c in curves.items() if f >= FIG9_ABOVE}
    if not above:
        raise MissingRows(f"no training fraction >= {FIG9_ABOVE}, got {list(curves)}")
    results = {f: shape(c) for f, c in sorted(above.items())}
    numbers = {"fractions": list(results), "holds_at": [ok for ok, _ in results.values()]}
    first_fail = next((f for f, (ok, _) in results.items() if not ok), next(iter(results)))
    numbers |= {f"frac{first_fail:g}_{k}": v for k, v in results[first_fail][1].items()}
    return verdict(claim, all(ok for ok, _ in results.values()), numbers)


def fig9_train_loss_l(summary: pd.DataFrame):
    """Omnigrok Fig. 9: at every training fraction from 0.3 up the transformer's reduced train
    loss is "L" shaped over alpha <= 4: high at the smallest alpha, below half the test loss's
    minimum from alpha = 1 up"""
    # App. B: "The LU shape holds for alpha in [0.1, 4] (some optimization issue may be
    # responsible for the rise in train loss for alpha > 4)"
    return _fig9_lu(summary, _train_l, fig9_train_loss_l.__doc__)


def fig9_test_loss_u(summary: pd.DataFrame):
    """Omnigrok Fig. 9: at every training fraction from 0.3 up the transformer's reduced test
    loss is "U" shaped over alpha <= 4: both ends at least 2x its minimum"""
    # App. B: "The LU shape holds for alpha in [0.1, 4]"
    return _fig9_lu(summary, _test_u, fig9_test_loss_u.__doc__)


def _fig9_best_accuracy(summary: pd.DataFrame) -> tuple[dict[float, float], float]:
    """Per training fraction: the best (over alpha) seed-mean final test accuracy; the
    threshold."""
    found = rows(summary, panel="landscape")
    accuracy = column(found, "final_test/acc")
    means = accuracy.groupby([column(found, "train_fraction"), found["init_scale"]]).mean()
    best = means.groupby(level=0).max()
    return {float(f): float(a) for f, a in best.items()}, float(column(found, "threshold").iloc[0])


def fig9_below_critical_fraction_does_not_generalize(summary: pd.DataFrame):
    """Omnigrok Fig. 9: below the critical training fraction (at 0.2 and less) no fixed norm
    alpha brings the final test accuracy to the threshold"""
    # App. B: "We see the critical train set size is approximately 0.25"
    best, threshold = _fig9_best_accuracy(summary)
    below = {f: a for f, a in best.items() if f <= FIG9_BELOW}
    if not below:
        raise MissingRows(f"no training fraction <= {FIG9_BELOW}, got {list(best)}")
    return verdict(
        fig9_below_critical_fraction_does_not_generalize.__doc__,
        all(a < threshold for a in below.values()),
        {"fractions": list(below), "best_test_acc": list(below.values()), "threshold": threshold},
    )


def fig9_above_critical_fraction_generalizes(summary: pd.DataFrame):
    """Omnigrok Fig. 9: above the critical training fraction (at 0.3 and more) some fixed norm
    alpha brings the final test accuracy to the threshold"""
    # App. B: "We see the critical train set size is approximately 0.25"
    best, threshold = _fig9_best_accuracy(summary)
    above = {f: a for f, a in best.items() if f >= FIG9_ABOVE}
    if not above:
        raise MissingRows(f"no training fraction >= {FIG9_ABOVE}, got {list(best)}")
    return verdict(
        fig9_above_critical_fraction_generalizes.__doc__,
        all(a >= threshold for a in above.values()),
        {"fractions": list(above), "best_test_acc": list(above.values()), "threshold": threshold},
    )


# --- Fig. 11: MNIST with cross-entropy, reduced landscape


def fig11_train_error_l(summary: pd.DataFrame):
    """Omnigrok Fig. 11: with cross-entropy, at the smallest training set the reduced train error
    is "L" shaped: high at the smallest alpha, below half the test error's minimum from
    alpha = 1 up"""
    # App. E: "(1) for small datasets, the reduced training error and test error resemble an 'L'
    # and 'U' against the weight norm, respectively"
    return _landscape_check(summary, "error", "n_train", _train_l, fig11_train_error_l.__doc__)


def fig11_test_error_u(summary: pd.DataFrame):
    """Omnigrok Fig. 11: with cross-entropy, at the smallest training set the reduced test error
    is "U" shaped: both ends at least 2x its minimum"""
    # App. E: "for small datasets, the reduced training error and test error resemble an 'L' and
    # 'U'"
    return _landscape_check(summary, "error", "n_train", _test_u, fig11_test_error_u.__doc__)


def fig11_more_data_narrows_mismatch(summary: pd.DataFrame):
    """Omnigrok Fig. 11: with cross-entropy, at the largest alpha the reduced test - train error
    gap is smaller at the largest training set than at the smallest"""
    # App. E: "(2) for large datasets, the 'U' becomes more like 'L', i.e., the mismatch between
    # the reduced training and test error is small"
    return _more_data_narrows(summary, "error", "n_train", fig11_more_data_narrows_mismatch.__doc__)


# --- Fig. 12: MNIST-1k with cross-entropy, init scale 100

FIG12_LARGE_INIT = 100.0  # App. E: "MNIST trained with cross entropy loss with alpha = 100"


def fig12_large_init_groks(summary: pd.DataFrame):
    """Omnigrok Fig. 12: with cross-entropy at init scale 100 the MLP shows delayed
    generalization: test accuracy reaches the threshold at least 10x as late as train accuracy"""
    # App. E: "test accuracy rises to 30-40% early in training, then plateaus for an extended
    # period, before increasing to ~75% while train accuracy remains at 100%"
    found = rows(summary, panel="dynamics", init_scale=FIG12_LARGE_INIT)
    return _groks(found, fig12_large_init_groks.__doc__)


def fig12_standard_init_does_not_grok(summary: pd.DataFrame):
    """Omnigrok Fig. 12 against Fig. 3: with cross-entropy at the standard init (scale 1) the MLP
    generalizes without grokking: test accuracy reaches the threshold within 10x as late as train
    accuracy"""
    # App. E: "to induce grokking with CE, we need to increase the weight norm to a larger value
    # (say alpha = 100)"; Sec. 4: the standard init (point A) has "low training and test errors,
    # hence no grokking"
    found = rows(summary, panel="dynamics", init_scale=1.0)
    return _generalizes_fast(found, fig12_standard_init_does_not_grok.__doc__)


# --- omnigrok_landscape: teacher-student, alpha x training-set size


def landscape_train_loss_l(summary: pd.DataFrame):
    """Omnigrok reduced landscape (teacher-student): at the smallest training set the train loss
    is "L" shaped: high at the smallest alpha (2x its value from alpha = 1 up), below half the
    test loss's minimum from alpha = 1 up"""
    # Sec. 3 (Fig. 2a): "l_train(alpha) decreases when alpha < 1 and remains flat near zero when
    # alpha >= 1"; Fig. 3c: "'LU' holds truer for smaller data"
    return _landscape_check(summary, "loss", "n_train", _train_l, landscape_train_loss_l.__doc__)


def landscape_test_loss_u(summary: pd.DataFrame):
    """Omnigrok reduced landscape (teacher-student): at the smallest training set the test loss
    is "U" shaped: both ends at least 2x its minimum, which lies at alpha in [0.5, 2]"""
    # Sec. 3 (Fig. 2a): "displaying a U-shape with a minimum at alpha ~ 1"
    return _landscape_check(
        summary, "loss", "n_train", _test_u, landscape_test_loss_u.__doc__, centre=FIG2_MINIMUM_NEAR
    )


def landscape_more_data_narrows_mismatch(summary: pd.DataFrame):
    """Omnigrok reduced landscape (teacher-student): at the largest alpha the test - train loss
    gap is smaller at the largest training set than at the smallest"""
    # Sec. 4 (Fig. 3): "Larger data size N makes the Goldilocks zone broader, reducing or
    # eliminating grokking even for large weight initializations"
    return _more_data_narrows(
        summary, "loss", "n_train", landscape_more_data_narrows_mismatch.__doc__
    )


CLAIMS = {
    "omnigrok_fig2": [
        fig2b_large_init_without_decay_never_generalizes,
        fig2b_large_init_small_decay_groks,
        fig2b_large_decay_generalizes_faster,
        fig2b_small_init_generalizes_fast,
        fig2c_time_to_fit_independent_of_decay,
        fig2a_train_loss_l,
        fig2a_test_loss_u,
    ],
    "omnigrok_fig3": [
        fig3d_large_init_groks,
        fig3d_standard_init_does_not_grok,
        fig3ab_train_error_l,
        fig3ab_test_error_u,
        fig3c_more_data_narrows_mismatch,
    ],
    "omnigrok_fig4": [
        fig4d_large_init_groks,
        fig4d_standard_init_does_not_grok,
        fig4ab_small_data_train_error_l,
        fig4ab_small_data_test_error_u,
        fig4ab_large_data_errors_both_u,
    ],
    "omnigrok_fig5": [
        fig5d_large_init_groks,
        fig5d_standard_init_does_not_grok,
        fig5c_small_data_train_loss_l,
        fig5c_small_data_test_loss_u,
        fig5c_large_data_losses_both_u,
    ],
    "omnigrok_fig7": [fig7_norm_rises_then_falls_below_init, fig7_constrained_does_not_grok],
    "omnigrok_fig9": [
        fig9_train_loss_l,
        fig9_test_loss_u,
        fig9_below_critical_fraction_does_not_generalize,
        fig9_above_critical_fraction_generalizes,
    ],
    "omnigrok_fig10": [fig10_transformer_inverse_weight_decay, fig10_mnist_inverse_weight_decay],
    "omnigrok_fig11": [
        fig11_train_error_l,
        fig11_test_error_u,
        fig11_more_data_narrows_mismatch,
    ],
    "omnigrok_fig12": [fig12_large_init_groks, fig12_standard_init_does_not_grok],
    "omnigrok_landscape": [
        landscape_train_loss_l,
        landscape_test_loss_u,
        landscape_more_data_narrows_mismatch,
    ],
}
