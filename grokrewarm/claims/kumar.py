"""Kumar et al. 2024, Grokking as the transition from lazy to rich training dynamics
(``papers/kumar2024_lazy_to_rich.txt``): the claims of its figures as checks over each sweep's
summary table (``summarize_lazy`` in ``grokrewarm.figures.lazy_rich``: one row per run).

The paper's qualitative words, read once for every figure (fixed before any run):

- A run's *delay* is its time to grok, "time delay between train loss fall and test loss fall"
  (Fig. 3e): the steps between the train and the test curve first reaching the figure's threshold
  (loss < 0.1, or its accuracy level), clipped at 0 as the authors' code plots
  ``max(0, test - train)``. A run whose test curve never reaches the threshold never groks:
  delay +inf. A condition's delay is the median over its seeds.
- *Groks*: a finite delay above 0 (generalization comes, and comes after the train fit).
- *Grokking vanishes* ("learning curves move together", "the two match"): the test curve reaches
  the threshold with a delay under a quarter of the same figure's grokking reference run
  (``NO_DELAY_FRACTION``).
- *Y increases with x*: the per-value medians are non-decreasing over the swept values of x and
  larger at the largest than at the smallest (a flat line, e.g. no value ever grokking, is no
  increase). Two swept values are the least that can show an order.

Rows of a condition with diverged, running or failed jobs (the summary's ``jobs_*`` counts) make
a check 'cannot tell': such a run stopped early, which says nothing about its delay.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from grokrewarm.claims.core import MissingRows, column, rows, verdict

# The paper gives no number for "vanished" (Fig. 6b: "grokking has vanished for alpha = 0.15, so
# it can barely be seen amidst the train curves"; Fig. 5a "learning curves move together"; Fig. 8
# "make that induced grokking vanish"; Fig. 12b "makes grokking vanish"): read as a delay under a
# quarter of the figure's grokking run's delay, the reading this repository's Omnigrok Fig. 7b
# check uses for "rise together", fixed before any run
NO_DELAY_FRACTION = 0.25
MIN_VALUES = 2  # swept values an order ("larger alpha groks later") needs
UNFINISHED = ("jobs_diverged", "jobs_running", "jobs_failed")
MAIN = "main"  # the panel of a sweep without panels


# --- helpers --------------------------------------------------------------------------------


def _runs(summary: pd.DataFrame, **where) -> pd.DataFrame:
    """``rows(summary, **where)``; 'cannot tell' when a matching condition has unfinished jobs."""
    found = rows(summary, **where)
    for name in UNFINISHED:
        if name in found.columns and (found[name].fillna(0) > 0).any():
            bad = found[found[name].fillna(0) > 0]
            labels = bad.get("condition", bad.index)
            names = ", ".join(sorted({str(label) for label in labels}))
            raise MissingRows(f"{name.removeprefix('jobs_')} jobs in {names}")
    return found


def _at(found: pd.DataFrame, key: str, value: float) -> pd.DataFrame:
    """The rows whose ``key`` is ``value`` (float-tolerant: 1e-4 read back from a CSV)."""
    values = column(found, key).astype(float)
    hit = found[np.isclose(values, value, rtol=1e-9, atol=0.0)]
    if hit.empty:
        swept = sorted(set(values))
        raise MissingRows(f"no finished runs at {key}={value:g} (swept: {swept})")
    return hit


def _delays(found: pd.DataFrame) -> pd.Series:
    """Per run: time to grok clipped at 0; 0 when only the test curve reached the threshold;
    +inf when the test curve never did (never grokked)."""
    for name in ("time_to_grok", "time_to_generalize"):
        if name not in found.columns:
            raise MissingRows(f"the summary has no column {name!r}")
    grok, generalize = found["time_to_grok"].astype(float), found["time_to_generalize"]
    fallback = pd.Series(np.where(generalize.notna(), 0.0, math.inf), index=found.index)
    return grok.clip(lower=0.0).where(grok.notna(), fallback)


def _delay(found: pd.DataFrame) -> float:
    """A condition's delay: the median over its seeds (+inf counts)."""
    return float(np.median(_delays(found).to_numpy()))


def _grokked(delay: float) -> bool:
    return math.isfinite(delay) and delay > 0


def _medians(found: pd.DataFrame, key: str, values: pd.Series) -> pd.Series:
    """``values`` (one per run) as their median per swept ``key`` value, in ``key`` order."""
    keys = column(found, key).astype(float)
    medians = values.groupby(keys).median().sort_index()
    if len(medians) < MIN_VALUES:
        raise MissingRows(
            f"{len(medians)} value(s) of {key} swept ({list(medians.index)}), {MIN_VALUES} needed"
        )
    return medians


