import pandas as pd

from grokrewarm.claims import CANNOT_TELL, FAILS, HOLDS, checks, judge


def summary(step_to_95, grokked=1, last_step=13000):
    return pd.DataFrame(
        [
            {
                "panel": "baseline",
                "condition": "nanda_init_loss_float64",
                "seeds": 1,
                "final_test_acc_mean": 1.0 if grokked else 0.05,
                "grokked_seeds": grokked,
                "median_step_to_95": step_to_95,
                "last_step": last_step,
            },
            {"panel": "float32", "condition": "x", "seeds": 1, "grokked_seeds": 0},
        ]
    )


def check(table):
    return judge(checks("nanda_baseline")[0], table)


def test_holds_when_grokking_lands_between_memorization_and_clean_up():
    result = check(summary(10250.0))
    assert result.verdict == HOLDS
    assert result.numbers["median_step_to_95"] == 10250.0


def test_fails_when_it_groks_too_early_or_never_within_13k():
    assert check(summary(750.0)).verdict == FAILS  # fast generalization is not this setup
    never = check(summary(float("nan"), grokked=0))
    assert never.verdict == FAILS
    assert never.numbers["final_test_acc"] == 0.05


def test_cannot_tell_from_a_run_stopped_before_13k_that_has_not_grokked():
    assert check(summary(float("nan"), grokked=0, last_step=5000)).verdict == CANNOT_TELL
