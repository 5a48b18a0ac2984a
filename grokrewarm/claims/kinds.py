"""The kinds of check the claims are made of: each reads the summary given the conditions and the
threshold it is declared with (:func:`grokrewarm.claims.core.kind`) and returns ``(holds,
numbers)``. The readings of the papers' qualitative words that several figures share are fixed
here, once, beside the kind that applies them (each written down before any run was judged)."""

from __future__ import annotations

import math
from functools import partial
from itertools import pairwise

import numpy as np
import pandas as pd

from grokrewarm.analysis.runs import GROKKED_ACC
from grokrewarm.claims.core import MissingRows, column, floats, kind, require, rows
from grokrewarm.method.power_law import fit_power_law

# --- reaches a threshold / never does, per condition (Lyle et al. 2025: one row per condition)


@kind
def seeds_grok(summary, every: bool = True, **where):
    """Test accuracy reaches ``GROKKED_ACC`` in every seed of every matching condition (or, not
    ``every``, in no seed of any)."""
    found = rows(summary, **where)
    grokked = column(found, "grokked_seeds")
    hit = grokked == column(found, "seeds") if every else grokked > 0
    acc = column(found, "final_test_acc_mean")
    return bool(hit.all() if every else not hit.any()), {
        "offsets": len(found),
        f"offsets_{'all_seeds' if every else 'any_seed'}_grokked": int(hit.sum()),
        f"{'min' if every else 'max'}_final_test_acc": float(acc.min() if every else acc.max()),
        "threshold": GROKKED_ACC,
    }


# --- time to grok (Kumar et al. 2024: one row per run) ------------------------------------------
#
# - A run's *delay* is its time to grok, "time delay between train loss fall and test loss fall"
#   (Kumar Fig. 3e): the steps between the train and the test curve first reaching the figure's
#   threshold, clipped at 0 as the authors' code plots ``max(0, test - train)``; +inf when the
#   test curve never reaches it. A condition's delay is the median over its seeds.
# - *Groks*: a finite delay above 0 (generalization comes, and comes after the train fit).
# - *Grokking vanishes* ("learning curves move together", "the two match"): a delay under
#   NO_DELAY_FRACTION of the same figure's grokking reference run. The paper gives no number
#   (Fig. 6b: "grokking has vanished for alpha = 0.15, so it can barely be seen amidst the train
#   curves"): a quarter, the reading Omnigrok Fig. 7b's "rise together" uses.
# - *Y increases with x*: the per-value medians are non-decreasing over the swept values of x and
#   larger at the largest than at the smallest (a flat line, e.g. no value ever grokking, is no
#   increase). MIN_VALUES swept values are the least that can show an order.
NO_DELAY_FRACTION = 0.25
MIN_VALUES = 2


def select_runs(summary: pd.DataFrame, where: dict) -> pd.DataFrame:
    """``rows`` for the text values of ``where`` (the panel), then the runs at each numeric value
    in order (float-tolerant: 1e-4 read back from a CSV)."""
    found = rows(summary, **{k: v for k, v in where.items() if isinstance(v, str)})
    for key, value in where.items():
        if not isinstance(value, str):
            values = column(found, key).astype(float)
            hit = found[np.isclose(values, value, rtol=1e-9, atol=0.0)]
            if hit.empty:
                swept = sorted(set(values))
                raise MissingRows(f"no finished runs at {key}={value:g} (swept: {swept})")
            found = hit
    return found


def delays(found: pd.DataFrame) -> pd.Series:
    """Per run: time to grok clipped at 0; 0 when only the test curve reached the threshold;
    +inf when the test curve never did (never grokked)."""
    require(found, "time_to_grok", "time_to_generalize")
    grok, generalize = found["time_to_grok"].astype(float), found["time_to_generalize"]
    fallback = pd.Series(np.where(generalize.notna(), 0.0, math.inf), index=found.index)
    return grok.clip(lower=0.0).where(grok.notna(), fallback)


def delay(found: pd.DataFrame) -> float:
    """A condition's delay: the median over its seeds (+inf counts)."""
    return float(np.median(delays(found).to_numpy()))


def grokked(value: float) -> bool:
    return math.isfinite(value) and value > 0