def _increases(series: pd.Series) -> bool:
    """Non-decreasing over the index and larger at its end than at its start (+inf allowed)."""
    v = [float(x) for x in series]
    return all(b >= a for a, b in zip(v, v[1:], strict=False)) and v[-1] > v[0]


def _decreases(series: pd.Series) -> bool:
    v = [float(x) for x in series]
    return all(b <= a for a, b in zip(v, v[1:], strict=False)) and v[-1] < v[0]


def _numbers(series: pd.Series, key: str, name: str) -> dict:
    return {key: [float(k) for k in series.index], name: [float(v) for v in series]}


def _delay_trend(summary, claim: str, key: str, increasing: bool = True, **where):
    """Verdict on "the delay increases (or decreases) with ``key``" over the matching rows."""
    found = _runs(summary, **where)
    medians = _medians(found, key, _delays(found))
    holds = _increases(medians) if increasing else _decreases(medians)
    return verdict(claim, holds, _numbers(medians, key, "time_to_grok"))


def _trend(summary, claim: str, key: str, name: str, increasing: bool = True, **where):
    """Verdict on "column ``name`` increases (or decreases) with ``key``"."""
    found = _runs(summary, **where)
    medians = _medians(found, key, column(found, name).astype(float))
    holds = _increases(medians) if increasing else _decreases(medians)
    return verdict(claim, holds, _numbers(medians, key, name))


def _groks(summary, claim: str, key: str | None = None, value: float | None = None, **where):
    """Verdict on "the condition groks" (finite delay above 0, median over seeds)."""
    found = _runs(summary, **where)
    if key is not None:
        found = _at(found, key, value)
    delay = _delay(found)
    return verdict(
        claim,
        _grokked(delay),
        {
            "time_to_grok": delay,
            "time_to_generalize": [float(v) for v in found["time_to_generalize"]],
            "runs": len(found),
        },
    )


def _no_delay(
    claim: str,
    found: pd.DataFrame,
    reference: pd.DataFrame,
    reference_label: str,
    extra: dict | None = None,
):
    """Verdict on "grokking vanishes in ``found``": its test curve reaches the threshold with a
    delay under ``NO_DELAY_FRACTION`` of the grokking ``reference``'s delay."""
    reference_delay = _delay(reference)
    if not _grokked(reference_delay):
        raise MissingRows(f"the reference {reference_label} did not grok (delay {reference_delay})")
    delay = _delay(found)
    return verdict(
        claim,
        delay < NO_DELAY_FRACTION * reference_delay,
        {
            "time_to_grok": delay,
            f"reference_time_to_grok ({reference_label})": reference_delay,
            "fraction": NO_DELAY_FRACTION,
        }
        | (extra or {}),
    )


def _rises(claim: str, found: pd.DataFrame, name: str):
    """Verdict on "``name`` ends above its start in every run"."""
    start, end = column(found, f"{name}_start"), column(found, f"{name}_end")
    return verdict(
        claim,
        bool((end > start).all()),
        {
            f"{name}_start": float(start.mean()),
            f"{name}_end": float(end.mean()),
            "runs_rising": int((end > start).sum()),
            "runs": len(found),
        },
    )


# --- Fig. 1: one grokking run of the polynomial task -----------------------------------------


def fig1_groks_without_regularization(summary: pd.DataFrame):
    """Kumar Fig. 1b: with vanilla GD and no weight decay the polynomial task groks: the test loss
    falls below 0.1 after the train loss does (time to grok > 0)"""
    # Fig. 1b: "Grokking on a polynomial regression task ... with an MLP, vanilla GD, and zero
    # regularization"; 0.1 is the authors' time-to-grok threshold (Fig. 3e)
    found = _runs(summary, panel=MAIN)
    delay = _delay(found)
    decay = column(found, "weight_decay")
    return verdict(
        fig1_groks_without_regularization.__doc__,
        _grokked(delay) and bool((decay == 0).all()),
        {"time_to_grok": delay, "weight_decay": float(decay.max()), "runs": len(found)},
    )


def fig1_beats_initial_kernel(summary: pd.DataFrame):
    """Kumar Fig. 1b: the network ends below the test loss of kernel regression with its initial
    NTK (the lazy solution, the figure's horizontal line) in every run"""
    # Fig. 1b: "Horizontal line (black) in (b) is the mean-squared error of best kernel regression
    # estimate with the NTK at initialization", which the grokking curve falls below; the paper
    # gives no factor, so "below" (the ratio is in the numbers)
    found = _runs(summary, panel=MAIN)
    final = column(found, "final_test/loss")
    kernel = column(found, "ntk_regression_test_loss")
    return verdict(
        fig1_beats_initial_kernel.__doc__,
        bool((final < kernel).all()),
        {
            "final_test_loss": float(final.mean()),
            "kernel_test_loss": float(kernel.mean()),
            "ratio": float((final / kernel).max()),
            "runs": len(found),
        },
    )


