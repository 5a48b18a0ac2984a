"""Lyle et al. 2025 (``papers/lyle2025_grokking_nonstationarity.txt``): the claims of its figures
as checks over each sweep's summary table (``grokrewarm.figures`` writes it)."""

from __future__ import annotations

import re

import pandas as pd

from grokrewarm.claims.core import MissingRows, column, rows, verdict
from grokrewarm.figures.runs import GROKKED_ACC


def fig3_high_peak_groks(summary: pd.DataFrame):
    """Fig. 3 LHS: re-warming to a peak of 1e-2 induces grokking after every offset"""
    # Section 4.1: "re-warming the learning rate to 1e-2 induces grokking regardless of the
    # offset"; grokked = test accuracy >= 95% (figures.runs.GROKKED_ACC) in every seed
    found = rows(summary, panel="lhs")
    grokked, seeds = column(found, "grokked_seeds"), column(found, "seeds")
    return verdict(
        fig3_high_peak_groks.__doc__,
        bool((grokked == seeds).all()),
        {
            "offsets": len(found),
            "offsets_all_seeds_grokked": int((grokked == seeds).sum()),
            "min_final_test_acc": float(column(found, "final_test_acc_mean").min()),
            "threshold": GROKKED_ACC,
        },
    )


def fig3_low_peak_does_not(summary: pd.DataFrame):
    """Fig. 3 RHS: re-warming to a peak of 1e-3 induces grokking after no offset"""
    found = rows(summary, panel="rhs")
    grokked = column(found, "grokked_seeds")
    return verdict(
        fig3_low_peak_does_not.__doc__,
        bool((grokked == 0).all()),
        {
            "offsets": len(found),
            "offsets_any_seed_grokked": int((grokked > 0).sum()),
            "max_final_test_acc": float(column(found, "final_test_acc_mean").max()),
            "threshold": GROKKED_ACC,
        },
    )


FIG2_CONDITION = re.compile(
    r"^(?P<projection>[a-z]+)_lr(?P<lr>[^_]+)_wd(?P<wd>[^_]+)_sd(?P<sd>[^_]+)$"
)


def _fig2_table(summary: pd.DataFrame, panel: str) -> pd.DataFrame:
    """The panel's rows with the condition (``nap_lr0.01_wd1.0_sd0.0``) split into columns."""
    found = rows(summary, panel=panel).copy()
    parts = found["condition"].str.extract(FIG2_CONDITION)
    if parts.isna().any().any():
        raise MissingRows(f"unparsable Fig. 2 conditions: {found['condition'].tolist()}")
    for name in ("lr", "wd", "sd"):
        parts[name] = parts[name].astype(float)
    out = pd.concat([found.drop(columns=[c for c in parts if c in found]), parts], axis=1)
    out["all_grokked"] = column(out, "grokked_seeds") == column(out, "seeds")
    return out


def fig2_projection_groks_consistently(summary: pd.DataFrame):
    """Fig. 2 LHS: the projected network at the largest LR groks in every seed at both weight
    decays"""
    # Section 3.2: periodic re-scaling makes grokking fast and consistent across seeds
    table = _fig2_table(summary, "lhs")
    projected = table[table["projection"] == "nap"]
    if projected.empty:
        raise MissingRows("no projected runs")
    top = projected[projected["lr"] == projected["lr"].max()]
    return verdict(
        fig2_projection_groks_consistently.__doc__,
        bool(top["all_grokked"].all()) and len(top) >= 2,
        {
            "lr": float(top["lr"].iloc[0]),
            "conditions": len(top),
            "all_seeds_grokked": int(top["all_grokked"].sum()),
        },
    )


def fig2_unconstrained_needs_weight_decay(summary: pd.DataFrame):
    """Fig. 2 LHS: without projection, grokking needs large weight decay: the unconstrained
    network groks at more LRs with weight decay 1.0 than with 0.01"""
    table = _fig2_table(summary, "lhs")
    free = table[table["projection"] == "none"]
    grokked_any = free["grokked_seeds"] > 0
    at = {wd: int(grokked_any[free["wd"] == wd].sum()) for wd in (0.01, 1.0)}
    if not ((free["wd"] == 0.01).any() and (free["wd"] == 1.0).any()):
        raise MissingRows("unconstrained runs at weight decay 0.01 and 1.0 are both needed")
    return verdict(
        fig2_unconstrained_needs_weight_decay.__doc__,
        at[1.0] > at[0.01],
        {"lrs_grokked_wd1": at[1.0], "lrs_grokked_wd0.01": at[0.01]},
    )


def fig2_layernorm_needs_scale_decay(summary: pd.DataFrame):
    """Fig. 2 RHS: the projected LayerNorm network groks in no seed without scale decay and in
    every seed with it (at 1.0 or 10.0)"""
    # Section 3.2: "weight normalization completely fails to generalize" with LayerNorm unless
    # weight decay is applied to the norm scales
    table = _fig2_table(summary, "rhs")
    projected = table[table["projection"] == "nap"]
    without, with_decay = projected[projected["sd"] == 0], projected[projected["sd"] > 0]
    if without.empty or with_decay.empty:
        raise MissingRows("projected runs with and without scale decay are both needed")
    return verdict(
        fig2_layernorm_needs_scale_decay.__doc__,
        bool((without["grokked_seeds"] == 0).all() and with_decay["all_grokked"].any()),
        {
            "grokked_seeds_without": int(without["grokked_seeds"].sum()),
            "scale_decays_all_seeds_grokked": [
                float(v) for v in with_decay.loc[with_decay["all_grokked"], "sd"]
            ],
        },
    )


CLAIMS = {
    "fig2": [
        fig2_projection_groks_consistently,
        fig2_unconstrained_needs_weight_decay,
        fig2_layernorm_needs_scale_decay,
    ],
    "fig3": [fig3_high_peak_groks, fig3_low_peak_does_not],
}
