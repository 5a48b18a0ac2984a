import math

import pandas as pd
import pytest
from omegaconf import OmegaConf

from grokrewarm.analysis.runs import Run, attention_rank_drop, summarize


def run(test_acc, rank, condition="k1_wd0.0", train_acc=None):
    steps = [100 * i for i in range(len(test_acc))]
    train_acc = train_acc or [1.0] * len(test_acc)
    metrics = pd.DataFrame(
        {"step": steps, "train/acc": train_acc, "test/acc": test_acc, "rank/attention": rank}
    )
    config = OmegaConf.create({"panel": "main", "condition": condition})
    return Run(path=None, config=config, metrics=metrics)


def test_rank_drop_is_read_over_a_window_as_long_as_the_runs_grokking_delay():
    # memorized (train >= 95%) at step 100, grokked (test >= 95%) at 400: delay 300, so the window
    # runs from after step 300 (the last below 50% test, rank 50) to step 700: lowest rank 20
    grokking = run(
        [0.1, 0.2, 0.3, 0.4, 0.96, 1.0, 1.0, 1.0, 1.0],
        [50, 50, 50, 50, 48, 45, 40, 20, 10],
        train_acc=[0.5, 0.96, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    )
    assert attention_rank_drop(grokking) == pytest.approx(1 - 20 / 50)


def test_rank_drop_window_ends_at_grokking_when_it_memorized_no_earlier():
    # train and test reach 95% together at step 300: delay 0, window = steps 300 only (rank 45)
    together = run(
        [0.1, 0.2, 0.4, 0.97, 1.0], [50, 50, 50, 45, 10], train_acc=[0.1, 0.3, 0.6, 0.97, 1.0]
    )
    assert attention_rank_drop(together) == pytest.approx(1 - 45 / 50)


def test_rank_drop_is_nan_without_grokking_or_without_a_step_before_it():
    assert math.isnan(attention_rank_drop(run([0.1, 0.3, 0.9], [50, 40, 30])))
    assert math.isnan(attention_rank_drop(run([0.97, 0.99], [50, 40])))


def test_rank_drop_skips_rows_where_the_rank_was_not_logged():
    nan = float("nan")
    # memorized at step 0; grokked at 400, the first 95% row with a rank: window (200, 800]
    grokking = run([0.1, 0.3, 0.6, 0.97, 0.99, 1.0], [60, nan, 50, nan, 45, nan])
    assert attention_rank_drop(grokking) == pytest.approx(1 - 45 / 60)


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