def fig1_weight_norm_increases(summary: pd.DataFrame):
    """Kumar Fig. 1c: the weight norm increases while the network groks: it ends above its
    initial value in every run"""
    # Fig. 1c: "The fact that parameter weight norm increases (dashed orange) cannot be explained
    # by any existing theories of grokking"
    return _rises(fig1_weight_norm_increases.__doc__, _runs(summary, panel=MAIN), "norm")


def fig1_features_align(summary: pd.DataFrame):
    """Kumar Fig. 1c: the features align with the task: the NTK alignment ends above its initial
    value in every run"""
    # Fig. 1c: "Features get aligned (grey)"; the alignment is the CKA y^T K y / (||K|| ||y||^2)
    return _rises(fig1_features_align.__doc__, _runs(summary, panel=MAIN), "ntk_alignment")


# --- Fig. 2: modular addition with a GD-trained MLP ------------------------------------------


def fig2_groks_without_weight_decay(summary: pd.DataFrame):
    """Kumar Fig. 2a-b: the modular-addition MLP at alpha = 1 groks without weight decay: test
    accuracy reaches 95% after train accuracy does (time to grok > 0)"""
    # Section 3: "a two-layer MLP trained without any weight decay"; App. 8.3 "Crucially, we do
    # not use any weight decay, and merely use vanilla gradient descent"; 95%: the figure's level
    found = _at(_runs(summary, panel=MAIN), "alpha", 1.0)
    delay = _delay(found)
    decay = column(found, "weight_decay")
    return verdict(
        fig2_groks_without_weight_decay.__doc__,
        _grokked(delay) and bool((decay == 0).all()),
        {"time_to_grok": delay, "weight_decay": float(decay.max()), "runs": len(found)},
    )


def fig2_weight_norm_increases(summary: pd.DataFrame):
    """Kumar Fig. 2a: the weight norm of the modular-addition MLP at alpha = 1 increases during
    training: it ends above its initial value in every run"""
    # Section 3: "Weight norm of parameters increases during training (Figure 2(a)), so grokking
    # cannot in general be explained by theories of weight decay"
    found = _at(_runs(summary, panel=MAIN), "alpha", 1.0)
    return _rises(fig2_weight_norm_increases.__doc__, found, "norm")


def fig2_alpha_delays_grokking(summary: pd.DataFrame):
    """Kumar Fig. 2c: larger alpha (lazier) delays generalization: the time to grok (never
    generalized = infinite) increases with alpha"""
    # Section 3: alpha "can make grokking more dramatic, or vanish entirely"; Fig. 2c caption: it
    # "can continuously control grokking" (larger alpha = lazier, Section 5.1)
    return _delay_trend(summary, fig2_alpha_delays_grokking.__doc__, "alpha", panel=MAIN)


# --- Fig. 3: alpha and eps on the polynomial task --------------------------------------------


def fig3a_alpha_delays_grokking(summary: pd.DataFrame):
    """Kumar Fig. 3a/e: at fixed eps, larger alpha delays the fall of the test loss after the
    train loss: the time to grok (never = infinite) increases with alpha"""
    # Section 5.1: "increasing alpha on the polynomial regression task continuously induces a
    # longer delay between train loss decrease and test loss decrease"; Fig. 3e: "lazy, misaligned
    # networks grok the most intensely"
    return _delay_trend(summary, fig3a_alpha_delays_grokking.__doc__, "alpha", panel="alpha")


def fig3a_alpha_raises_final_test_loss(summary: pd.DataFrame):
    """Kumar Fig. 3a: lazier networks end worse: the final test loss increases with alpha"""
    # Section 5.1: "the alpha -> infinity limit gives poor final performance since it corresponds
    # to regression with the initial (misaligned) NTK"; Fig. 7a: "small alpha networks ... also
    # achieve good test loss". (Fig. 3's caption says "The final test loss decreases with alpha
    # as we allow the network to learn more features", i.e. as alpha is lowered.)
    return _trend(
        summary,
        fig3a_alpha_raises_final_test_loss.__doc__,
        "alpha",
        "final_test/loss",
        panel="alpha",
    )


def fig3a_alpha_is_lazier(summary: pd.DataFrame):
    """Kumar Fig. 3a: larger alpha trains lazier (closer to the linearized model): the final
    relative parameter change |w - w0| / |w0| decreases with alpha"""
    # Fig. 3a caption: "At large alpha, the model approaches a linearized model"; App. 8.2,
    # Fig. 7d-f: the relative parameter change is controlled by sigma^2 alpha (the laziness)
    return _trend(
        summary,
        fig3a_alpha_is_lazier.__doc__,
        "alpha",
        "relative_param_change_end",
        increasing=False,
        panel="alpha",
    )


