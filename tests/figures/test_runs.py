import math

import pandas as pd
import pytest
from omegaconf import OmegaConf

from grokrewarm.figures.runs import Run, attention_rank_drop, summarize


def run(test_acc, rank, condition="k1_wd0.0", steps=None):
    steps = steps or [100 * i for i in range(len(test_acc))]
    metrics = pd.DataFrame({"step": steps, "test/acc": test_acc, "rank/attention": rank})
    config = OmegaConf.create({"panel": "main", "condition": condition})
    return Run(path=None, config=config, metrics=metrics)


def test_rank_drop_runs_from_the_last_step_below_half_to_the_first_at_95():
    # last below 0.5 is step 200 (rank 40), first at >= 0.95 is step 400 (rank 30): 1 - 30/40
    grokking = run([0.1, 0.2, 0.4, 0.8, 0.96, 1.0], [50, 45, 40, 35, 30, 10])
    assert attention_rank_drop(grokking) == 0.25


def test_rank_drop_is_nan_without_grokking_or_without_a_step_before_it():
    assert math.isnan(attention_rank_drop(run([0.1, 0.3, 0.9], [50, 40, 30])))
    assert math.isnan(attention_rank_drop(run([0.97, 0.99], [50, 40])))


def test_rank_drop_skips_rows_where_the_rank_was_not_logged():
    nan = float("nan")
    grokking = run([0.1, 0.3, 0.6, 0.97, 0.99], [60, nan, 50, nan, 45])
    assert attention_rank_drop(grokking) == 1 - 45 / 60  # the first rank at 95% is at step 400


def test_summary_counts_the_runs_whose_rank_dropped(tmp_path):
    runs = [
        run([0.1, 0.4, 0.97], [50, 40, 20]),  # drop 0.5
        run([0.1, 0.4, 0.97], [50, 40, 38]),  # drop 0.05: below RANK_DROP
        run([0.1, 0.4, 0.6], [50, 40, 20]),  # never grokked
    ]
    summary = summarize(runs, tmp_path / "s.csv")
    row = summary.iloc[0]
    assert (row["seeds"], row["grokked_seeds"]) == (3, 2)
    assert (row["rank_drop_seeds"], row["rank_dropped_seeds"]) == (2, 1)
    assert row["rank_drop_mean"] == pytest.approx((0.5 + 0.05) / 2)
