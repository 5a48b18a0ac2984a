"""The project-vs-CleanRL DQN benchmark's parts that run cheaply: reading CleanRL's SPS lines, the
Hydra overrides that give the project's DQN CleanRL's settings, CleanRL's flags against its Args
dataclass, the timed project run on real ALE, and the error for a missing checkout. The whole
benchmark against a real CleanRL checkout is a slow test."""

import os
import textwrap
from pathlib import Path

import pytest

from grokrewarm.domains.atari.bench_cleanrl import (
    PHASES,
    RUNNER,
    Settings,
    check_cleanrl_dir,
    cleanrl_arg_names,
    cleanrl_flags,
    cleanrl_sps_steps,
    cleanrl_updates,
    main,
    matched_settings,
    nature_cnn_parameters,
    parse_cleanrl_output,
    project_overrides,
    run_project,
    unknown_flags,
)

# a CleanRL checkout: $CLEANRL, else a sibling of the repository (where `make bench-cleanrl` looks)
CLEANRL = Path(os.environ.get("CLEANRL", Path(__file__).resolve().parents[3].parent / "cleanrl"))
HAS_CLEANRL = (CLEANRL / "cleanrl" / "dqn_atari.py").is_file()


def test_sps_lines_give_the_window_rate_from_arrival_times_and_from_the_values():
    s = Settings(steps=400, learning_starts=100, train_frequency=4)
    assert cleanrl_sps_steps(s) == [200, 300]
    # stdout as CleanRL prints it (stderr, with tyro's warnings, is not read), stamped on arrival
    lines = [
        (0.2, "cleanrl-runner: torch threads 1 | gymnasium 1.3.0 | shimmed ..."),
        (3.0, "SPS: 64"),
        (4.0, "global_step=251, episodic_return=[2.]"),
        (5.5, "SPS: 53"),
    ]
    out = parse_cleanrl_output(lines, s)
    assert out["window"] == [200, 300]
    assert out["steps_per_s"] == pytest.approx(100 / 2.5)
    assert out["sps_lines"] == [64, 53]
    assert out["steps_per_s_from_sps"] == pytest.approx(100 / (300 / 53 - 200 / 64))
    slowest, fastest = out["steps_per_s_from_sps_range"]
    assert slowest < out["steps_per_s_from_sps"] < fastest
    # updates at steps s > 100 with s % 4 == 0: 104 ... 396 in all, 200 ... 296 in the window
    assert (out["updates"], out["updates_in_window"]) == (74, 25)
    with pytest.raises(RuntimeError, match="1 SPS lines where 2 were expected"):
        parse_cleanrl_output(lines[:3], s)


def test_sps_steps_follow_cleanrls_print_condition():
    s = Settings(steps=3000, learning_starts=1000, train_frequency=4)
    assert cleanrl_sps_steps(s) == list(range(1100, 3000, 100))
    assert cleanrl_sps_steps(Settings(steps=3000, learning_starts=1000, train_frequency=3)) == [
        1200,
        1500,
        1800,
        2100,
        2400,
        2700,
    ]
    assert cleanrl_updates(s) == 499
    assert cleanrl_updates(Settings(steps=3000, learning_starts=1000, train_frequency=1)) == 1999


@pytest.mark.parametrize(
    "s",
    [
        Settings(),
        Settings(train_frequency=1),
        Settings(
            game="space_invaders",
            steps=30_000,
            learning_starts=5_000,
            train_frequency=1,
            buffer_size=50_000,
            target_period=2_000,
            lr=2.5e-4,
            threads=2,
            seed=3,
        ),
    ],
)
def test_overrides_give_the_project_dqn_cleanrls_settings(compose_run, tmp_path, s):
    cfg = compose_run(project_overrides(s), tmp_path)
    matched = matched_settings(s, cfg)
    assert [row for row in matched if row[1] != row[2]] == []
    budget = cfg.budget.atari
    assert cfg.runner == "grokrewarm.domains.atari.train.train"
    assert cfg.agent.replay_ratio == 1 / s.train_frequency
    assert budget.frames == 4 * s.steps
    assert budget.learning_starts == 4 * s.learning_starts
    assert cfg.agent.target_update_frames == 4 * s.target_period
    assert cfg.agent.epsilon.decay_frames == 4  # at 0.01 one agent step after learning starts
    assert budget.metrics_every == budget.frames  # one metrics row, at the end
    assert budget.checkpoint_every > budget.frames  # only the final checkpoint
    assert budget.eval_episodes == 0
    assert cfg.optimizer.factory._target_ == "torch.optim.AdamW"
    assert cfg.seed == s.seed
    flags = dict(f.removeprefix("--").split("=", 1) for f in cleanrl_flags(s, False) if "=" in f)
    assert flags["env-id"] == s.env_id
    assert int(flags["total-timesteps"]) == budget.frames // 4
    assert int(flags["learning-starts"]) == budget.learning_starts // 4
    assert 1 / int(flags["train-frequency"]) == cfg.agent.replay_ratio
    assert int(flags["buffer-size"]) == budget.replay_capacity
    assert int(flags["target-network-frequency"]) == cfg.agent.target_update_frames // 4
    assert int(flags["batch-size"]) == cfg.agent.batch_size == 32
    assert float(flags["learning-rate"]) == cfg.rewarm.lr
    assert float(flags["gamma"]) == cfg.agent.gamma
    assert float(flags["end-e"]) == cfg.agent.epsilon.end
    # CleanRL's epsilon reaches its end as learning starts (its warmup is not timed)
    assert float(flags["exploration-fraction"]) * s.steps == pytest.approx(s.learning_starts)