def fig3b_eps_speeds_grokking(summary: pd.DataFrame):
    """Kumar Fig. 3b/e: at alpha = 1, smaller eps (worse initial alignment) delays generalization:
    the time to grok (never = infinite) decreases with eps"""
    # Section 5.2: "small eps networks have a longer time delay between training loss reduction
    # and test loss reduction and ... large eps networks have a nearly immediate reduction in test
    # loss"
    return _delay_trend(
        summary, fig3b_eps_speeds_grokking.__doc__, "eps", increasing=False, panel="eps"
    )


def fig3b_small_eps_ends_lower(summary: pd.DataFrame):
    """Kumar Fig. 3b: worse initial alignment ends better: the final test loss increases with
    eps"""
    # Section 5.2: "worse initial alignment caused by smaller eps leads to lower final test loss as
    # it forces the network to learn features"
    return _trend(
        summary, fig3b_small_eps_ends_lower.__doc__, "eps", "final_test/loss", panel="eps"
    )


def fig3b_eps_sets_initial_alignment(summary: pd.DataFrame):
    """Kumar Fig. 3b: eps is the initial kernel-task alignment: the NTK alignment at
    initialization increases with eps"""
    # Section 5: "eps controls the power the kernel places in quadratic functions (including the
    # target y(x)). This is what we mean by saying eps controls initial alignment"; the CKA and
    # eps are "strongly correlated" (App. 11)
    return _trend(
        summary,
        fig3b_eps_sets_initial_alignment.__doc__,
        "eps",
        "ntk_alignment_start",
        panel="eps",
    )


# --- Fig. 4: the loss decomposition of a grokking run ----------------------------------------


def fig4_groks(summary: pd.DataFrame):
    """Kumar Fig. 4 (left): the decomposed run groks: the test loss falls below 0.1 after the
    train loss does (time to grok > 0)"""
    # Fig. 4: "Learning curves for a 2 layer multi-layer perceptron that groks on our polynomial
    # regression task (no weight decay, vanilla GD)"
    return _groks(summary, fig4_groks.__doc__, panel=MAIN)


def fig4_features_align(summary: pd.DataFrame):
    """Kumar Fig. 4 (right): the network aligns with the task features late in training: the NTK
    alignment (the general counterpart of Eq. 6's misalignment term) ends above its initial value
    in every run"""
    # Fig. 4: the test loss falls as the network begins "to align with the task features around
    # 1-2k epochs"; the misalignment term is "closely related and strongly correlated to its
    # general counterpart, the CKA" (Section 5.3)
    return _rises(fig4_features_align.__doc__, _runs(summary, panel=MAIN), "ntk_alignment")


# --- Fig. 5: eigenvector labels --------------------------------------------------------------


def fig5_aligned_labels_generalize_at_once(summary: pd.DataFrame):
    """Kumar Fig. 5a: labels on the top NTK eigenvector (j = 1) generalize at once: a time to grok
    under a quarter of the j = 70 run's"""
    # Section 6.1: "alignment at initialization is high for small j (first plot), so the network
    # generalizes immediately"; Fig. 5: "learning curves move together"
    found = _runs(summary, panel=MAIN)
    return _no_delay(
        fig5_aligned_labels_generalize_at_once.__doc__,
        _at(found, "j", 1),
        _at(found, "j", 70),
        "j=70",
    )


def fig5_intermediate_labels_grok(summary: pd.DataFrame):
    """Kumar Fig. 5b: labels on the 70th NTK eigenvector grok: the test loss falls below 0.1 after
    the train loss does (time to grok > 0)"""
    # Fig. 5: "In the middle, as in (b), the network groks"; Section 6.1: "this occurs when
    # j ~ 70"
    return _groks(summary, fig5_intermediate_labels_grok.__doc__, "j", 70, panel=MAIN)


def fig5_misaligned_labels_never_generalize(summary: pd.DataFrame):
    """Kumar Fig. 5c: labels on the last NTK eigenvector (j = 100) never generalize: the test loss
    never falls below 0.1 in any run"""
    # Fig. 5: "If the network features are poorly aligned at initialization, as in (c), the
    # network cannot generalize"
    found = _at(_runs(summary, panel=MAIN), "j", 100)
    if "time_to_generalize" not in found.columns:
        raise MissingRows("the summary has no column 'time_to_generalize'")
    generalized = found["time_to_generalize"].notna()
    return verdict(
        fig5_misaligned_labels_never_generalize.__doc__,
        not generalized.any(),
        {
            "runs_generalized": int(generalized.sum()),
            "runs": len(found),
            "final_test_loss": float(column(found, "final_test/loss").mean()),
        },
    )