def medians(found: pd.DataFrame, key: str, values: pd.Series) -> pd.Series:
    """``values`` (one per run) as their median per swept ``key`` value, in ``key`` order."""
    out = values.groupby(column(found, key).astype(float)).median().sort_index()
    if len(out) < MIN_VALUES:
        raise MissingRows(
            f"{len(out)} value(s) of {key} swept ({list(out.index)}), {MIN_VALUES} needed"
        )
    return out


def ordered(series: pd.Series, increasing: bool = True) -> bool:
    """Non-decreasing over the index and larger at its end than at its start (+inf allowed), or
    the mirror image."""
    v = [x if increasing else -x for x in floats(series)]
    return all(b >= a for a, b in pairwise(v)) and v[-1] > v[0]


@kind
def monotone(summary, key: str, y: str = "delay", increasing: bool = True, **where):
    """The per-value median of ``y`` (``delay``: the time to grok) increases (or decreases) over
    the swept values of ``key``."""
    found = select_runs(summary, where)
    values = delays(found) if y == "delay" else column(found, y).astype(float)
    by_key = medians(found, key, values)
    name = "time_to_grok" if y == "delay" else y
    return ordered(by_key, increasing), {key: floats(by_key.index), name: floats(by_key)}


@kind
def groks(summary, without_weight_decay: bool = False, **where):
    """The matching runs grok: a finite median delay above 0 (and, ``without_weight_decay``,
    none has weight decay)."""
    found = select_runs(summary, where)
    value, holds = delay(found), True
    if without_weight_decay:
        decay = column(found, "weight_decay")
        holds, extra = bool((decay == 0).all()), {"weight_decay": float(decay.max())}
    else:
        extra = {"time_to_generalize": floats(found["time_to_generalize"])}
    return grokked(value) and holds, {"time_to_grok": value, **extra, "runs": len(found)}


@kind
def never_generalizes(summary, **where):
    """The test curve of no matching run reaches the threshold."""
    found = select_runs(summary, where)
    require(found, "time_to_generalize")
    generalized = found["time_to_generalize"].notna()
    return not generalized.any(), {
        "runs_generalized": int(generalized.sum()),
        "runs": len(found),
        "final_test_loss": float(column(found, "final_test/loss").mean()),
    }


def vanishes_against(found, reference, label: str, extra: dict | None = None):
    """(holds, numbers) of "grokking vanishes in ``found``": a delay under
    ``NO_DELAY_FRACTION`` of the grokking ``reference``'s."""
    reference_delay = delay(reference)
    if not grokked(reference_delay):
        raise MissingRows(f"the reference {label} did not grok (delay {reference_delay})")
    value = delay(found)
    return value < NO_DELAY_FRACTION * reference_delay, {
        "time_to_grok": value,
        f"reference_time_to_grok ({label})": reference_delay,
        "fraction": NO_DELAY_FRACTION,
    } | (extra or {})


@kind
def vanishes(summary, label: str, found: dict, reference: dict, **where):
    """Grokking vanishes in the runs at ``found`` against the grokking runs at ``reference``
    (both within ``where``)."""
    base = select_runs(summary, where) if where else summary
    return vanishes_against(select_runs(base, found), select_runs(base, reference), label)


@kind
def rises(summary, name: str, **where):
    """``<name>_end`` above ``<name>_start`` in every matching run."""
    found = select_runs(summary, where)
    start, end = column(found, f"{name}_start"), column(found, f"{name}_end")
    return bool((end > start).all()), {
        f"{name}_start": float(start.mean()),
        f"{name}_end": float(end.mean()),
        "runs_rising": int((end > start).sum()),
        "runs": len(found),
    }


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


def grok_ratios(found: pd.DataFrame) -> tuple[list[float], dict]:
    """test step / train step per run (NaN where either curve never reached the threshold)."""
    train, test = reach_steps(found)
    ratios = [
        math.nan
        if math.isnan(fit) or math.isnan(general)
        else (general / fit if fit > 0 else math.inf if general > 0 else 1.0)
        for fit, general in zip(train, test, strict=True)
    ]
    return ratios, {
        "train_reaches": floats(train),
        "test_reaches": floats(test),
        "ratio": ratios,
        "grok_ratio": GROK_RATIO,
        "threshold": float(found["threshold"].iloc[0]),
    }