def test_env_ids():
    assert Settings(game="breakout").env_id == "BreakoutNoFrameskip-v4"
    assert Settings(game="space_invaders").env_id == "SpaceInvadersNoFrameskip-v4"


def test_flags_are_checked_against_cleanrls_args_dataclass(tmp_path):
    script = tmp_path / "dqn_atari.py"
    script.write_text(
        textwrap.dedent(
            """
            from dataclasses import dataclass

            @dataclass
            class Args:
                env_id: str = "BreakoutNoFrameskip-v4"
                track: bool = False
                total_timesteps: int = 10
            """
        )
    )
    names = cleanrl_arg_names(script)
    assert names == {"env_id", "track", "total_timesteps"}
    assert unknown_flags(["--env-id=X", "--no-track", "--total-timesteps=3"], names) == []
    assert unknown_flags(["--buffer-size=5", "--no-cuda"], names) == [
        "--buffer-size=5",
        "--no-cuda",
    ]
    script.write_text("x = 1\n")
    with pytest.raises(ValueError, match="no Args dataclass"):
        cleanrl_arg_names(script)


@pytest.mark.skipif(not HAS_CLEANRL, reason=f"no CleanRL checkout at {CLEANRL}")
def test_every_flag_is_a_field_of_the_real_cleanrl_script():
    names = cleanrl_arg_names(CLEANRL / "cleanrl" / "dqn_atari.py")
    assert unknown_flags(cleanrl_flags(Settings(), False), names) == []
    assert unknown_flags(cleanrl_flags(Settings(), True), names) == []


def test_runner_compiles_and_shims_the_two_gymnasium_renames():
    compile(RUNNER, "<runner>", "exec")
    assert '("GrayScaleObservation", "GrayscaleObservation")' in RUNNER
    assert '("FrameStack", "FrameStackObservation")' in RUNNER
    assert "runpy.run_path(script" in RUNNER


def test_a_missing_cleanrl_checkout_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(ValueError, match="cleanrl/dqn_atari.py and cleanrl_utils/"):
        check_cleanrl_dir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(["--cleanrl", str(tmp_path / "nowhere")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "expected a CleanRL checkout" in err
    assert "dqn_atari.py does not exist" in err


def test_the_timed_project_run_splits_its_agent_steps_into_phases():
    s = Settings(steps=150, learning_starts=50, train_frequency=1, buffer_size=1000)
    out, cfg = run_project(s, (60, 140))
    assert out["window"] == [60, 140]
    assert out["updates_in_window"] == 80  # one update per agent step
    assert out["updates"] >= 100
    ms = out["ms_per_step"]
    assert set(ms) == set(PHASES)
    assert all(ms[name] > 0 for name in PHASES if name != "other")
    assert ms["other"] > -0.05 * out["ms_per_step_total"]  # timer overhead at most
    assert sum(ms.values()) == pytest.approx(out["ms_per_step_total"])
    assert out["steps_per_s"] == pytest.approx(1000 / out["ms_per_step_total"])
    assert out["torch_threads"] == 1
    assert out["parameters"] == nature_cnn_parameters(out["num_actions"])
    assert nature_cnn_parameters(4) == 1_686_180  # CleanRL's QNetwork on Breakout


@pytest.mark.slow  # trains both agents twice: ~1-2 min on 2 busy cores
@pytest.mark.skipif(not HAS_CLEANRL, reason=f"no CleanRL checkout at {CLEANRL}")
def test_the_benchmark_runs_both_agents_end_to_end(tmp_path, capsys):
    out = tmp_path / "cleanrl.json"
    results = main(
        ["--cleanrl", str(CLEANRL), "--steps", "400", "--learning-starts", "100", "--out", str(out)]
    )
    assert out.is_file()
    assert [run["train_frequency"] for run in results["runs"]] == [4, 1]
    for run in results["runs"]:
        assert run["project"]["steps_per_s"] > 0 and run["cleanrl"]["steps_per_s"] > 0
        assert "shimmed GrayScaleObservation->GrayscaleObservation" in run["cleanrl"]["runner"]
        assert run["cleanrl"]["updates"] == cleanrl_updates(
            Settings(steps=400, learning_starts=100, train_frequency=run["train_frequency"])
        )
    printed = capsys.readouterr().out
    assert "project/CleanRL" in printed and "remaining differences" in printed
