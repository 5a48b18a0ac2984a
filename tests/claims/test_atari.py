import pandas as pd

from grokrewarm.claims import CANNOT_TELL, FAILS, HOLDS, checks, judge, registry
from grokrewarm.claims.experiments.lyle import (
    HIGH_UTD_DQN,
    HIGH_UTD_RAINBOW,
    LOW_UTD_RAINBOW,
    STOPS,
    VARIANTS,
)

PUBLISHED = {"road_runner": (9600.0, 11211.4), "krull": (2851.5, 4402.1), "boxing": (0.2, 9.0)}


def summary(dqn, rainbow):
    """dqn / rainbow: {game: final evaluation mean or None (not evaluated)}."""
    return pd.DataFrame(
        [
            {
                "game": game,
                "variant": variant,
                "eval_return": score or float("nan"),
                "eval_games": 0 if score is None else 100,
                "DER": PUBLISHED[game][0],
                "DrQ(eps)": PUBLISHED[game][1],
            }
            for variant, scores in (("dqn", dqn), ("rainbow", rainbow))
            for game, score in scores.items()
        ]
    )


def verdicts(table):
    return [judge(c, table).verdict for c in checks("atari100k")]


def test_holds_at_the_published_floor_and_fails_below_it_on_one_game():
    dqn = {"road_runner": 10898.0, "krull": 2900.0, "boxing": 0.2}
    rainbow = {"road_runner": 9000.0, "krull": 3000.0, "boxing": 5.0}
    assert verdicts(summary(dqn, rainbow)) == [HOLDS, FAILS]
    result = judge(checks("atari100k")[1], summary(dqn, rainbow))
    assert result.numbers["games_at_or_above_published"] == 2
    assert result.numbers["road_runner_floor"] == 9600.0


def test_cannot_tell_with_fewer_than_three_evaluated_games():
    dqn = {"road_runner": 10898.0, "krull": None, "boxing": None}
    assert verdicts(summary(dqn, {})) == [CANNOT_TELL, CANNOT_TELL]


# --- Lyle et al. 2025 Atari figures: summaries in analysis.atari.summarize_atari's layout ---------

LOW, DQN, RAINBOW = LOW_UTD_RAINBOW, HIGH_UTD_DQN, HIGH_UTD_RAINBOW
GAMES = ["breakout", "pong", "seaquest", "krull"]


def lyle_summary(group, finals, iqms=None, runs=3):
    """finals: {variant: [final return per game of GAMES (None: no game ended)]}; iqms:
    {variant: (iqm, low, high)} for the ALL rows (the human-normalized score is the return)."""
    rows = [
        {
            "group": group,
            "variant": variant,
            "game": game,
            "runs": runs,
            "final_return": float("nan") if final is None else final,
            "human_normalized": float("nan") if final is None else final,
        }
        for variant, by_game in finals.items()
        for game, final in zip(GAMES, by_game, strict=False)
    ]
    for variant, (point, low, high) in (iqms or {}).items():
        rows.append(
            {
                "group": group,
                "variant": variant,
                "game": "ALL",
                "runs": runs * len(finals[variant]),
                "iqm": point,
                "iqm_low": low,
                "iqm_high": high,
            }
        )
    return pd.DataFrame(rows)


# Fig. 6 LHS


def test_fig6_lhs_holds_when_cycling_wins_most_games_and_matches_a_single_cycle():
    finals = {
        "cyclic": [5.0, 5.0, 5.0, 1.0],
        "resets": [1.0, 1.0, 1.0, 2.0],
        "constant": [4.0, 4.0, 6.0, 0.0],
        "single_cycle": [5.0, 5.0, 5.0, 1.0],
    }
    iqms = {"cyclic": (0.50, 0.40, 0.60), "single_cycle": (0.58, 0.55, 0.65)}
    table = lyle_summary(LOW, finals, iqms)
    results = [judge(c, table) for c in checks("fig6")[:3]]
    assert [r.verdict for r in results] == [HOLDS, HOLDS, HOLDS]
    assert results[0].numbers == {"games": 4, "games_above_resets": 3, "needed": 3}
    assert results[1].numbers["games_above_constant"] == 3
    assert results[2].numbers["single_cycle_iqm_low"] == 0.55


