import pandas as pd
import pytest

from grokrewarm.claims import CANNOT_TELL, FAILS, HOLDS, checks, judge


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
    assert [judge(c, summary).verdict for c in checks("fig3")] == [HOLDS, HOLDS]


def test_fig3_fails_on_one_offset_that_did_not_grok_or_one_that_did():
    summary = fig3_summary([2, 1, 2], [0, 0, 1])
    results = [judge(c, summary) for c in checks("fig3")]
    assert [r.verdict for r in results] == [FAILS, FAILS]
    assert results[0].numbers["offsets_all_seeds_grokked"] == 2
    assert results[1].numbers["offsets_any_seed_grokked"] == 1


def test_fig3_cannot_tell_without_the_panel():
    summary = fig3_summary([2, 2], [0])
    summary = summary[summary["panel"] == "lhs"]
    assert judge(checks("fig3")[1], summary).verdict == CANNOT_TELL


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
    return [judge(c, summary).verdict for c in checks("fig2")]


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
    assert judge(checks("fig2")[2], summary).numbers["grokked_seeds_without"] == 1


def warm_start_summary(methods, panel="main", seeds=5):
    """methods: {method: {initial fraction: final test accuracy}}; the gap to each method's 100%
    run as analysis.warm_start.summarize_warm_start writes it (NaN without a 100% run)."""
    rows = [
        {
            "panel": panel,
            "method": method,
            "initial_fraction": fraction,
            "seeds": seeds,
            "final_test_acc_mean": acc,
            "gap_to_100pct": accs.get(1.0, float("nan")) - acc,
        }
        for method, accs in methods.items()
        for fraction, acc in accs.items()
    ]
    return pd.DataFrame(rows)


def test_fig4_holds_when_projection_closes_the_gap_and_unconstrained_keeps_it():
    summary = warm_start_summary(
        {
            "nap_fixed": {0.1: 0.695, 0.5: 0.70, 1.0: 0.70},
            "none_fixed": {0.1: 0.62, 0.5: 0.66, 1.0: 0.68},
        }
    )
    results = [judge(c, summary) for c in checks("fig4")]
    assert [r.verdict for r in results] == [HOLDS, HOLDS]
    assert results[0].numbers["max_gap"] == pytest.approx(0.005)
    assert results[1].numbers["gap_f0.1"] == pytest.approx(0.06)


def test_fig4_fails_when_projection_keeps_a_gap_and_unconstrained_closes_it():
    summary = warm_start_summary(
        {
            "nap_fixed": {0.1: 0.70, 0.5: 0.67, 1.0: 0.70},  # the gap from 50%: 3 points
            "none_fixed": {0.1: 0.675, 0.5: 0.68, 1.0: 0.68},
        }
    )
    results = [judge(c, summary) for c in checks("fig4")]
    assert [r.verdict for r in results] == [FAILS, FAILS]
    assert results[0].numbers["gap_f0.5"] == pytest.approx(0.03)
    assert results[1].numbers["max_gap"] == pytest.approx(0.005)


def test_fig4_cannot_tell_without_the_100pct_or_the_10pct_run_or_a_method():
    no_full = warm_start_summary({"nap_fixed": {0.1: 0.7, 0.5: 0.7}, "none_fixed": {1.0: 0.7}})
    assert judge(checks("fig4")[0], no_full).verdict == CANNOT_TELL
    no_small = warm_start_summary({"none_fixed": {0.5: 0.6, 1.0: 0.7}})
    result = judge(checks("fig4")[1], no_small)
    assert result.verdict == CANNOT_TELL and "10%" in result.reason
    assert judge(checks("fig4")[0], no_small).verdict == CANNOT_TELL


def fig5_summary(lhs, rhs):
    """lhs: {per-layer rule: {fraction: acc}}; rhs: {(projection, trigger): {fraction: acc}}."""
    return pd.concat(
        [
            warm_start_summary({f"nap_fixed_{r}": a for r, a in lhs.items()}, panel="lhs"),
            warm_start_summary({f"{p}_{t}_none": a for (p, t), a in rhs.items()}, panel="rhs"),
        ],
        ignore_index=True,
    )


FIG5_RHS_AS_DRAWN = {
    ("nap", "cusum"): {0.1: 0.70, 0.5: 0.70, 1.0: 0.70},
    ("nap", "warmup_cosine"): {0.1: 0.64, 0.5: 0.67, 1.0: 0.71},
    ("none", "cusum"): {0.1: 0.62, 0.5: 0.65, 1.0: 0.69},
    ("none", "warmup_cosine"): {0.1: 0.58, 0.5: 0.62, 1.0: 0.69},
}


