"""Liu et al. 2023, Omnigrok: the claims of each of its experiments."""

import math
from functools import partial

import pandas as pd

from grokrewarm.claims.core import MissingRows, column, floats, kind, require, rows
from grokrewarm.method.power_law import fit_power_law

# --- grokking in a run's training curves (Omnigrok: one row per run) -----------------------------
#
# "Grokking" in one run: the test curve reaches the summary's threshold (its `threshold` column:
# accuracy >= it, or a loss below it) at least GROK_RATIO x as late as the train curve. Omnigrok
# Sec. 4 (IMDb, Fig. 4d): "overfitting is complete within 10^2 steps, but generalization does not
# start until around 10^3 steps", the weakest delay the paper still calls grokking. A test curve
# reaching it within 10x "generalizes fast" (no grokking); one never reaching it does neither.
GROK_RATIO = 10.0


def reach_steps(found: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per run, the first logged steps at which the train and the test curve reach the threshold
    (NaN: never); the train step is in ``train_reaches_<metric>_<threshold>``."""
    train_columns = [c for c in found.columns if c.startswith("train_reaches_")]
    require(found, "time_to_generalize", "threshold")
    if not train_columns:
        raise MissingRows("the summary has no train_reaches_* column")
    train = found[train_columns].bfill(axis=1).iloc[:, 0].astype(float)
    return train, found["time_to_generalize"].astype(float)


@kind
def generalizes(summary, when: str, across: str | None = None, **where):
    """Every matching run's test curve reaches the threshold ``when``: "late" (at least GROK_RATIO
    x as late as its train curve: it groks), "fast" (within GROK_RATIO x) or, its train curve
    reaching it, "never"; 'cannot tell' under two values of the column ``across`` when given."""
    found = rows(summary, **where)
    if across and column(found, across).nunique() < 2:
        raise MissingRows(f"'every {across}' needs two, got {sorted(found[across].unique())}")
    train, test = reach_steps(found)
    # NaN where either curve never reached the threshold: it compares False, failing late and fast
    ratio = (test / train).mask((train == 0) & (test == 0), 1.0)
    per_run = {"late": ratio >= GROK_RATIO, "fast": ratio < GROK_RATIO}
    per_run["never"] = train.notna() & test.isna()
    numbers = {across: floats(found[across])} if across else {}
    numbers |= {"train_reaches": floats(train), "test_reaches": floats(test)}
    numbers |= {"ratio": floats(ratio), "threshold": float(found["threshold"].iloc[0])}
    return bool(per_run[when].all()), numbers


groks_late = partial(generalizes, "late")
generalizes_fast = partial(generalizes, "fast")
never_generalizes = partial(generalizes, "never")


# --- power-law slope in a band ------------------------------------------------------------------
@kind
def slope_in_band(summary, x: str, y: str, band: tuple, x_range: tuple, min_points: int, **where):
    """The log-log slope of ``y`` against ``x``, fitted over the matching rows whose ``x`` is in
    ``x_range`` (inclusive) and that reached ``y`` (> 0), lies in ``band``; 'cannot tell' under
    ``min_points`` distinct values of ``x`` (seeds repeat a value: a slope through two always
    "fits")."""
    found = rows(summary, **where)
    xs = column(found, x)
    require(found, y)
    inside = (xs >= x_range[0]) & (xs <= x_range[1])
    ys = found.loc[inside, y].astype(float)
    reached = xs[inside][ys.notna() & (ys > 0) & (xs[inside] > 0)].nunique()
    if reached < min_points:
        raise MissingRows(
            f"{reached} weight decays in [{x_range[0]:g}, {x_range[1]:g}] reached the "
            f"threshold, {min_points} needed"
        )
    fit = fit_power_law(xs[inside], ys)
    numbers = {"slope": fit.exponent, "band": list(band), "points": fit.n_points}
    return band[0] <= fit.exponent <= band[1], numbers | {"weight_decays_reached": reached}


# --- landscape shapes over the fixed weight norm alpha (Omnigrok's reduced landscapes) -----------
#
# An arm of a "U" (or a rise of the train curve) is the curve ending at least ARM_FACTOR x above
# its minimum over alpha (the paper's reduced losses are drawn on log axes spanning decades, so
# seed noise on a flat curve does not make a "U"). The flat, "near zero" part of the "L" (Fig. 2a:
# the train loss "remains flat near zero when alpha >= 1"): at every alpha >= 1 the train curve
# lies below NEAR_ZERO_FRACTION x the test curve's minimum, so the overfitting solutions at large
# norm fit the training set better than the best generalizing one fits the test set (Fig. 1b).
ARM_FACTOR = 2.0
NEAR_ZERO_FRACTION = 0.5


def landscape_curves(summary: pd.DataFrame, measure: str, size: str | None) -> dict:
    """Per training-set size (column ``size``; one curve when None): the mean final train and
    test ``measure`` ('loss', or 'error' = 1 - accuracy) over seeds, indexed by alpha
    (``init_scale``, the fixed norm), ascending."""
    found = rows(summary, panel="landscape")
    metric = "loss" if measure == "loss" else "acc"
    train, test = (column(found, f"final_{s}/{metric}").astype(float) for s in ("train", "test"))
    if measure != "loss":
        train, test = 1.0 - train, 1.0 - test
    alpha, sizes = column(found, "init_scale").astype(float), column(found, size) if size else 0.0
    frame = pd.DataFrame({"alpha": alpha, "size": sizes, "train": train, "test": test})
    return {
        float(value) if size else None: group.groupby("alpha")[["train", "test"]].mean()
        for value, group in frame.groupby("size")
    }


def _arm(value: float, base: float) -> bool:
    return bool(value > base and value >= ARM_FACTOR * base)


def _along_alpha(curve: pd.DataFrame, *names: str) -> dict:
    return {"alpha": floats(curve.index)} | {name: floats(curve[name]) for name in names}


def l_shaped_train(curve: pd.DataFrame) -> tuple[bool, dict]:
    """The train curve's "L": high at the smallest alpha (< 1), at least ARM_FACTOR x its
    minimum from alpha = 1 up, where it stays below NEAR_ZERO_FRACTION x the test minimum."""
    below, above = curve[curve.index < 1], curve[curve.index >= 1]
    if below.empty or above.empty:
        raise MissingRows(f"an 'L' needs alphas below 1 and from 1 up, got {list(curve.index)}")
    test_min = float(curve["test"].min())
    flat = bool((above["train"] <= NEAR_ZERO_FRACTION * test_min).all())
    falls = _arm(float(below["train"].iloc[0]), float(above["train"].min()))
    return flat and falls, _along_alpha(curve, "train") | {"test_min": test_min}


def _u(curve: pd.DataFrame, name: str) -> bool:
    """Both ends of ``curve[name]`` at least ARM_FACTOR x its minimum. A "U" needs 3 alphas, some
    below and some above 1: the papers' minima lie near alpha = 1, so a grid on one side of it
    can show one arm at most (as the "L" needs both sides)."""
    if len(curve) < 3:
        raise MissingRows(f"a 'U' needs at least 3 alphas, got {list(curve.index)}")
    if not ((curve.index < 1).any() and (curve.index > 1).any()):
        raise MissingRows(f"a 'U' needs alphas below and above 1, got {list(curve.index)}")
    low = float(curve[name].min())
    return _arm(float(curve[name].iloc[0]), low) and _arm(float(curve[name].iloc[-1]), low)


def u_shaped_test(curve: pd.DataFrame, centre: tuple = (0.0, math.inf)) -> tuple[bool, dict]:
    """The test curve's "U" (so its minimum is inside the swept alphas), the minimum at an alpha
    in ``centre``."""
    u = _u(curve, "test")  # first: it raises on a curve too short to have a "U"
    at_min = float(curve["test"].idxmin())
    numbers = _along_alpha(curve, "test") | {"alpha_at_min": at_min}
    return u and centre[0] <= at_min <= centre[1], numbers


def both_u_shaped(curve: pd.DataFrame) -> tuple[bool, dict]:
    """Train and test curves both "U"-shaped (no flat train "L", so no mismatch to grok through)."""
    return _u(curve, "train") and _u(curve, "test"), _along_alpha(curve, "train", "test")


@kind
def landscape(
    summary, shape, measure: str, size="n_train", at=min, from_size=None, up_to=math.inf, **options
):
    """The reduced landscape over alpha <= ``up_to`` has ``shape`` (:func:`l_shaped_train`,
    :func:`u_shaped_test`, :func:`both_u_shaped`) at the training-set size ``at`` picks (min or
    max; the one curve when ``size`` is None), or at every size from ``from_size`` up."""
    curves = landscape_curves(summary, measure, size)
    sizes = [at(curves)] if from_size is None else sorted(s for s in curves if s >= from_size)
    if not sizes:
        raise MissingRows(f"no {size} >= {from_size}, got {list(curves)}")
    results = {s: shape(curves[s][curves[s].index <= up_to], **options) for s in sizes}
    holds = [ok for ok, _ in results.values()]
    if from_size is None:
        return holds[0], ({size: sizes[0]} if size else {}) | results[sizes[0]][1]
    # the numbers of the first size where the shape fails (of the first when it holds at every one)
    shown = next((s for s, ok in zip(sizes, holds, strict=True) if not ok), sizes[0])
    numbers = {f"at_{shown:g}_{k}": v for k, v in results[shown][1].items()}
    return all(holds), {size: sizes, "holds_at": holds} | numbers


@kind
def more_data_narrows(summary, measure: str, size: str = "n_train"):
    """At the largest alpha run at both the smallest and the largest training-set size, the
    test - train gap is smaller with more data."""
    curves = landscape_curves(summary, measure, size)
    if len(curves) < 2:
        raise MissingRows(f"one training-set size ({size} = {list(curves)}), two needed")
    small, large = min(curves), max(curves)
    common = curves[small].index.intersection(curves[large].index)
    if common.empty:
        raise MissingRows(f"no alpha run at both {size} = {small:g} and {large:g}")
    alpha = float(common.max())
    gap = {n: curves[n].at[alpha, "test"] - curves[n].at[alpha, "train"] for n in (small, large)}
    numbers = {f"gap_{size}_{n:g}": float(g) for n, g in gap.items()}
    return bool(gap[large] < gap[small]), {"alpha": alpha} | numbers


CLAIMS: dict[str, dict] = {}

# --- Fig. 2: teacher-student. Sec. 3: "two initializations alpha = 0.5 (small) and alpha = 2.0
# (large), and three weight decays gamma = 0 (no reg), gamma = 0.03 (small reg) and gamma = 1"
LARGE_INIT, SMALL_INIT = 2.0, 0.5
SMALL_DECAY, LARGE_DECAY = 0.03, 1.0
# Fig. 2c: the time to 95% train accuracy "is independent of weight decay": the slowest weight
# decay's median time to fit within 2x of the fastest's, where 1/gamma spans 33x (ours)
FIT_SPREAD = 2.0
# Fig. 2a: the test loss is "a U-shape with a minimum at alpha ~ 1": within a factor 2 of 1 (ours)
MINIMUM_NEAR = (0.5, 2.0)


def large_decay_generalizes_faster(summary):
    decays = [SMALL_DECAY, LARGE_DECAY]
    found = rows(summary, panel="dynamics", init_scale=LARGE_INIT, weight_decay=decays)
    # the median time to generalize, a run that never did counting as infinitely late
    times = reach_steps(found)[1].fillna(math.inf).groupby(found["weight_decay"]).median()
    if len(times) < 2:
        raise MissingRows(f"weight decays {decays} needed, got {list(times.index)}")
    numbers = {f"time_to_generalize_wd{d:g}": float(time) for d, time in times.items()}
    return bool(times[LARGE_DECAY] < times[SMALL_DECAY]), numbers


def time_to_fit_independent_of_decay(summary):
    found = rows(summary, panel="dynamics", init_scale=LARGE_INIT)
    found = found[column(found, "weight_decay") > 0]
    train, _ = reach_steps(found)
    medians = train.groupby(found["weight_decay"]).median()
    if len(medians) < 2:
        raise MissingRows(f"two nonzero weight decays needed, got {list(medians.index)}")
    low, high = float(medians.min()), float(medians.max())
    spread = high / low if low > 0 else (1.0 if high == 0 else math.inf)
    numbers = {"weight_decays": floats(medians.index), "time_to_fit": floats(medians)}
    return bool(train.notna().all()) and spread <= FIT_SPREAD, numbers | {"spread": spread}


CLAIMS["omnigrok_fig2"] = {
    # Sec. 3: "Large initialization runs (top) depended on weight decay: no regularization fails
    # to generalize"
    "Omnigrok Fig. 2b: at init scale 2 without weight decay the student fits the training set and "
    "its test accuracy never reaches the "
    "threshold": never_generalizes(panel="dynamics", init_scale=LARGE_INIT, weight_decay=0.0),
    # Sec. 3: "small regularization generalizes slowly (grokking), while large regularization
    # generalizes faster"
    "Omnigrok Fig. 2b: at init scale 2 with weight decay 0.03 the student groks: its test accuracy "
    "reaches the threshold at least 10x as late as its train "
    "accuracy": groks_late(panel="dynamics", init_scale=LARGE_INIT, weight_decay=SMALL_DECAY),
    "Omnigrok Fig. 2b: at init scale 2 the student generalizes sooner with weight decay 1 than "
    "with 0.03 (median time to generalize, never = infinitely "
    "late)": large_decay_generalizes_faster,
    # Sec. 3: "small initialization runs always generalize fast regardless of regularization"
    "Omnigrok Fig. 2b: at init scale 0.5 the student generalizes fast at every weight decay: train "
    "and test accuracy reach the threshold, test within 10x as late as "
    "train": generalizes_fast(panel="dynamics", init_scale=SMALL_INIT, across="weight_decay"),
    # Sec. 3: "the time (number of steps) to reach 95% training accuracy is independent of
    # weight decay gamma" (their finer sweep of gamma in [0.03, 1])
    "Omnigrok Fig. 2c: at init scale 2 the time to fit the training set does not depend on the "
    "(nonzero) weight decay: the median times to fit are within 2x of each "
    "other": time_to_fit_independent_of_decay,
    # Sec. 3: "l_train(alpha) decreases when alpha < 1 and remains flat near zero when
    # alpha >= 1, forming an L-shape"
    'Omnigrok Fig. 2a: the reduced (fixed-norm) train loss is "L" shaped: high at the smallest '
    "alpha, at least 2x its value from alpha = 1 up, where it stays below half the test loss's "
    "minimum": landscape(l_shaped_train, "loss", size=None),
    # Sec. 3: "l_test(alpha) first decreases and then increases as alpha increases, displaying a
    # U-shape with a minimum at alpha ~ 1"
    'Omnigrok Fig. 2a: the reduced (fixed-norm) test loss is "U" shaped: both ends at least 2x its '
    "minimum, which lies at alpha in "
    "[0.5, 2]": landscape(u_shaped_test, "loss", size=None, centre=MINIMUM_NEAR),
}

# --- Fig. 3: MNIST-1k, MSE (large init: the authors' code scales all parameters x8 at init)
CLAIMS["omnigrok_fig3"] = {
    # Sec. 4: "the network quickly fits the training set, and test accuracy improves much later"
    "Omnigrok Fig. 3d: at init scale 8 the MLP groks: test accuracy reaches the threshold at least "
    "10x as late as train accuracy": groks_late(panel="dynamics", init_scale=8.0),
    # Sec. 4: "Point A in Figure 3 corresponds to the standard initialization (alpha = 1), which
    # has low training and test errors, hence no grokking"
    "Omnigrok Fig. 3: at the standard init (scale 1) the MLP generalizes without grokking: test "
    "accuracy reaches the threshold within 10x as late as train "
    "accuracy": generalizes_fast(panel="dynamics", init_scale=1.0),
    # Fig. 3 caption: "(c) 'LU' holds truer for smaller data"; Sec. 4: "When increasing the
    # weight norm from A to B, training error is seen to remain low while test error rises"
    'Omnigrok Fig. 3a,c: at the smallest training set the reduced train error is "L" shaped: high '
    "at the smallest alpha (2x its value from alpha = 1 up), below half the test error's minimum "
    "from alpha = 1 up": landscape(l_shaped_train, "error"),
    # Sec. 4: from A (alpha = 1) to B (larger norm) "test error rises"
    'Omnigrok Fig. 3b,c: at the smallest training set the reduced test error is "U" shaped: both '
    "ends at least 2x its minimum": landscape(u_shaped_test, "error"),
    # Sec. 4: "C is seen to have larger training size than B and lower test error. Larger data
    # size N makes the Goldilocks zone broader, reducing or eliminating grokking"
    "Omnigrok Fig. 3a-c: more data de-groks: at the largest alpha the reduced test - train error "
    "gap is smaller at the largest training set than at the smallest": more_data_narrows("error"),
}

# --- Fig. 4: IMDb LSTM
CLAIMS["omnigrok_fig4"] = {
    # Sec. 4: "overfitting is complete within 10^2 steps, but generalization does not start until
    # around 10^3 steps"
    "Omnigrok Fig. 4d: at init scale 6 with weight decay 1 the LSTM (1k reviews) groks, weakly: "
    "test accuracy reaches the threshold at least 10x as late as train "
    "accuracy": groks_late(panel="large_init"),
    # Sec. 4: "if we use the standard initialization (alpha = 1) with no weight decay,
    # generalization happens early on during training"
    "Omnigrok Fig. 4d: at the standard init without weight decay the LSTM generalizes early: test "
    "accuracy reaches the threshold within 10x as late as train "
    "accuracy": generalizes_fast(panel="standard_init"),
    # Sec. 4: "For small data size, say 1k, however, the mismatch between training and test
    # errors makes it possible to create grokking via large initializations"
    "Omnigrok Fig. 4a: with the smallest training set (1k reviews) the reduced train error is "
    '"L" shaped: high at the smallest alpha, below half the test error\'s minimum from alpha = '
    "1": landscape(l_shaped_train, "error"),
    # Sec. 4: the 1k mismatch of an "L" train error against a "U" test error (Fig. 4a-b)
    'Omnigrok Fig. 4b: with the smallest training set (1k reviews) the reduced test error is "U" '
    "shaped: both ends at least 2x its minimum": landscape(u_shaped_test, "error"),
    # Sec. 4: "For large data size say the full dataset, training and test errors have similar
    # 'U' shapes, so one cannot create grokking via the 'LU' mechanism"
    "Omnigrok Fig. 4a-b: with the largest training set the reduced train and test errors are both "
    '"U" shaped: both ends of each at least 2x its '
    "minimum": landscape(both_u_shaped, "error", at=max),
}

# --- Fig. 5: QM9 graph network (large init, Sec. 4: "if initialization is 3 times larger")
CLAIMS["omnigrok_fig5"] = {
    # Sec. 4: "there is a sharp drop in test loss around 10^4 steps if initialization is 3 times
    # larger than standard"
    "Omnigrok Fig. 5d: at init scale 3 without weight decay the graph net groks: the test loss "
    "drops below the threshold at least 10x as late as the train "
    "loss": groks_late(panel="dynamics", init_scale=3.0),
    # Sec. 4: "while standard initialization does not lead to grokking"
    "Omnigrok Fig. 5d: at the standard init the graph net does not grok: the test loss drops "
    "below the threshold within 10x as late as the train "
    "loss": generalizes_fast(panel="dynamics", init_scale=1.0),
    # Sec. 4: "When data size is small, training and test losses mismatch somewhere in the region
    # alpha = w/w0 > 1, making grokking possible"
    'Omnigrok Fig. 5c: with the smallest training set the reduced train loss is "L" '
    "shaped: high at the smallest alpha, below half the test loss's minimum from alpha = 1 "
    "up": landscape(l_shaped_train, "loss"),
    # Sec. 4: the small-data mismatch "in the region alpha > 1" of an "L" train loss against a
    # "U" test loss
    'Omnigrok Fig. 5c: with the smallest training set the reduced test loss is "U" shaped: both '
    "ends at least 2x its minimum": landscape(u_shaped_test, "loss"),
    # Sec. 4: "when data size is large, training and test losses have similar 'U' shapes, hence
    # grokking is impossible via the 'LU mechanism'"
    "Omnigrok Fig. 5c: with the largest training set the reduced train and test losses are both "
    '"U" shaped: both ends of each at least 2x its '
    "minimum": landscape(both_u_shaped, "loss", at=max),
}

# --- Fig. 7: the weight norm of the MNIST MLP, unconstrained and held fixed. Fig. 7b against 7a:
# the constrained network's train and test accuracy "rise together" while the unconstrained one
# lags by ~10x; "together" is a delay under a quarter of the unconstrained delay (ours, fixed
# before any run)
TOGETHER_FRACTION = 0.25


def norm_rises_then_falls_below_init(summary):
    found = rows(summary, panel="unconstrained")
    norm = {at: column(found, f"norm_{at}") for at in ("start", "peak", "end")}
    require(found, "time_to_generalize")
    generalized = found["time_to_generalize"].notna()
    rises_then_falls = (norm["peak"] > norm["start"]) & (norm["end"] < norm["start"])
    numbers = {f"norm_{at}": float(values.mean()) for at, values in norm.items()}
    runs = {"runs_generalized": f"{int(generalized.sum())}/{len(found)}"}
    return bool((rises_then_falls & generalized).all()), numbers | runs


def constrained_does_not_grok(summary):
    constrained = rows(summary, panel="constrained")
    reference = float(column(rows(summary, panel="unconstrained"), "time_to_grok").median())
    if not reference > 0:
        raise MissingRows(f"the unconstrained network did not grok (time to grok {reference})")
    delay = constrained["time_to_grok"]  # NaN (never reached the threshold) compares False
    numbers = {"time_to_grok": floats(delay), "unconstrained_time_to_grok": reference}
    return bool((delay < TOGETHER_FRACTION * reference).all()), numbers


CLAIMS["omnigrok_fig7"] = {
    "Omnigrok Fig. 7a: the unconstrained weight norm rises while the network overfits, then "
    "falls below its initial value, and the network generalizes (test accuracy reaches the "
    "threshold)": norm_rises_then_falls_below_init,
    "Omnigrok Fig. 7b: with the weight norm held at 0.8x init, train and test accuracy rise "
    "together: a time to grok under a quarter of the unconstrained "
    "network's": constrained_does_not_grok,
}

# --- Fig. 9: transformer on modular addition, reduced landscape
LU_UP_TO = 4.0  # App. B: "The LU shape holds for alpha in [0.1, 4]"
# App. B: "the critical train set size is approximately 0.25"; "approximately": only fractions at
# least 0.05 from it are judged, 0.2 and below never generalizing, 0.3 and above generalizing (ours)
BELOW, ABOVE = 0.2, 0.3


@kind
def best_accuracy_reaches(summary, above: bool):
    """Per training fraction from ABOVE up (or BELOW down), the best (over alpha) seed-mean final
    test accuracy reaches the threshold (or, below, does not)."""
    found = rows(summary, panel="landscape")
    accuracy = column(found, "final_test/acc")
    means = accuracy.groupby([column(found, "train_fraction"), found["init_scale"]]).mean()
    best = means.groupby(level=0).max()
    threshold = float(column(found, "threshold").iloc[0])
    side = best[best.index >= ABOVE] if above else best[best.index <= BELOW]
    if side.empty:
        bound = f">= {ABOVE}" if above else f"<= {BELOW}"
        raise MissingRows(f"no training fraction {bound}, got {floats(best.index)}")
    numbers = {"train_fraction": floats(side.index), "best_test_acc": floats(side)}
    return bool(((side >= threshold) == above).all()), numbers | {"threshold": threshold}


CLAIMS["omnigrok_fig9"] = {
    # App. B: "The LU shape holds for alpha in [0.1, 4] (some optimization issue may be
    # responsible for the rise in train loss for alpha > 4)"
    "Omnigrok Fig. 9: at every training fraction from 0.3 up the transformer's reduced train loss "
    'is "L" shaped over alpha <= 4: high at the smallest alpha, below half the test loss\'s '
    "minimum from alpha = 1 "
    "up": landscape(l_shaped_train, "loss", "train_fraction", from_size=ABOVE, up_to=LU_UP_TO),
    "Omnigrok Fig. 9: at every training fraction from 0.3 up the transformer's reduced test loss "
    'is "U" shaped over alpha <= 4: both ends at least 2x its '
    "minimum": landscape(u_shaped_test, "loss", "train_fraction", from_size=ABOVE, up_to=LU_UP_TO),
    # App. B: "We see the critical train set size is approximately 0.25"
    "Omnigrok Fig. 9: below the critical training fraction (at 0.2 and less) no fixed norm alpha "
    "brings the final test accuracy to the threshold": best_accuracy_reaches(above=False),
    "Omnigrok Fig. 9: above the critical training fraction (at 0.3 and more) some fixed norm alpha "
    "brings the final test accuracy to the threshold": best_accuracy_reaches(above=True),
}

# --- Fig. 10: the time to generalize against weight decay. App. C: "t ~ 1/gamma", a log-log
# slope of -1; a band of +-0.3 around it allows for the coarse resolution of a step-to-threshold
# read every `metrics_every` steps; a slope through two points always "fits". Transformer:
# "t ~ 1/gamma holds across roughly two orders of magnitude" (every swept decay). MNIST: "for
# gamma roughly between 0.1 and 1.0 the relation holds. Very high values of weight decay seem to
# mess with optimization".
SLOPE_BAND, MIN_POINTS = (-1.3, -0.7), 3
inverse_weight_decay = partial(slope_in_band, "weight_decay", "time_to_generalize", SLOPE_BAND)

CLAIMS["omnigrok_fig10"] = {
    "Omnigrok Fig. 10a: the transformer's time to generalize scales as 1/weight "
    "decay": inverse_weight_decay((0.0, math.inf), MIN_POINTS, panel="transformer"),
    "Omnigrok Fig. 10b: the MNIST MLP's time to generalize scales as 1/weight decay for weight "
    "decays between 0.1 and 1": inverse_weight_decay((0.1, 1.0), MIN_POINTS, panel="mnist"),
}

# --- Fig. 11: MNIST with cross-entropy, reduced landscape
CLAIMS["omnigrok_fig11"] = {
    # App. E: "(1) for small datasets, the reduced training error and test error resemble an 'L'
    # and 'U' against the weight norm, respectively"
    "Omnigrok Fig. 11: with cross-entropy, at the smallest training set the reduced train error "
    'is "L" shaped: high at the smallest alpha, below half the test error\'s minimum from alpha = '
    "1 up": landscape(l_shaped_train, "error"),
    "Omnigrok Fig. 11: with cross-entropy, at the smallest training set the reduced test error is "
    '"U" shaped: both ends at least 2x its minimum': landscape(u_shaped_test, "error"),
    # App. E: "(2) for large datasets, the 'U' becomes more like 'L', i.e., the mismatch between
    # the reduced training and test error is small"
    "Omnigrok Fig. 11: with cross-entropy, at the largest alpha the reduced test - train error gap "
    "is smaller at the largest training set than at the smallest": more_data_narrows("error"),
}

# --- Fig. 12: MNIST-1k with cross-entropy at init scale 100 (App. E: "MNIST trained with cross
# entropy loss with alpha = 100")
CLAIMS["omnigrok_fig12"] = {
    # App. E: "test accuracy rises to 30-40% early in training, then plateaus for an extended
    # period, before increasing to ~75% while train accuracy remains at 100%"
    "Omnigrok Fig. 12: with cross-entropy at init scale 100 the MLP shows delayed "
    "generalization: test accuracy reaches the threshold at least 10x as late as train "
    "accuracy": groks_late(panel="dynamics", init_scale=100.0),
    # App. E: "to induce grokking with CE, we need to increase the weight norm to a larger value
    # (say alpha = 100)"; Sec. 4: the standard init (point A) has "low training and test errors,
    # hence no grokking"
    "Omnigrok Fig. 12 against Fig. 3: with cross-entropy at the standard init (scale 1) the MLP "
    "generalizes without grokking: test accuracy reaches the threshold within 10x as late as train "
    "accuracy": generalizes_fast(panel="dynamics", init_scale=1.0),
}

# --- the teacher-student reduced landscape over alpha and the training-set size
CLAIMS["omnigrok_landscape"] = {
    # Sec. 3 (Fig. 2a): "l_train(alpha) decreases when alpha < 1 and remains flat near zero when
    # alpha >= 1"; Fig. 3c: "'LU' holds truer for smaller data"
    "Omnigrok reduced landscape (teacher-student): at the smallest training set the train loss is "
    '"L" shaped: high at the smallest alpha (2x its value from alpha = 1 up), below half the test '
    "loss's minimum from alpha = 1 up": landscape(l_shaped_train, "loss"),
    # Sec. 3 (Fig. 2a): "displaying a U-shape with a minimum at alpha ~ 1"
    "Omnigrok reduced landscape (teacher-student): at the smallest training set the test loss is "
    '"U" shaped: both ends at least 2x its minimum, which lies at alpha in [0.5, '
    "2]": landscape(u_shaped_test, "loss", centre=MINIMUM_NEAR),
    # Sec. 4 (Fig. 3): "Larger data size N makes the Goldilocks zone broader, reducing or
    # eliminating grokking even for large weight initializations"
    "Omnigrok reduced landscape (teacher-student): at the largest alpha the test - train loss gap "
    "is smaller at the largest training set than at the smallest": more_data_narrows("loss"),
}