@kind
def groks_late(summary, late: bool = True, **where):
    """Every matching run groks: its test curve reaches the threshold at least GROK_RATIO x as
    late as its train curve; or (not ``late``) generalizes fast: test within GROK_RATIO x train."""
    ratios, numbers = grok_ratios(rows(summary, **where))
    # NaN compares False either way: a curve that never reached the threshold fails both
    return all(r >= GROK_RATIO if late else r < GROK_RATIO for r in ratios), numbers


generalizes_fast = partial(groks_late, False)


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
    return band[0] <= fit.exponent <= band[1], {
        "slope": fit.exponent,
        "band": list(band),
        "points": fit.n_points,
        "weight_decays_reached": reached,
        "weight_decays_fitted": list(x_range),
    }


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


def landscape_curves(
    summary: pd.DataFrame, measure: str, size: str | None
) -> dict[float | None, pd.DataFrame]:
    """Per training-set size (column ``size``; one curve when None): the mean final train and
    test ``measure`` ('loss', or 'error' = 1 - accuracy) over seeds, indexed by alpha
    (``init_scale``, the fixed norm), ascending."""
    found = rows(summary, panel="landscape")
    if measure == "loss":
        train, test = column(found, "final_train/loss"), column(found, "final_test/loss")
    else:
        train, test = 1.0 - column(found, "final_train/acc"), 1.0 - column(found, "final_test/acc")
    frame = pd.DataFrame(
        {
            "alpha": column(found, "init_scale").astype(float),
            "size": column(found, size).astype(float) if size else 0.0,
            "train": train.astype(float),
            "test": test.astype(float),
        }
    )
    return {
        float(value) if size else None: group.groupby("alpha")[["train", "test"]].mean()
        for value, group in frame.groupby("size")
    }


def _arm(value: float, base: float) -> bool:
    return bool(value > base and value >= ARM_FACTOR * base)


def l_shaped_train(curve: pd.DataFrame) -> tuple[bool, dict]:
    """The train curve's "L": high at the smallest alpha (< 1), at least ARM_FACTOR x its
    minimum from alpha = 1 up, where it stays below NEAR_ZERO_FRACTION x the test minimum."""
    below, above = curve[curve.index < 1], curve[curve.index >= 1]
    if below.empty or above.empty:
        raise MissingRows(f"an 'L' needs alphas below 1 and from 1 up, got {list(curve.index)}")
    test_min = float(curve["test"].min())
    flat = bool((above["train"] <= NEAR_ZERO_FRACTION * test_min).all())
    falls = _arm(float(below["train"].iloc[0]), float(above["train"].min()))
    return flat and falls, {
        "alpha": floats(curve.index),
        "train": floats(curve["train"]),
        "test_min": test_min,
        "near_zero_fraction": NEAR_ZERO_FRACTION,
        "arm_factor": ARM_FACTOR,
    }


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


def u_shaped_test(curve: pd.DataFrame, centre: tuple | None = None) -> tuple[bool, dict]:
    """The test curve's "U" (so its minimum is inside the swept alphas), the minimum at an alpha
    in ``centre`` when given."""
    u = _u(curve, "test")
    alpha_at_min = float(curve["test"].idxmin())
    near = centre is None or centre[0] <= alpha_at_min <= centre[1]
    numbers = {
        "alpha": floats(curve.index),
        "test": floats(curve["test"]),
        "alpha_at_min": alpha_at_min,
    } | ({"centre": list(centre)} if centre else {})
    return u and near, numbers | {"arm_factor": ARM_FACTOR}


def both_u_shaped(curve: pd.DataFrame) -> tuple[bool, dict]:
    """Train and test curves both "U"-shaped (no flat train "L", so no mismatch to grok through)."""
    return _u(curve, "train") and _u(curve, "test"), {
        "alpha": floats(curve.index),
        "train": floats(curve["train"]),
        "test": floats(curve["test"]),
        "arm_factor": ARM_FACTOR,
    }