def test_fig5_holds_as_the_paper_draws_it():
    lhs = {
        "constant": {0.1: 0.68, 0.5: 0.69, 1.0: 0.70},
        "fast_features": {0.1: 0.685, 0.5: 0.69, 1.0: 0.705},
        "slow_features": {0.1: 0.60, 0.5: 0.64, 1.0: 0.69},
        "even_ratio_abs": {0.1: 0.66, 0.5: 0.67, 1.0: 0.70},
    }
    results = [judge(c, fig5_summary(lhs, FIG5_RHS_AS_DRAWN)) for c in checks("fig5")]
    assert [r.verdict for r in results] == [HOLDS] * 4
    assert results[1].numbers["change"] == pytest.approx(0.07)
    assert results[2].numbers["drop_no_projection"] == pytest.approx(0.065)
    assert results[3].numbers["acc_neither"] == pytest.approx(0.60)


def test_fig5_fails_when_the_final_layer_matters_the_features_do_not_and_ablations_do_not_hurt():
    lhs = {
        "constant": {0.1: 0.68, 1.0: 0.70},
        "fast_features": {0.1: 0.64, 1.0: 0.70},  # 4 points lower from 10%
        "slow_features": {0.1: 0.675, 1.0: 0.69},  # gap 1.5 points vs 2: a change of 0.5
    }
    rhs = {
        ("nap", "cusum"): {0.1: 0.70, 1.0: 0.70},
        ("nap", "warmup_cosine"): {0.1: 0.695, 1.0: 0.71},  # half a point lower: no degradation
        ("none", "cusum"): {0.1: 0.60, 1.0: 0.69},  # the worst
        ("none", "warmup_cosine"): {0.1: 0.62, 1.0: 0.69},
    }
    results = [judge(c, fig5_summary(lhs, rhs)) for c in checks("fig5")]
    assert [r.verdict for r in results] == [FAILS] * 4
    assert results[0].numbers["acc_diff_f0.1"] == pytest.approx(0.04)
    assert results[1].numbers["change"] == pytest.approx(-0.005)
    assert results[2].numbers["drop_no_changepoint"] == pytest.approx(0.005)
    assert results[3].numbers["acc_no_projection"] == pytest.approx(0.60)


def test_fig5_cannot_tell_without_a_rule_or_an_rhs_method():
    lhs = {"constant": {0.1: 0.68, 1.0: 0.70}}
    rhs = {k: v for k, v in FIG5_RHS_AS_DRAWN.items() if k != ("none", "warmup_cosine")}
    summary = fig5_summary(lhs, rhs)
    verdicts = [judge(c, summary).verdict for c in checks("fig5")]
    assert verdicts == [CANNOT_TELL] * 4


def test_fig9_holds_when_the_unaligned_cycle_closes_the_gap_and_fails_when_it_does_not():
    closes = warm_start_summary(
        {"nap_cyclic": {0.1: 0.70, 0.5: 0.705, 1.0: 0.70}, "none_cyclic": {0.1: 0.6, 1.0: 0.7}}
    )
    result = judge(checks("fig9")[0], closes)
    assert result.verdict == HOLDS and result.numbers["max_gap"] == pytest.approx(0.0)
    gap = warm_start_summary({"nap_cyclic": {0.1: 0.66, 0.5: 0.69, 1.0: 0.70}})
    result = judge(checks("fig9")[0], gap)
    assert result.verdict == FAILS and result.numbers["gap_f0.1"] == pytest.approx(0.04)


def test_fig9_cannot_tell_without_the_projected_method():
    summary = warm_start_summary({"none_cyclic": {0.1: 0.6, 1.0: 0.7}})
    assert judge(checks("fig9")[0], summary).verdict == CANNOT_TELL


def fig13_summary(gaps):
    """gaps: {(rule, peak): gap from 10%} (the 50% run halfway, the 100% run at 0.70)."""
    return warm_start_summary(
        {
            f"{rule}_peak{peak}": {0.1: 0.70 - gap, 0.5: 0.70 - gap / 2, 1.0: 0.70}
            for (rule, peak), gap in gaps.items()
        }
    )


FIG13_RULES = ("constant", "fast_features", "slow_features", "even_ratio_abs")


def test_fig13_holds_when_the_x10_peak_closes_what_x1_leaves():
    gaps = {(r, 1.0): 0.0 for r in FIG13_RULES} | {(r, 10.0): 0.0 for r in FIG13_RULES}
    gaps |= {("slow_features", 1.0): 0.03, ("even_ratio_abs", 1.0): 0.02}
    results = [judge(c, fig13_summary(gaps)) for c in checks("fig13")]
    assert [r.verdict for r in results] == [HOLDS, HOLDS]
    assert results[0].numbers["max_gap_slow_features_x1"] == pytest.approx(0.03)
    assert set(results[1].numbers) == {
        "max_gap_slow_features_x1",
        "max_gap_slow_features_x10",
        "max_gap_even_ratio_abs_x1",
        "max_gap_even_ratio_abs_x10",
        "tol",
    }


