"""Nanda et al. 2023 ("Progress measures for grokking via mechanistic interpretability"): the
standard grokking run, as an anchor for the Lyle et al. figures."""

import pandas as pd

from grokrewarm.analysis.runs import GROKKED_ACC
from grokrewarm.claims.core import MissingRows, column, rows

# Their Section 5: memorization by ~1.4k steps, circuit formation from 1.4k to 9.4k, clean-up
# (test accuracy to ~100%) from 9.4k to 13k.
MEMORIZED_BY, CLEANED_UP_BY = 1400, 13000


def groks_where_published(summary):
    found = rows(summary, panel="baseline")
    last_step = int(column(found, "last_step").max())
    if last_step < CLEANED_UP_BY and (found["grokked_seeds"] == 0).all():
        raise MissingRows(f"the runs stopped before step {CLEANED_UP_BY} without grokking")
    grokked, seeds = column(found, "grokked_seeds"), column(found, "seeds")
    step = found["median_step_to_95"].iloc[0]
    holds = bool((grokked == seeds).all()) and MEMORIZED_BY < step <= CLEANED_UP_BY
    return holds, {
        "median_step_to_95": float(step) if pd.notna(step) else None,
        "grokked_seeds": int(grokked.sum()),
        "seeds": int(seeds.sum()),
        "final_test_acc": float(column(found, "final_test_acc_mean").iloc[0]),
        "threshold": GROKKED_ACC,
    }


CLAIMS = {
    "Nanda et al. 2023: the standard setup groks as published: test "
    "accuracy reaches 95% in every seed after the memorization "
    "phase (step 1.4k) and by the end of clean-up (step 13k)": groks_where_published,
}