def fig5_alignment_falls_with_j(summary: pd.DataFrame):
    """Kumar Fig. 5: the initial NTK alignment of the labels decreases with the eigenvector index
    j"""
    # Section 6.1: "choosing an eigenvector with a large eigenvalue makes the CKA ... high by
    # construction, and vice versa"
    return _trend(
        summary,
        fig5_alignment_falls_with_j.__doc__,
        "j",
        "ntk_alignment_start",
        increasing=False,
        panel=MAIN,
    )


def fig5_alignment_speeds_generalization(summary: pd.DataFrame):
    """Kumar Fig. 5: higher initial NTK alignment generalizes sooner: ordered by the measured
    initial alignment, the time to generalize (never = infinite) decreases"""
    # Section 6.1: high alignment "so the network generalizes immediately because it starts with
    # good features", low alignment "the network will never be able to generalize with this
    # amount of data"
    found = _runs(summary, panel=MAIN)
    if "time_to_generalize" not in found.columns:
        raise MissingRows("the summary has no column 'time_to_generalize'")
    alignment = _medians(found, "j", column(found, "ntk_alignment_start").astype(float))
    generalize = found["time_to_generalize"].astype(float).fillna(math.inf)
    times = _medians(found, "j", generalize)
    if alignment.nunique() < MIN_VALUES:
        raise MissingRows(f"the initial alignments {list(alignment)} do not differ")
    order = alignment.sort_values(kind="stable").index  # ascending alignment
    by_alignment = pd.Series(times[order].to_numpy(), index=alignment[order].to_numpy())
    return verdict(
        fig5_alignment_speeds_generalization.__doc__,
        _decreases(by_alignment),
        {
            "j": [float(j) for j in order],
            "ntk_alignment_start": [float(a) for a in alignment[order]],
            "time_to_generalize": [float(t) for t in by_alignment],
        },
    )


# --- Fig. 6: MNIST and the one-layer transformer (AdamW) -------------------------------------


def fig6_transformer_alpha_delays_grokking(summary: pd.DataFrame):
    """Kumar Fig. 6b: on the one-layer transformer larger alpha makes grokking more drastic: the
    time to grok (test accuracy 95% after train; never = infinite) increases with alpha"""
    # Section 6: "Note how changing alpha can continuously make grokking vanish, or more drastic"
    return _delay_trend(
        summary, fig6_transformer_alpha_delays_grokking.__doc__, "alpha", panel="transformer"
    )


def fig6_transformer_small_alpha_no_grokking(summary: pd.DataFrame):
    """Kumar Fig. 6b: at alpha = 0.15 the transformer's grokking vanishes: a time to grok under a
    quarter of the alpha = 1 run's"""
    # Fig. 6b: "Note how grokking has vanished for alpha = 0.15, so it can barely be seen amidst the
    # train curves"
    found = _runs(summary, panel="transformer")
    return _no_delay(
        fig6_transformer_small_alpha_no_grokking.__doc__,
        _at(found, "alpha", 0.15),
        _at(found, "alpha", 1.0),
        "alpha=1",
    )


def fig6_mnist_alpha_delays_grokking(summary: pd.DataFrame):
    """Kumar Fig. 6a: on MNIST-1k (init x8) larger alpha delays generalization: the time to grok
    (test accuracy 80% after train; never = infinite) increases with alpha"""
    # Section 6: "we make this grokking vanish continuously by tuning alpha without changing
    # parameter weight norm"; the 80% level is the figure's (MNIST-1k tops out near 90%)
    return _delay_trend(summary, fig6_mnist_alpha_delays_grokking.__doc__, "alpha", panel="mnist")


def fig6_mnist_small_alpha_no_grokking(summary: pd.DataFrame):
    """Kumar Fig. 6a: at alpha = 1e-4 the MNIST grokking vanishes: a time to grok under a quarter
    of the alpha = 1 run's"""
    # Fig. 6a: "including making it vanish by encouraging fast feature learning at alpha = 0.0001"
    found = _runs(summary, panel="mnist")
    return _no_delay(
        fig6_mnist_small_alpha_no_grokking.__doc__,
        _at(found, "alpha", 1e-4),
        _at(found, "alpha", 1.0),
        "alpha=1",
    )


# --- Fig. 7: output scale alpha against init scale sigma -------------------------------------


def _per_fixed(summary, claim: str, fixed: str, swept: str):
    """Verdict on "the delay increases with ``swept`` at every value of ``fixed`` that has at
    least two of them"."""
    found = _runs(summary, panel=MAIN)
    results = {}
    for value, group in found.groupby(column(found, fixed).astype(float)):
        try:
            medians = _medians(group, swept, _delays(group))
        except MissingRows:
            continue  # this fixed value has one swept value only
        results[float(value)] = medians
    if not results:
        raise MissingRows(f"no {fixed} with {MIN_VALUES} values of {swept}")
    holding = [value for value, medians in results.items() if _increases(medians)]
    return verdict(
        claim,
        len(holding) == len(results),
        {
            fixed: list(results),
            f"{fixed}_holding": holding,
            "time_to_grok": [[float(v) for v in m] for m in results.values()],
        },
    )