def test_fig6_lhs_fails_on_half_the_games_or_separate_intervals():
    finals = {
        "cyclic": [5.0, 5.0, 1.0, 1.0],
        "resets": [1.0, 1.0, 1.0, 2.0],
        "constant": [6.0, 4.0, 6.0, 6.0],
        "single_cycle": [5.0, 5.0, 5.0, 1.0],
    }
    iqms = {"cyclic": (0.50, 0.40, 0.60), "single_cycle": (0.80, 0.61, 0.90)}
    table = lyle_summary(LOW, finals, iqms)
    results = [judge(c, table) for c in checks("fig6")[:3]]
    assert [r.verdict for r in results] == [FAILS, FAILS, FAILS]
    assert results[0].numbers["games_above_resets"] == 2  # half is not most
    assert results[1].numbers["games_above_constant"] == 1
    assert results[2].numbers["cyclic_iqm_high"] == 0.60


def test_fig6_lhs_cannot_tell_on_two_games_or_one_run_per_game():
    finals = {v: [5.0, 5.0, None, None] for v in ("cyclic", "resets", "constant", "single_cycle")}
    table = lyle_summary(LOW, finals)
    assert judge(checks("fig6")[0], table).verdict == CANNOT_TELL
    finals = {v: [1.0, 2.0, 3.0, 4.0] for v in ("cyclic", "single_cycle")}
    iqms = {"cyclic": (0.5, 0.5, 0.5), "single_cycle": (0.5, 0.5, 0.5)}
    result = judge(checks("fig6")[2], lyle_summary(LOW, finals, iqms, 1))
    assert result.verdict == CANNOT_TELL and "fewer than 2 runs" in result.reason


# Fig. 6 RHS


def test_fig6_rhs_holds_when_cycling_wins_several_games_and_loses_seaquest():
    finals = {
        "cyclic": [9.0, 9.0, 1.0, 5.0],
        "baseline": [2.0, 2.0, 8.0, 6.0],
        "low_lr": [1.0, 3.0, 2.0, 1.0],
    }
    table = lyle_summary(DQN, finals)
    several, unstable = (judge(c, table) for c in checks("fig6")[3:])
    assert (several.verdict, unstable.verdict) == (HOLDS, HOLDS)
    assert several.numbers == {"games": 4, "games_above_both": 2, "needed": 2}
    assert unstable.numbers["named_games"] == 2  # seaquest and krull
    assert unstable.numbers["seaquest_best_fixed"] == 8.0


def test_fig6_rhs_fails_when_cycling_wins_once_and_is_stable_on_the_named_games():
    finals = {
        "cyclic": [9.0, 1.0, 9.0, 9.0],
        "baseline": [2.0, 2.0, 9.5, 9.5],
        "low_lr": [1.0, 3.0, 2.0, 1.0],
    }
    table = lyle_summary(DQN, finals)
    several = judge(checks("fig6")[3], table)
    assert several.verdict == FAILS and several.numbers["games_above_both"] == 1
    finals["cyclic"][2:] = [10.0, 10.0]
    unstable = judge(checks("fig6")[4], lyle_summary(DQN, finals))
    assert unstable.verdict == FAILS
    assert unstable.numbers["named_games_below_best_fixed"] == 0


def test_fig6_rhs_cannot_tell_without_a_named_game():
    finals = {v: [9.0, 1.0, None, None] for v in ("cyclic", "baseline", "low_lr")}
    table = lyle_summary(DQN, finals)
    assert [judge(c, table).verdict for c in checks("fig6")[3:]] == [CANNOT_TELL] * 2


