"""Lyle et al. 2025 (``papers/lyle2025_grokking_nonstationarity.txt``): the claims of its figures
as checks over each sweep's summary table (``grokrewarm.figures`` writes it)."""

from __future__ import annotations

import pandas as pd

from grokrewarm.claims.core import column, rows, verdict
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


CLAIMS = {"fig3": [fig3_high_peak_groks, fig3_low_peak_does_not]}
