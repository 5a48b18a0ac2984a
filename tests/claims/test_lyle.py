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