# Fig. 7


def fig7_summary(early, iqms=None, runs=3):
    others = {"constant": [2.0, 2.0, 2.0, 2.0], "cyclic": [3.0] * 4, "low_lr": [1.0] * 4}
    return pd.concat(
        [
            lyle_summary(group, {"early_stopped": early, **others}, iqms, runs)
            for group in (DQN, RAINBOW)
        ]
    )


SEPARATE = {
    "early_stopped": (0.9, 0.8, 1.0),
    "constant": (0.3, 0.2, 0.4),
    "cyclic": (0.5, 0.4, 0.6),
}


def test_fig7_holds_when_early_stopping_wins_everywhere_with_separate_intervals():
    table = fig7_summary([5.0, 5.0, 5.0, 5.0], SEPARATE)
    results = [judge(c, table) for c in checks("fig7")]
    assert [r.verdict for r in results] == [HOLDS] * 5
    assert results[0].numbers["games_above_cyclic"] == 4
    assert results[3].numbers["early_stopped_iqm_low"] == 0.8
    assert results[4].numbers["wins"] == 4 and results[4].numbers["dqn_krull_best_other"] == 3.0


def test_fig7_fails_when_early_stopping_loses_krull_and_half_the_games_with_overlap():
    iqms = SEPARATE | {"cyclic": (0.6, 0.5, 0.85)}
    table = fig7_summary([5.0, 5.0, 2.5, 2.5], iqms)
    results = [judge(c, table) for c in checks("fig7")]
    assert [r.verdict for r in results] == [FAILS] * 5
    assert results[1].numbers["games_above_cyclic"] == 2
    assert results[1].numbers["games_above_constant"] == 4
    assert results[2].numbers["cyclic_iqm_high"] == 0.85
    assert results[4].numbers["wins"] == 0


def test_fig7_cannot_tell_without_rainbow_krull_or_seeds():
    table = fig7_summary([5.0, 5.0, 5.0, None], SEPARATE, runs=1)
    verdicts = [judge(c, table).verdict for c in checks("fig7")]
    # three games still make a majority; one run per game makes no interval; krull is missing
    assert verdicts == [HOLDS, HOLDS, CANNOT_TELL, CANNOT_TELL, CANNOT_TELL]
    no_rainbow = fig7_summary([5.0] * 4, SEPARATE)
    no_rainbow = no_rainbow[no_rainbow["group"] == DQN]
    result = judge(checks("fig7")[1], no_rainbow)
    assert result.verdict == CANNOT_TELL


# Fig. 10


def fig10_summary(stops, iqms=None, runs=3):
    finals = {"constant": [1.0, 1.0, 1.0, 1.0]} | dict(zip(STOPS, stops, strict=True))
    return lyle_summary(DQN, finals, iqms, runs)


def test_fig10_holds_when_every_stop_wins_and_longer_is_better_but_not_everywhere():
    stops = ([2.0, 2.0, 3.0, 0.5], [2.5, 2.5, 3.0, 0.5], [3.0, 3.0, 2.0, 0.5])
    ends = [(0.40, 0.3, 0.5), (0.42, 0.3, 0.5), (0.45, 0.3, 0.6)]
    iqms = dict(zip(STOPS, ends, strict=True))
    table = fig10_summary(stops, iqms)
    results = [judge(c, table) for c in checks("fig10")]
    assert [r.verdict for r in results] == [HOLDS] * 3
    assert results[0].numbers["games_stop_2_cycles_above_constant"] == 3
    assert results[1].numbers["stop_10_cycles_iqm"] == 0.45
    assert results[2].numbers["games_shorter_cycling_above_10"] == 1  # seaquest