def fig7a_alpha_delays_grokking(summary: pd.DataFrame):
    """Kumar Fig. 7a: at each init scale sigma, larger alpha groks later: the time to grok (never
    = infinite) increases with alpha"""
    # Fig. 7a: "small alpha networks do not grok as dramatically as large alpha"
    return _per_fixed(summary, fig7a_alpha_delays_grokking.__doc__, "init_scale", "alpha")


def fig7b_sigma_delays_grokking(summary: pd.DataFrame):
    """Kumar Fig. 7b: at each output scale alpha, larger init scale sigma groks later: the time to
    grok (never = infinite) increases with sigma"""
    # Fig. 7b: "A similar sweep over weight initialization scale sigma yields the same trend"
    return _per_fixed(summary, fig7b_sigma_delays_grokking.__doc__, "alpha", "init_scale")


def _collapse(summary, claim: str, name: str, increasing: bool):
    """Verdict on "``name`` is a monotone function of sigma^2 alpha alone": over the distinct
    values of sigma^2 alpha in order, every condition at one value is at most (increasing) every
    condition at the next, and the last value's exceed the first's. Needs one sigma^2 alpha
    reached by two (sigma, alpha) pairs: without one there is no collapse to see."""
    found = _runs(summary, panel=MAIN)
    value = column(found, name).astype(float)
    conditions = (
        pd.DataFrame(
            {
                "sigma2_alpha": column(found, "sigma2_alpha").astype(float).round(12),
                "sigma": column(found, "init_scale").astype(float),
                "alpha": column(found, "alpha").astype(float),
                name: value,
            }
        )
        .groupby(["sigma2_alpha", "sigma", "alpha"])[name]
        .median()
        .reset_index()
    )
    groups = [g[name].to_numpy() for _, g in conditions.groupby("sigma2_alpha")]
    keys = sorted(conditions["sigma2_alpha"].unique())
    if len(groups) < MIN_VALUES:
        raise MissingRows(f"{len(groups)} value(s) of sigma^2 alpha, {MIN_VALUES} needed")
    if max(len(g) for g in groups) < 2:
        raise MissingRows("no sigma^2 alpha is reached by two (sigma, alpha) pairs")
    sign = 1.0 if increasing else -1.0
    ordered = all(
        (sign * low).max() <= (sign * high).min()
        for low, high in zip(groups, groups[1:], strict=False)
    )
    spread = (sign * groups[-1]).min() > (sign * groups[0]).max()
    return verdict(
        claim,
        bool(ordered and spread),
        {
            "sigma2_alpha": [float(k) for k in keys],
            name: [[float(v) for v in g] for g in groups],
        },
    )


def fig7_final_loss_collapses_on_sigma2_alpha(summary: pd.DataFrame):
    """Kumar Fig. 7d-f: the final test loss is controlled by sigma^2 alpha: it increases with
    sigma^2 alpha, runs of equal sigma^2 alpha falling between their neighbours"""
    # Fig. 7: "(d)-(f) The relative parameter change |w - w0|/|w0| and final test loss is
    # controlled through the quantity sigma^2 alpha"; lazier (larger) ends worse (Fig. 7a)
    return _collapse(
        summary, fig7_final_loss_collapses_on_sigma2_alpha.__doc__, "final_test/loss", True
    )


def fig7_param_change_collapses_on_sigma2_alpha(summary: pd.DataFrame):
    """Kumar Fig. 7c-f: the relative parameter change |w - w0| / |w0| is controlled by
    sigma^2 alpha: it decreases with sigma^2 alpha (lazier), runs of equal sigma^2 alpha falling
    between their neighbours"""
    # Fig. 7: "(c) ... approximate preservation of the feature learning can be achieved by
    # choosing alpha ~ sigma^-2. (d)-(f) The relative parameter change ... is controlled through
    # the quantity sigma^2 alpha"
    return _collapse(
        summary,
        fig7_param_change_collapses_on_sigma2_alpha.__doc__,
        "relative_param_change_end",
        False,
    )


# --- Fig. 8: Omnigrok's teacher-student with the output scale --------------------------------


def fig8_original_groks(summary: pd.DataFrame):
    """Kumar Fig. 8: the x2-init teacher-student at alpha = 1 (Omnigrok's experiment) groks: test
    accuracy reaches 90% after train accuracy does (time to grok > 0)"""
    # Fig. 8: "The purple curve corresponds to exactly the experiment in their paper, grokking
    # induced by increasing weight norm"; 90%: the figure's level (the paper gives none)
    return _groks(summary, fig8_original_groks.__doc__, "alpha", 1.0, panel=MAIN)


