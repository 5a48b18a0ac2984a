import pandas as pd

from grokrewarm.claims import CANNOT_TELL, FAILS, HOLDS, lyle
from grokrewarm.claims.core import run_check


def fig3_summary(lhs_grokked, rhs_grokked, seeds=2):
    rows = [
        {
            "panel": panel,
            "condition": f"offset{i}",
            "seeds": seeds,
            "grokked_seeds": g,
            "final_test_acc_mean": 0.99 if g == seeds else 0.4,
        }
        for panel, grokked in (("lhs", lhs_grokked), ("rhs", rhs_grokked))
        for i, g in enumerate(grokked)
    ]
    return pd.DataFrame(rows)


def test_fig3_holds_when_high_peak_groks_everywhere_and_low_peak_nowhere():
    summary = fig3_summary([2, 2, 2], [0, 0, 0])
    assert [run_check(c, summary).verdict for c in lyle.CLAIMS["fig3"]] == [HOLDS, HOLDS]


def test_fig3_fails_on_one_offset_that_did_not_grok_or_one_that_did():
    summary = fig3_summary([2, 1, 2], [0, 0, 1])
    results = [run_check(c, summary) for c in lyle.CLAIMS["fig3"]]
    assert [r.verdict for r in results] == [FAILS, FAILS]
    assert results[0].numbers["offsets_all_seeds_grokked"] == 2
    assert results[1].numbers["offsets_any_seed_grokked"] == 1


def test_fig3_cannot_tell_without_the_panel():
    summary = fig3_summary([2, 2], [0])
    summary = summary[summary["panel"] == "lhs"]
    assert run_check(lyle.fig3_low_peak_does_not, summary).verdict == CANNOT_TELL


def fig2_summary(lhs, rhs, seeds=2):
    """lhs: {(projection, lr, wd): grokked seeds}; rhs: {(projection, sd): grokked seeds}."""
    rows = [
        {
            "panel": "lhs",
            "condition": f"{p}_lr{lr}_wd{wd}_sd0.0",
            "seeds": seeds,
            "grokked_seeds": g,
        }
        for (p, lr, wd), g in lhs.items()
    ] + [
        {
            "panel": "rhs",
            "condition": f"{p}_lr0.01_wd0.01_sd{sd}",
            "seeds": seeds,
            "grokked_seeds": g,
        }
        for (p, sd), g in rhs.items()
    ]
    return pd.DataFrame(rows)


def fig2_verdicts(summary):
    return [run_check(c, summary).verdict for c in lyle.CLAIMS["fig2"]]


def test_fig2_holds_as_the_paper_draws_it():
    lhs = {("nap", lr, wd): 2 for lr in (0.01, 0.001) for wd in (0.01, 1.0)}
    lhs |= {
        ("none", 0.01, 1.0): 2,
        ("none", 0.001, 1.0): 1,
        ("none", 0.01, 0.01): 0,
        ("none", 0.001, 0.01): 0,
    }
    rhs = {("nap", 0.0): 0, ("nap", 1.0): 2, ("nap", 10.0): 1, ("none", 0.0): 2}
    assert fig2_verdicts(fig2_summary(lhs, rhs)) == [HOLDS, HOLDS, HOLDS]


def test_fig2_fails_when_projection_is_inconsistent_decay_does_not_matter_or_ln_groks_anyway():
    lhs = {
        ("nap", 0.01, 0.01): 1,
        ("nap", 0.01, 1.0): 2,
        ("none", 0.01, 1.0): 2,
        ("none", 0.01, 0.01): 2,
    }
    rhs = {("nap", 0.0): 1, ("nap", 1.0): 2}
    summary = fig2_summary(lhs, rhs)
    assert fig2_verdicts(summary) == [FAILS, FAILS, FAILS]
    assert (
        run_check(lyle.fig2_layernorm_needs_scale_decay, summary).numbers["grokked_seeds_without"]
        == 1
    )