def test_fig10_fails_when_a_stop_loses_shorter_is_better_and_ten_cycles_wins_every_game():
    stops = ([2.0, 0.5, 0.5, 0.5], [2.5, 2.5, 3.0, 0.5], [3.0, 3.0, 3.0, 0.6])
    ends = [(0.50, 0.3, 0.6), (0.42, 0.3, 0.5), (0.45, 0.3, 0.6)]
    iqms = dict(zip(STOPS, ends, strict=True))
    table = fig10_summary(stops, iqms)
    results = [judge(c, table) for c in checks("fig10")]
    assert [r.verdict for r in results] == [FAILS] * 3
    assert results[0].numbers["games_stop_2_cycles_above_constant"] == 1
    assert results[1].numbers["stop_2_cycles_iqm"] == 0.50
    assert results[2].numbers["games_shorter_cycling_above_10"] == 0


def test_fig10_cannot_tell_on_two_games_or_aggregates_over_different_games():
    stops = ([2.0, 2.0, None, None],) * 3
    table = fig10_summary(stops)
    assert [judge(c, table).verdict for c in checks("fig10")] == [CANNOT_TELL] * 3
    stops = ([2.0, 2.0, 2.0, None], [2.0] * 4, [3.0] * 4)
    iqms = dict.fromkeys(STOPS, (0.4, 0.3, 0.5))
    result = judge(checks("fig10")[1], fig10_summary(stops, iqms))
    assert result.verdict == CANNOT_TELL and "different games" in result.reason


# Fig. 11


def fig11_summary(iqms, runs=3):
    return lyle_summary(LOW, dict.fromkeys(iqms, [1.0, 2.0, 3.0, 4.0]), iqms, runs)


FIG11_HOLDS = {
    "constant": (0.50, 0.45, 0.55),
    "cyclic": (0.55, 0.50, 0.60),
    "stop_1e-7": (0.52, 0.47, 0.58),
    "resets": (0.20, 0.15, 0.25),
    "resets_cyclic": (0.30, 0.25, 0.35),
}


def test_fig11_holds_as_the_caption_says():
    results = [judge(c, fig11_summary(FIG11_HOLDS)) for c in checks("fig11")]
    assert [r.verdict for r in results] == [HOLDS] * 3
    assert results[0].numbers["stop_1e-7_iqm"] == 0.52
    assert results[1].numbers["resets_cyclic_iqm"] == 0.30
    assert results[2].numbers["constant_iqm_low"] == 0.45


def test_fig11_fails_when_1e7_helps_and_cyclic_resets_do_not():
    iqms = FIG11_HOLDS | {"stop_1e-7": (0.70, 0.65, 0.75), "resets_cyclic": (0.18, 0.1, 0.46)}
    results = [judge(c, fig11_summary(iqms)) for c in checks("fig11")]
    assert [r.verdict for r in results] == [FAILS] * 3
    assert results[0].numbers["cyclic_iqm_high"] == 0.60
    assert results[1].numbers["resets_iqm"] == 0.20
    assert results[2].numbers["resets_cyclic_iqm_high"] == 0.46


def test_fig11_cannot_tell_with_one_run_per_game_or_without_a_variant():
    verdicts = [judge(c, fig11_summary(FIG11_HOLDS, runs=1)).verdict for c in checks("fig11")]
    assert verdicts == [CANNOT_TELL, HOLDS, CANNOT_TELL]
    table = fig11_summary(FIG11_HOLDS)
    table = table[table["variant"] != "resets"]
    assert judge(checks("fig11")[1], table).verdict == CANNOT_TELL


# Fig. 12


def test_fig12_holds_when_the_best_schedule_depends_on_the_game():
    finals = {
        "constant": [3.0, 1.0, 1.0, 1.0],
        "resets": [1.0, 1.0, 1.0, 2.0],
        "cyclic": [2.0, 4.0, 4.0, 1.0],
        "single_cycle": [2.0, 4.0, 1.0, 1.0],
    }
    heterogeneous, beats = (judge(c, lyle_summary(LOW, finals)) for c in checks("fig12"))
    assert (heterogeneous.verdict, beats.verdict) == (HOLDS, HOLDS)
    assert heterogeneous.numbers["games_cyclic_best"] == 2
    assert heterogeneous.numbers["games_single_cycle_best"] == 1  # a tie on pong
    assert beats.numbers["games_above_resets"] == 3