def test_fig13_fails_when_no_rule_leaves_a_gap_or_x10_does_not_close_it():
    no_gap = {(r, p): 0.005 for r in FIG13_RULES for p in (1.0, 10.0)}
    result = judge(checks("fig13")[0], fig13_summary(no_gap))
    assert result.verdict == FAILS
    assert result.numbers["max_gap_constant_x1"] == pytest.approx(0.005)
    # and with no gap at x1 there is nothing for the x10 peak to close
    assert judge(checks("fig13")[1], fig13_summary(no_gap)).verdict == (CANNOT_TELL)
    kept = no_gap | {("slow_features", 1.0): 0.03, ("slow_features", 10.0): 0.02}
    kept |= {("even_ratio_abs", 1.0): 0.05, ("even_ratio_abs", 10.0): 0.04}
    result = judge(checks("fig13")[1], fig13_summary(kept))
    assert result.verdict == FAILS
    assert result.numbers["max_gap_slow_features_x10"] == pytest.approx(0.02)
    assert result.numbers["max_gap_even_ratio_abs_x10"] == pytest.approx(0.04)
    # B.5's "under some of the per-layer schedules": one gapped rule closing at x10 is enough
    one_closes = kept | {("even_ratio_abs", 10.0): 0.0}
    result = judge(checks("fig13")[1], fig13_summary(one_closes))
    assert result.verdict == HOLDS


def test_fig13_cannot_tell_without_a_rule_or_its_x10_runs():
    gaps = {(r, 1.0): 0.0 for r in FIG13_RULES if r != "constant"}
    assert judge(checks("fig13")[0], fig13_summary(gaps)).verdict == CANNOT_TELL
    gaps = {(r, 1.0): 0.0 for r in FIG13_RULES} | {("slow_features", 1.0): 0.03}
    result = judge(checks("fig13")[1], fig13_summary(gaps))
    assert result.verdict == CANNOT_TELL and "slow_features_peak10.0" in result.reason


def diverge_100pct_run(summary, method):
    """The method's 100% run ends at chance (0.098, as a diverged run did at 10x), its gaps with
    it."""
    at_chance = 0.098
    summary = summary.copy()
    own = summary["method"] == method
    full = own & (summary["initial_fraction"] == 1.0)
    summary.loc[full, "final_test_acc_mean"] = at_chance
    summary.loc[own, "gap_to_100pct"] = at_chance - summary.loc[own, "final_test_acc_mean"]
    return summary


def test_fig13_a_diverged_100pct_run_at_x10_measures_no_gap():
    gaps = {(r, p): 0.0 for r in FIG13_RULES for p in (1.0, 10.0)}
    gaps |= {("slow_features", 1.0): 0.03, ("slow_features", 10.0): 0.05}
    gaps |= {("fast_features", 1.0): 0.07}
    # fast features "closes" at x10 only because its 100% run diverged (gap -0.6): not a closing,
    # and slow features keeps its gap: no measured rule closes, one is unmeasured
    summary = diverge_100pct_run(fig13_summary(gaps), "fast_features_peak10.0")
    result = judge(checks("fig13")[1], summary)
    assert result.verdict == CANNOT_TELL
    assert "fast_features_peak10.0 ended at chance (test accuracy 0.098)" in result.reason
    # a measured rule that closes is enough, whatever the unmeasured one did
    summary = diverge_100pct_run(
        fig13_summary(gaps | {("slow_features", 10.0): 0.005}), "fast_features_peak10.0"
    )
    result = judge(checks("fig13")[1], summary)
    assert result.verdict == HOLDS
    assert result.numbers["max_gap_slow_features_x10"] == pytest.approx(0.005)
    assert "max_gap_fast_features_x10" not in result.numbers


def test_fig4_cannot_tell_against_a_100pct_run_at_chance():
    summary = warm_start_summary(
        {
            "nap_fixed": {0.1: 0.695, 0.5: 0.70, 1.0: 0.105},  # within 1 point of chance
            "none_fixed": {0.1: 0.62, 0.5: 0.66, 1.0: 0.68},
        }
    )
    results = [judge(c, summary) for c in checks("fig4")]
    assert [r.verdict for r in results] == [CANNOT_TELL, HOLDS]
    assert "main/nap_fixed ended at chance (test accuracy 0.105)" in results[0].reason


def fig8_summary(measured, dropped):
    return pd.DataFrame(
        [
            {
                "panel": "main",
                "condition": f"k{k}_wd0.1",
                "seeds": 3,
                "grokked_seeds": m,
                "rank_drop_seeds": m,
                "rank_dropped_seeds": d,
            }
            for k, m, d in zip((1, 10, 100), measured, dropped, strict=True)
        ]
    )


def test_fig8_holds_when_most_grokked_runs_lose_rank():
    result = judge(checks("fig8")[0], fig8_summary([2, 2, 1], [2, 1, 1]))
    assert result.verdict == HOLDS
    assert (result.numbers["grokked_runs_measured"], result.numbers["runs_with_rank_drop"]) == (
        5,
        4,
    )


def test_fig8_fails_at_half_or_fewer_and_cannot_tell_below_three_runs():
    fails = judge(checks("fig8")[0], fig8_summary([2, 2, 0], [1, 1, 0]))
    assert fails.verdict == FAILS
    assert fails.numbers["runs_with_rank_drop"] == 2
    few = judge(checks("fig8")[0], fig8_summary([1, 1, 0], [1, 1, 0]))
    assert few.verdict == CANNOT_TELL
