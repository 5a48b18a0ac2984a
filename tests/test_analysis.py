"""The analysis step marks each summary row with its unfinished jobs, at the summary's own grain,
so the claims reading that row cannot tell (for every kind of summary, not only per condition)."""

import pandas as pd
from omegaconf import OmegaConf

from grokrewarm import sweep_status
from grokrewarm.analysis import atari, warm_start
from grokrewarm.analysis.runs import mark_unfinished_runs
from grokrewarm.claims import CANNOT_TELL, HOLDS, checks, judge


def jobs(sweep_dir, monkeypatch, configs: dict, states: dict) -> None:
    """Job folders with their configs, and the states ``sweep_status`` reports for them."""
    for job, config in configs.items():
        (sweep_dir / job).mkdir(parents=True)
        OmegaConf.save(OmegaConf.create(config), sweep_dir / job / "config.yaml")
    reports = [sweep_status.JobReport(job, states[job], "detail") for job in configs]
    monkeypatch.setattr(sweep_status, "sweep_status", lambda *args, **kwargs: reports)


def test_a_diverged_warm_start_run_marks_its_method_and_fraction_only(tmp_path, monkeypatch):
    configs = {
        f"{i}_{method}_f{fraction}_s0": {
            "panel": "main",
            "condition": f"{method}_f{fraction}",
            "seed": 0,
            "task": {"initial_fraction": fraction},
        }
        for i, (method, fraction) in enumerate(
            [(m, f) for m in ("nap_fixed", "none_fixed") for f in (0.1, 1.0)]
        )
    }
    states = dict.fromkeys(configs, sweep_status.DONE) | {"3_none_fixed_f1.0_s0": "diverged"}
    jobs(tmp_path, monkeypatch, configs, states)
    pd.DataFrame(
        {
            "panel": "main",
            "method": ["nap_fixed", "nap_fixed", "none_fixed", "none_fixed"],
            "initial_fraction": [0.1, 1.0, 0.1, 1.0],
            "seeds": 1,
            "final_test_acc_mean": [0.8, 0.8, 0.5, 0.8],
            "gap_to_100pct": [0.0, 0.0, 0.3, 0.0],
        }
    ).to_csv(tmp_path / "fig4_summary.csv", index=False)
    summary = pd.read_csv(tmp_path / "fig4_summary.csv")
    assert [judge(c, summary).verdict for c in checks("fig4")] == [HOLDS, HOLDS]
    mark_unfinished_runs(tmp_path, "fig4", warm_start.summary_keys)
    summary = pd.read_csv(tmp_path / "fig4_summary.csv")
    assert summary["jobs_diverged"].tolist() == [0, 0, 0, 1]
    results = [judge(c, summary) for c in checks("fig4")]
    assert [r.verdict for r in results] == [HOLDS, CANNOT_TELL]
    assert results[1].reason == "diverged jobs in none_fixed"


def test_a_running_atari_job_marks_its_variant_and_game(tmp_path, monkeypatch):
    games = ("pong", "breakout", "seaquest")
    configs = {
        f"{i}_{variant}_{game}_s0": {
            "panel": f"lhs_{variant}",
            "condition": f"{variant}_{game}",
            "seed": 0,
            "agent": {"name": "rainbow", "replay_ratio": 0.25},
            "projection": {"_target_": "nap"},
            "env": {"game": game},
        }
        for i, (variant, game) in enumerate([(v, g) for v in ("cyclic", "resets") for g in games])
    }
    states = dict.fromkeys(configs, sweep_status.DONE) | {"5_resets_seaquest_s0": "failed"}
    jobs(tmp_path, monkeypatch, configs, states)
    group = "rainbow, NaP, replay ratio 0.25"  # as analysis.atari.group_of names it
    pd.DataFrame(
        {
            "group": group,
            "variant": ["cyclic"] * 3 + ["resets"] * 3,
            "game": list(games) * 2,
            "runs": 1,
            "final_return": [3.0, 3.0, 3.0, 1.0, 1.0, 5.0],
        }
    ).to_csv(tmp_path / "fig12_summary.csv", index=False)
    mark_unfinished_runs(tmp_path, "fig12", atari.summary_keys)
    summary = pd.read_csv(tmp_path / "fig12_summary.csv")
    assert summary["jobs_failed"].tolist() == [0, 0, 0, 0, 0, 1]
    beats_resets = checks("fig12")[1]
    assert judge(beats_resets, summary.drop(columns="jobs_failed")).verdict == HOLDS
    result = judge(beats_resets, summary)
    assert (result.verdict, result.reason) == (CANNOT_TELL, "failed jobs in resets")