def test_fig12_fails_when_one_schedule_is_best_everywhere():
    finals = {
        "constant": [3.0, 1.0, 1.0, 1.0],
        "resets": [4.0, 4.0, 4.0, 4.0],
        "cyclic": [2.0, 4.0, 1.0, 1.0],
        "single_cycle": [2.0, 3.0, 1.0, 1.0],
    }
    heterogeneous, beats = (judge(c, lyle_summary(LOW, finals)) for c in checks("fig12"))
    assert (heterogeneous.verdict, beats.verdict) == (FAILS, FAILS)
    assert heterogeneous.numbers["games_resets_best"] == 4
    assert beats.numbers["games_above_resets"] == 0


def test_fig12_cannot_tell_on_two_games():
    finals = dict.fromkeys(VARIANTS, [1.0, 2.0, None, None])
    table = lyle_summary(LOW, finals)
    assert [judge(c, table).verdict for c in checks("fig12")] == [CANNOT_TELL] * 2


def test_every_lyle_atari_figure_has_checks_and_the_groups_match_the_renderer():
    from omegaconf import OmegaConf

    from grokrewarm.analysis.atari import group_of
    from grokrewarm.analysis.runs import Run

    assert {"fig6", "fig7", "fig10", "fig11", "fig12"} <= set(registry())

    def group(agent, replay_ratio, projection):
        config = OmegaConf.create(
            {"agent": {"name": agent, "replay_ratio": replay_ratio}, "projection": projection}
        )
        return group_of(Run(path=None, config=config, metrics=pd.DataFrame()))

    nap = {"_target_": "grokrewarm.method.projection.NormProjection"}
    assert group("rainbow", 0.25, nap) == LOW
    assert group("dqn", 1.0, {}) == DQN
    assert group("rainbow", 1.0, {}) == RAINBOW


def test_fig11_checks_read_the_renderers_summary(tmp_path, monkeypatch):
    """Checks on a summary written by analysis.atari.summarize_atari (its columns and ALL rows)."""
    from omegaconf import OmegaConf

    from grokrewarm.analysis import atari as analysis
    from grokrewarm.analysis.runs import Run
    from grokrewarm.domains.atari.scores import random_human_scores

    monkeypatch.setattr(analysis, "BOOTSTRAP_REPS", 200)
    levels = {
        "constant": 1.0,
        "cyclic": 1.1,
        "stop_1e-7": 1.05,
        "resets": 0.2,
        "resets_cyclic": 0.4,
    }
    runs = []
    for variant, level in levels.items():
        for game in ("boxing", "breakout", "pong"):
            random, human = random_human_scores()[game]
            for seed, offset in ((0, -0.02), (1, 0.02)):
                config = OmegaConf.create(
                    {
                        "panel": variant,
                        "seed": seed,
                        "agent": {"name": "rainbow", "replay_ratio": 0.25},
                        "projection": {"_target_": "grokrewarm.method.projection.NormProjection"},
                        "env": {"game": game},
                    }
                )
                final = random + (level + offset) * (human - random)
                metrics = pd.DataFrame(
                    {"step": [100, 200, 300], "train/episode_return": [random, final, final]}
                )
                runs.append(Run(path=tmp_path, config=config, metrics=metrics))
    analysis.summarize_atari(runs, tmp_path / "fig11_summary.csv")
    table = pd.read_csv(tmp_path / "fig11_summary.csv")  # as the claims read it back
    results = [judge(c, table) for c in checks("fig11")]
    assert [r.verdict for r in results] == [HOLDS] * 3
    assert abs(results[1].numbers["resets_cyclic_iqm"] - 0.4) < 1e-6