def fig8_alpha_delays_grokking(summary: pd.DataFrame):
    """Kumar Fig. 8: larger alpha makes the teacher-student grokking more pronounced: the time to
    grok (never = infinite) increases with alpha"""
    # Fig. 8: "by tuning our scaling parameter to be smaller alpha -> 0, we can make that induced
    # grokking vanish ..., and in fact, we can even make grokking more pronounced by increasing it"
    return _delay_trend(summary, fig8_alpha_delays_grokking.__doc__, "alpha", panel=MAIN)


def fig8_small_alpha_no_grokking(summary: pd.DataFrame):
    """Kumar Fig. 8: at the smallest swept alpha (< 1) the teacher-student grokking vanishes: a
    time to grok under a quarter of the alpha = 1 run's"""
    # Fig. 8: "by tuning our scaling parameter to be smaller alpha -> 0, we can make that induced
    # grokking vanish as on the left of the purple curve" (no alpha is named: the smallest swept)
    found = _runs(summary, panel=MAIN)
    alphas = column(found, "alpha").astype(float)
    if not (alphas < 1.0).any():
        raise MissingRows("no alpha below 1 swept")
    smallest = float(alphas.min())
    return _no_delay(
        fig8_small_alpha_no_grokking.__doc__,
        _at(found, "alpha", smallest),
        _at(found, "alpha", 1.0),
        "alpha=1",
        {"alpha": smallest},
    )


# --- Fig. 9: the Goldilocks training-set size ------------------------------------------------


def fig9_small_set_fails(summary: pd.DataFrame):
    """Kumar Fig. 9a: with P = 50 the network fails to generalize: the test loss never falls below
    0.1 in any run"""
    # Fig. 9: "failure to generalize (a) comes from power in linear modes"; App. 8.3.2: "too
    # little (a, d)"
    found = _runs(summary, panel="P050")
    if "time_to_generalize" not in found.columns:
        raise MissingRows("the summary has no column 'time_to_generalize'")
    generalized = found["time_to_generalize"].notna()
    return verdict(
        fig9_small_set_fails.__doc__,
        not generalized.any(),
        {
            "runs_generalized": int(generalized.sum()),
            "runs": len(found),
            "final_test_loss": float(column(found, "final_test/loss").mean()),
        },
    )


def fig9_middle_set_groks(summary: pd.DataFrame):
    """Kumar Fig. 9b: with P = 120 the network groks: the test loss falls below 0.1 after the train
    loss does (time to grok > 0)"""
    # Fig. 9: "grokking comes from a rise then fall in power in linear modes (b)"; App. 8.3.2:
    # "just right (b, e)"
    return _groks(summary, fig9_middle_set_groks.__doc__, panel="P120")


def fig9_large_set_no_delay(summary: pd.DataFrame):
    """Kumar Fig. 9c: with P = 500 the network generalizes without grokking: a time to grok under a
    quarter of the P = 120 run's"""
    # Fig. 9: "full generalization comes from low power in linear modes throughout"; App. 8.3.2:
    # "too much (c, f)", "As we take data larger, the two match"
    return _no_delay(
        fig9_large_set_no_delay.__doc__,
        _runs(summary, panel="P500"),
        _runs(summary, panel="P120"),
        "P=120",
    )


# --- Fig. 12: weight decay against laziness --------------------------------------------------


def _fig12(summary: pd.DataFrame, alpha: float, decay: str):
    """Fig. 12's runs at ``alpha`` and the ``decay`` ("small" or "large") of the two swept weight
    decays (the paper's wd = 1 and 5), and the two weight decays."""
    found = _runs(summary, panel=MAIN)
    decays = sorted(set(column(found, "weight_decay").astype(float)))
    if len(decays) < 2:
        raise MissingRows(f"one weight decay swept ({decays}), two needed")
    value = decays[0] if decay == "small" else decays[-1]
    return _at(_at(found, "alpha", alpha), "weight_decay", value), [decays[0], decays[-1]]


def fig12a_groks(summary: pd.DataFrame):
    """Kumar Fig. 12a: at alpha = 0.5 with the small weight decay the network groks: the test
    accuracy reaches 95% after the train accuracy does (time to grok > 0)"""
    # Fig. 12: "(a) Start with large grokking time delay with alpha = 0.5, wd = 1"
    a, decays = _fig12(summary, 0.5, "small")
    delay = _delay(a)
    return verdict(
        fig12a_groks.__doc__, _grokked(delay), {"time_to_grok": delay, "weight_decays": decays}
    )


def fig12b_weight_decay_removes_grokking(summary: pd.DataFrame):
    """Kumar Fig. 12b: at alpha = 0.5, the larger weight decay makes grokking vanish: a time to
    grok under a quarter of (a)'s"""
    # Fig. 12: "(b) Increasing weight decay to wd = 5 (keep alpha = 0.5) makes grokking vanish by
    # encouraging immediate movement in the NTK (feature learning)"
    a, decays = _fig12(summary, 0.5, "small")
    b, _ = _fig12(summary, 0.5, "large")
    return _no_delay(
        fig12b_weight_decay_removes_grokking.__doc__, b, a, "(a)", {"weight_decays": decays}
    )