@kind
def landscape(
    summary, shape, measure: str, size: str | None = "n_train", which="smallest", **options
):
    """The reduced landscape at the smallest (or largest) training-set size has ``shape``
    (:func:`l_shaped_train`, :func:`u_shaped_test`, :func:`both_u_shaped`)."""
    curves = landscape_curves(summary, measure, size)
    key = (min if which == "smallest" else max)(curves)  # one curve when size is None
    holds, numbers = shape(curves[key], **options)
    return holds, ({size: key} | numbers if size else numbers)


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
    gaps = {
        n: float(curves[n].loc[alpha, "test"] - curves[n].loc[alpha, "train"])
        for n in (small, large)
    }
    return gaps[large] < gaps[small], {
        "alpha": alpha,
        f"gap_{size}_{small:g}": gaps[small],
        f"gap_{size}_{large:g}": gaps[large],
        "measure": measure,
    }


# --- within k points of a reference: the warm-start gap (Lyle et al. 2025, Section 5) -----------
#
# The summary has one row per (panel, method, initial fraction), ``gap_to_100pct`` = the method's
# mean final test accuracy from 100% minus this fraction's. The paper judges its warm-start
# figures by eye ("the same final generalization performance") and gives no number: two final
# test accuracies are "the same" within SAME_ACC, 1 percentage point: above the noise of a 5-seed
# mean (the paper's seeds) when seeds spread by half a point (the standard error of a difference
# of two such means is then 0.3 points), and no finer than the paper's plots let a reader judge.
# A gap "closes" when no initial fraction ends more than SAME_ACC below the 100% run, and is
# "kept" otherwise; a fraction ending above its 100% run is no gap (Section 5: the 100% run
# "presents an upper bound").
SAME_ACC = 0.01
# Section 5.1: "three initial dataset fractions, corresponding to 10%, 50%, and 100%"; a check
# needs at least the smallest (where the gap is largest) and the 100% run it is measured against
SMALLEST_FRACTION = 0.1
# A 100% run ending within SAME_ACC of chance (10 classes) learned nothing (e.g. diverged at a
# high LR): a gap against it would read as "closed" and say nothing, so it is 'cannot tell'.
CHANCE_ACC = 0.1


def fractions(summary: pd.DataFrame, panel: str, method: str) -> pd.DataFrame:
    """The method's rows, one per initial fraction (ascending); both the smallest fraction and
    100% must be there, else 'cannot tell'."""
    found = rows(summary, panel=panel, method=method).sort_values("initial_fraction")
    values = column(found, "initial_fraction")
    for needed in (SMALLEST_FRACTION, 1.0):
        if not (values - needed).abs().lt(1e-9).any():
            raise MissingRows(f"no {needed:.0%} initial-fraction run of {panel}/{method}")
    return found


def gaps(summary: pd.DataFrame, panel: str, method: str) -> dict[float, float]:
    """{initial fraction below 100%: gap to the method's 100% run}."""
    found = fractions(summary, panel, method)
    reference = float(column(found[found["initial_fraction"] >= 1.0], "final_test_acc_mean").max())
    if reference <= CHANCE_ACC + SAME_ACC:
        raise MissingRows(
            f"the 100% run of {panel}/{method} ended at chance (test accuracy "
            f"{reference:.3f}): no reference to measure a gap against"
        )
    warm = found[found["initial_fraction"] < 1.0]
    return dict(zip(warm["initial_fraction"], column(warm, "gap_to_100pct"), strict=True))


def closes(method_gaps: dict[float, float]) -> bool:
    return max(method_gaps.values()) <= SAME_ACC


@kind
def gap(summary, panel: str, method: str, closed: bool = True):
    """The method's warm-start gap closes (or is kept): every initial fraction ends within
    SAME_ACC of its 100% run (or some fraction does not)."""
    found = gaps(summary, panel, method)
    numbers = {f"gap_f{fraction:g}": float(v) for fraction, v in found.items()}
    numbers |= {"max_gap": float(max(found.values())), "tol": SAME_ACC}
    return closes(found) == closed, numbers


# --- ordered over games (Atari: one row per group, variant and game, plus 'ALL' aggregates) -----
#
# Per-game comparisons use ``final_return`` (on one game the human-normalized score is an
# increasing affine map of it, so the order is the same, and it exists for every game); aggregate
# ones use rliable's IQM with its 95% stratified bootstrap CI, which the figures draw.

