import pandas as pd
import pytest

from grokrewarm.claims import CANNOT_TELL, FAILS, HOLDS, evaluate, registry
from grokrewarm.claims.core import ClaimResult, MissingRows, column, rows, table


def test_rows_selects_by_value_or_list_and_refuses_missing_rows_or_seeds():
    summary = pd.DataFrame({"panel": ["a", "b", "c"], "seeds": [3, 1, 2], "x": [1.0, None, 3.0]})
    assert rows(summary, panel=["a", "c"])["x"].tolist() == [1.0, 3.0]
    with pytest.raises(MissingRows, match="no finished runs for panel=d"):
        rows(summary, panel="d")
    with pytest.raises(MissingRows, match="fewer than 2 finished seeds"):
        rows(summary, min_seeds=2, panel=["a", "b"])
    with pytest.raises(MissingRows, match="no column 'game'"):
        rows(summary, game="pong")
    with pytest.raises(MissingRows, match="x is missing for 1 row"):
        column(summary, "x")


def test_a_verdict_outside_the_three_is_refused_and_the_table_keeps_the_numbers():
    with pytest.raises(ValueError, match="not one of"):
        ClaimResult("c", "maybe")
    out = table([ClaimResult("c", HOLDS, {"slope": -0.98765, "n": 3})])
    assert out.to_dict("records") == [
        {"claim": "c", "verdict": HOLDS, "reason": "", "numbers": "slope=-0.9877; n=3"}
    ]


def test_a_sweep_without_a_summary_cannot_tell_any_claim(tmp_path):
    results = evaluate("fig3", tmp_path)
    assert [r.verdict for r in results] == [CANNOT_TELL, CANNOT_TELL]
    assert pd.read_csv(tmp_path / "claims.csv")["reason"].tolist() == ["no fig3_summary.csv"] * 2


def test_evaluate_writes_the_verdicts_of_the_summary(tmp_path):
    pd.DataFrame(
        {
            "panel": ["lhs", "rhs"],
            "seeds": [1, 1],
            "grokked_seeds": [1, 1],
            "final_test_acc_mean": [0.99, 0.98],
        }
    ).to_csv(tmp_path / "fig3_summary.csv", index=False)
    assert [r.verdict for r in evaluate("fig3", tmp_path)] == [HOLDS, FAILS]


def test_every_experiment_declares_its_own_claims_each_with_a_check():
    texts = [claim.text for claims in registry().values() for claim in claims]
    assert len(set(texts)) == len(texts)  # no declaration copied into another experiment
    for name, claims in registry().items():
        assert claims, name
        assert all(callable(claim.check) for claim in claims), name


def test_every_experiment_declares_its_paper_claim():
    from grokrewarm.compose import CONF_DIR

    experiments = {path.stem for path in (CONF_DIR / "experiment").glob("*.yaml")}
    assert len(experiments) > 30
    assert sorted(experiments - set(registry())) == []


def test_an_experiment_declared_in_two_paper_modules_is_refused(monkeypatch):
    from grokrewarm.claims.experiments import lyle

    monkeypatch.setitem(lyle.CLAIMS, "kumar_fig2", {"copied": lambda summary: None})
    with pytest.raises(ValueError, match=r"\['kumar_fig2'\] declared twice"):
        registry()