def fig12c_laziness_restores_grokking(summary: pd.DataFrame):
    """Kumar Fig. 12c: at the larger weight decay, alpha = 1.4 brings grokking back: a finite time
    to grok of at least a quarter of (a)'s"""
    # Fig. 12: "(c) Then commensurately increasing laziness to alpha = 1.4 (keep wd = 5) recovers
    # grokking by discouraging feature learning"; App. 13: "recovering the amount of grokking we
    # started with": judged against (a), not (b), whose run may never generalize (an infinite
    # delay no finite one exceeds); "at least a quarter of (a)" is the complement of the
    # vanishing reading
    (a, decays), (b, _), (c, _) = (
        _fig12(summary, alpha, decay)
        for alpha, decay in ((0.5, "small"), (0.5, "large"), (1.4, "large"))
    )
    delay_a, delay_b, delay_c = _delay(a), _delay(b), _delay(c)
    if not _grokked(delay_a):
        raise MissingRows(f"(a) did not grok (delay {delay_a})")
    return verdict(
        fig12c_laziness_restores_grokking.__doc__,
        _grokked(delay_c) and delay_c >= NO_DELAY_FRACTION * delay_a,
        {
            "time_to_grok_c": delay_c,
            "time_to_grok_b": delay_b,
            "time_to_grok_a": delay_a,
            "fraction": NO_DELAY_FRACTION,
            "weight_decays": decays,
        },
    )


# --- Fig. 14/15: Hermite targets -------------------------------------------------------------


def fig14_higher_degree_groks(summary: pd.DataFrame):
    """Kumar Fig. 14/15: grokking persists for Hermite targets of degree k > 2: at every swept
    k > 2 the test loss falls below 0.1 after the train loss does (time to grok > 0)"""
    # App. 15.2: "the grokking examined in this paper ... persists out-of-the-box for higher
    # degree polynomial targets"; "H_3, H_4 below are polynomials with degree k > 2"
    found = _runs(summary, panel=MAIN)
    degrees = column(found, "hermite_degree").astype(int)
    higher = sorted({int(k) for k in degrees[degrees > 2]})
    if not higher:
        raise MissingRows(f"no degree above 2 swept ({sorted(set(degrees))})")
    delays = [_delay(found[degrees == k]) for k in higher]
    return verdict(
        fig14_higher_degree_groks.__doc__,
        all(_grokked(d) for d in delays),
        {"hermite_degree": higher, "time_to_grok": delays},
    )


CLAIMS = {
    "kumar_fig1": [
        fig1_groks_without_regularization,
        fig1_beats_initial_kernel,
        fig1_weight_norm_increases,
        fig1_features_align,
    ],
    "kumar_fig2": [
        fig2_groks_without_weight_decay,
        fig2_weight_norm_increases,
        fig2_alpha_delays_grokking,
    ],
    "kumar_fig3": [
        fig3a_alpha_delays_grokking,
        fig3a_alpha_raises_final_test_loss,
        fig3a_alpha_is_lazier,
        fig3b_eps_speeds_grokking,
        fig3b_small_eps_ends_lower,
        fig3b_eps_sets_initial_alignment,
    ],
    "kumar_fig4": [fig4_groks, fig4_features_align],
    "kumar_fig5": [
        fig5_aligned_labels_generalize_at_once,
        fig5_intermediate_labels_grok,
        fig5_misaligned_labels_never_generalize,
        fig5_alignment_falls_with_j,
        fig5_alignment_speeds_generalization,
    ],
    "kumar_fig6": [
        fig6_transformer_alpha_delays_grokking,
        fig6_transformer_small_alpha_no_grokking,
        fig6_mnist_alpha_delays_grokking,
        fig6_mnist_small_alpha_no_grokking,
    ],
    "kumar_fig7": [
        fig7a_alpha_delays_grokking,
        fig7b_sigma_delays_grokking,
        fig7_final_loss_collapses_on_sigma2_alpha,
        fig7_param_change_collapses_on_sigma2_alpha,
    ],
    "kumar_fig8": [fig8_original_groks, fig8_alpha_delays_grokking, fig8_small_alpha_no_grokking],
    "kumar_fig9": [fig9_small_set_fails, fig9_middle_set_groks, fig9_large_set_no_delay],
    "kumar_fig12": [
        fig12a_groks,
        fig12b_weight_decay_removes_grokking,
        fig12c_laziness_restores_grokking,
    ],
    "kumar_fig14": [fig14_higher_degree_groks],
}