# the summary's agent settings: Rainbow + NaP at the low replay ratio (Lyle Fig. 6 LHS, 11, 12),
# DQN and Rainbow without NaP at the high one (Fig. 6 RHS, 7, 10)
LOW_UTD_RAINBOW = "rainbow, NaP, replay ratio 0.25"
HIGH_UTD_DQN = "dqn, replay ratio 1"
HIGH_UTD_RAINBOW = "rainbow, replay ratio 1"
# "most games" is a majority of the games evaluated (more than half); under three games a majority
# is one or two coin flips (the paper's claims are over 20 or 57 games), so fewer: 'cannot tell'
MIN_GAMES = 3
# a stratified bootstrap CI resamples runs within each game: with one run per game it has zero
# width, so the checks that read an interval ("significant", "large gap", "similar",
# "does not improve") need at least two runs on every game (the paper budget has three seeds)
MIN_RUNS_FOR_CI = 2
IQM = ("iqm", "iqm_low", "iqm_high")


def per_game(summary: pd.DataFrame, group: str, variants: list[str]) -> pd.DataFrame:
    """Mean final return per game (index) and variant (columns) of the group, on the games where
    every variant has one; :class:`MissingRows` under :data:`MIN_GAMES` such games."""
    found = rows(summary, group=group, variant=variants)
    found = found[found["game"] != "ALL"]
    require(found, "final_return")
    absent = [v for v in variants if v not in set(found["variant"])]
    if absent:
        raise MissingRows(f"no per-game rows for {', '.join(absent)} ({group})")
    wide = found.pivot(index="game", columns="variant", values="final_return")
    wide = wide.reindex(columns=variants).dropna()
    if len(wide) < MIN_GAMES:
        raise MissingRows(
            f"{len(wide)} game(s) with a final return for every one of {', '.join(variants)} "
            f"({group}), {MIN_GAMES} needed"
        )
    return wide


def most(count: int, games: int) -> bool:
    return count > games / 2


@kind
def beats_on_most_games(summary, group: str, better: str, others: list[str]):
    """``better`` ends strictly above each of ``others`` on more than half of the games."""
    wide = per_game(summary, group, [better, *others])
    higher = {other: int((wide[better] > wide[other]).sum()) for other in others}
    return all(most(n, len(wide)) for n in higher.values()), {
        "games": len(wide),
        **{f"games_above_{o}": n for o, n in higher.items()},
    }


def iqms(
    summary: pd.DataFrame, group: str, variants: list[str], min_runs: int = 1
) -> dict[str, tuple[float, float, float]]:
    """Per variant: the IQM of its human-normalized final scores and its 95% CI (point, low,
    high), from the group's ``ALL`` rows; :class:`MissingRows` unless every variant's aggregate
    covers the same :data:`MIN_GAMES` or more games with at least ``min_runs`` runs each (IQMs
    over different games are not comparable)."""
    out, games = {}, {}
    for variant in variants:
        found = rows(summary, group=group, variant=variant)
        scored = found[(found["game"] != "ALL") & found["human_normalized"].notna()]
        if len(scored) < MIN_GAMES:
            raise MissingRows(
                f"{len(scored)} game(s) with a human-normalized score for {variant} ({group}), "
                f"{MIN_GAMES} needed"
            )
        if (scored["runs"] < min_runs).any():
            raise MissingRows(f"fewer than {min_runs} runs on some game for {variant} ({group})")
        games[variant] = frozenset(scored["game"])
        aggregate = found[found["game"] == "ALL"]
        if aggregate.empty:
            raise MissingRows(f"no aggregate (ALL) row for {variant} ({group})")
        out[variant] = tuple(float(column(aggregate, n).iloc[0]) for n in IQM)
    if len(set(games.values())) > 1:
        raise MissingRows(f"the variants' aggregates cover different games ({group})")
    return out


@kind
def iqm_order(summary, group: str, variants: list[str], holds, min_runs: int = 1):
    """``holds(iqms)`` over the variants' (IQM, CI low, CI high) of human-normalized scores."""
    found = iqms(summary, group, variants, min_runs)
    return bool(holds(found)), {
        f"{variant}_{name}": value
        for variant, ci in found.items()
        for name, value in zip(IQM, ci, strict=True)
    }
