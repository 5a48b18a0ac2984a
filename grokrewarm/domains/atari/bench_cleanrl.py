"""``python -m grokrewarm.domains.atari.bench_cleanrl --cleanrl DIR``: agent steps/s of the
project's DQN next to CleanRL's ``dqn_atari.py`` on the same game and settings, in one call.

For each train frequency F (default 4 and 1: one update per 4 agent steps, CleanRL's default,
and one per agent step) it trains the project's DQN in this process, then runs CleanRL's script
from the checkout ``DIR`` (``DIR/cleanrl/dqn_atari.py``, ``DIR/cleanrl_utils``) as a subprocess,
and prints agent steps/s for each and their ratio (project / CleanRL), plus where one of the
project's agent steps goes: environment, acting (epsilon-greedy with its forward pass), replay
write, replay sampling, learner update (host-to-device copy, loss, backward, Adam step), other.

Settings: the same agent steps, learning start, update frequency, batch, buffer (transitions),
target period, learning rate, discount and torch thread count; the project gets them as Hydra
overrides (``project_overrides``; it counts frames, 4 per agent step), CleanRL as its own flags
(``cleanrl_flags``). What still differs is printed (``DIFFERENCES``), e.g. CleanRL's MSE TD loss
against the project's Huber loss.

What is timed, on both sides the same window of agent steps, after learning has started and
excluding process start-up, imports, network and buffer creation and the warmup: CleanRL prints
``SPS: int(global_step / (time.time() - start_time))`` every 100 agent steps once learning has
started (at the steps ``cleanrl_sps_steps`` lists). The window runs from its first such line
(step ``a``) to its last (step ``b``). CleanRL's rate is ``(b - a)`` over the wall-clock time
between the arrivals of those two lines on its (unbuffered) stdout, stamped by this process; the
rate its own SPS values imply, ``(b - a) / (b / SPS_b - a / SPS_a)``, is reported beside it as a
check (it is coarser: each SPS is truncated to an integer). The project's rate is ``(b - a)``
over the wall-clock time from the start of its loop iteration that begins with ``a`` agent steps
done to the start of the one that begins with ``b`` done; its phase times are summed over the
same iterations. Both sides run one environment on the same device with the same
``torch.set_num_threads`` (and ``OMP_NUM_THREADS`` for the subprocess); nothing else is shared,
so the two runs compete for the machine only with whatever else it is running.

On CUDA, the phase timers do not synchronize the device: a kernel's time lands in the phase that
next waits for it (acting copies the greedy actions to the host each step).

CleanRL is run unmodified. Its script targets gymnasium 0.29; a small runner (``RUNNER``, given
to ``python -c``) registers the ALE environments (``gym.register_envs(ale_py)``), aliases the two
wrappers that gymnasium 1.x renamed (``GrayScaleObservation`` -> ``GrayscaleObservation``,
``FrameStack`` -> ``FrameStackObservation``), sets the torch thread count and runs the script with
``runpy``. CleanRL needs ``tyro`` and OpenCV (for gymnasium's ``ResizeObservation``): the
``bench`` extra, ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import ast
import json
import logging
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from unittest import mock

import numpy as np
import torch
from omegaconf import DictConfig

from grokrewarm.compose import compose_job
from grokrewarm.domains.atari import train as atari_train
from grokrewarm.domains.atari.train import AtariRun

FRAMESKIP = 4  # the project counts frames; CleanRL counts agent steps
SPS_EVERY = 100  # CleanRL prints SPS at agent steps that are multiples of 100
SPS_LINE = re.compile(r"^SPS:\s*(\d+)\s*$")
PHASES = (
    "environment",
    "acting",
    "replay_write",
    "replay_sampling",
    "learner_update",
    "other",
)

# Launched as ``python -c RUNNER THREADS CLEANRL_DIR SCRIPT FLAGS...``.
RUNNER = """\
import runpy, sys
import torch
threads, root, script = int(sys.argv[1]), sys.argv[2], sys.argv[3]
torch.set_num_threads(threads)
import ale_py
import gymnasium as gym
if hasattr(gym, "register_envs"):
    gym.register_envs(ale_py)  # gymnasium 1.x registers the ALE ids only on request
shimmed = []
for old, new in (
    ("GrayScaleObservation", "GrayscaleObservation"),
    ("FrameStack", "FrameStackObservation"),
):  # renamed in gymnasium 1.0
    if not hasattr(gym.wrappers, old) and hasattr(gym.wrappers, new):
        setattr(gym.wrappers, old, getattr(gym.wrappers, new))
        shimmed.append(old + "->" + new)
print(
    "cleanrl-runner: torch threads", torch.get_num_threads(), "| gymnasium", gym.__version__,
    "| shimmed", ", ".join(shimmed) or "nothing", flush=True,
)
sys.path.insert(0, root)
sys.argv = [script, *sys.argv[4:]]
runpy.run_path(script, run_name="__main__")
"""

# What still differs between the two agents once the settings are matched (printed, and in the
# JSON). The throughput-relevant ones first.
DIFFERENCES = (
    "environment: CleanRL steps one gymnasium ALE env through Python wrappers (no-op reset, "
    "max-and-skip 4, episodic life, FIRE reset, reward clip, cv2 resize of the RGB frame, then "
    "grayscale, frame stack); the project steps ale-py's C++ vector env (the same protocol, "
    "grayscale before the resize) in a worker thread",
    "replay: CleanRL's buffer (from SB3, optimize_memory_usage) stores each 4x84x84 stack and "
    "reads next stacks from the following slot; the project stores one 84x84 frame per step and "
    "rebuilds both stacks when it samples",
    "Adam: CleanRL torch.optim.Adam with torch's default implementation (per-tensor loop on CPU); "
    "the project AdamW with weight decay 0 (the same update) and fused={fused}",
    "TD loss: CleanRL MSE, the project Huber (smooth L1; it has no MSE option); same cost",
    "acting: CleanRL skips the forward pass on the steps it explores (epsilon 0.01 in the timed "
    "window, so ~1% of them); the project runs it on every step once epsilon < 1",
    "epsilon before learning starts (not timed): CleanRL decays linearly from 1 to 0.01 over the "
    "warmup (--exploration-fraction learning_starts/steps); the project acts uniformly at random "
    "and reaches 0.01 one step after learning starts (decay over 4 frames)",
    "learning start: CleanRL updates at the steps s > learning_starts with s % train_frequency "
    "== 0; the project accrues 1/train_frequency update per agent step from step "
    "learning_starts on (the update counts are printed)",
    "target network: CleanRL copies it at the steps s > learning_starts with s % period == 0; "
    "the project every period agent steps counted from step 0",
    "episode ends: a lost life ends CleanRL's episode (EpisodicLifeEnv), so its next agent step "
    "is gymnasium 1.x's autoreset (a no-op, then FIRE and action 2 in FIRE games; the agent's "
    "action ignored), counted as an agent step and stored as a transition; in the project a lost "
    "life is only a learning terminal, and a game over's auto-reset step is neither counted nor "
    "stored",
    "logging: CleanRL writes two TensorBoard scalars (one .item()) and the SPS line every 100 "
    "steps; the project writes one metrics row at the end",
    "seeds: CleanRL --seed {seed}, the project seed={seed}: the same value, different random "
    "streams (other games, other samples)",
)


@dataclass(frozen=True)
class Settings:
    """One comparison's settings, in agent steps (CleanRL's unit)."""

    game: str = "breakout"  # the project's ALE id; CleanRL's env id is derived (``env_id``)
    steps: int = 3000  # agent steps per run
    learning_starts: int = 1000  # agent steps of warmup before updates
    train_frequency: int = 4  # agent steps per update (replay ratio 1 / train_frequency)
    buffer_size: int = 10_000  # transitions (= agent steps) kept
    target_period: int = 1000  # agent steps between target-network copies
    batch_size: int = 32
    lr: float = 1e-4
    gamma: float = 0.99
    threads: int = 1  # torch intra-op threads, both sides
    seed: int = 1

    @property
    def env_id(self) -> str:
        return "".join(word.capitalize() for word in self.game.split("_")) + "NoFrameskip-v4"

    @property
    def replay_ratio(self) -> float:
        return 1.0 / self.train_frequency


def cleanrl_flags(s: Settings, cuda: bool) -> list[str]:
    """CleanRL's ``dqn_atari.py`` flags for ``s`` (fields of its ``Args`` dataclass, via tyro)."""
    return [
        f"--env-id={s.env_id}",
        f"--total-timesteps={s.steps}",
        f"--learning-starts={s.learning_starts}",
        f"--train-frequency={s.train_frequency}",
        f"--buffer-size={s.buffer_size}",
        f"--target-network-frequency={s.target_period}",
        "--tau=1.0",
        f"--batch-size={s.batch_size}",
        f"--learning-rate={s.lr}",
        f"--gamma={s.gamma}",
        "--start-e=1.0",
        "--end-e=0.01",
        f"--exploration-fraction={s.learning_starts / s.steps}",  # at 0.01 once learning starts
        "--num-envs=1",
        f"--seed={s.seed}",
        "--cuda" if cuda else "--no-cuda",
        "--no-track",
        "--no-capture-video",
        "--no-save-model",
    ]


def project_overrides(s: Settings) -> list[str]:
    """Hydra overrides that give the project's DQN the settings of ``s`` (frames = 4 steps)."""
    return [
        "+experiment=fig7",  # the Atari domain (runner, agent and env groups, Adam): one job
        "budget=smoke",
        "agent=dqn",  # Nature CNN, 1-step, no double Q, uniform replay, Huber loss
        f"agent.replay_ratio={s.replay_ratio}",
        f"agent.batch_size={s.batch_size}",
        f"agent.gamma={s.gamma}",
        "agent.epsilon.start=1.0",
        "agent.epsilon.end=0.01",
        "agent.checkpoint_replay=false",
        f"env.game={s.game}",
        "env.num_envs=1",
        "rewarm=constant",
        f"rewarm.lr={s.lr}",
        "optimizer.factory.eps=1e-8",  # torch's Adam default, which CleanRL uses
        "optimizer.weight_decay=0.0",
        f"budget.atari.frames={FRAMESKIP * s.steps}",
        f"budget.atari.learning_starts={FRAMESKIP * s.learning_starts}",
        f"budget.atari.replay_capacity={s.buffer_size}",
        f"agent.target_update_frames={FRAMESKIP * s.target_period}",
        f"agent.epsilon.decay_frames={FRAMESKIP}",  # 0.01 one agent step after learning starts
        f"budget.atari.metrics_every={FRAMESKIP * s.steps}",  # one metrics row, at the end
        f"budget.atari.checkpoint_every={10 * FRAMESKIP * s.steps}",  # only the final one
        f"budget.atari.torch_threads={s.threads}",
        "budget.atari.eval_episodes=0",
        f"seed={s.seed}",
    ]


def matched_settings(s: Settings, cfg: DictConfig) -> list[tuple[str, object, object]]:
    """``(setting, CleanRL's value, the project's value)`` for what the overrides match, read
    back from the composed config (in agent steps where the project counts frames)."""
    agent, budget = cfg.agent, cfg.budget.atari
    schedule = cfg.rewarm.controller.schedule._target_.rpartition(".")[2]
    network = cfg.agent.network
    nature = not (network.dueling or network.noisy) and network.atoms == 1
    return [
        ("game", s.game, cfg.env.game),
        ("agent steps", s.steps, budget.frames // FRAMESKIP),
        ("learning starts (agent steps)", s.learning_starts, budget.learning_starts / FRAMESKIP),
        ("updates per agent step", 1 / s.train_frequency, agent.replay_ratio),
        ("batch size", s.batch_size, agent.batch_size),
        ("replay buffer (transitions)", s.buffer_size, budget.replay_capacity),
        ("target period (agent steps)", s.target_period, agent.target_update_frames / FRAMESKIP),
        ("learning rate", s.lr, cfg.rewarm.lr if schedule == "ConstantSchedule" else schedule),
        ("Adam eps", 1e-8, cfg.optimizer.factory.eps),
        ("weight decay", 0.0, cfg.optimizer.weight_decay),
        ("gamma", s.gamma, agent.gamma),
        ("n-step", 1, agent.n_step),
        ("double Q", False, agent.double_q),
        ("prioritized replay alpha", 0.0, agent.priority_alpha),
        ("network", "nature_cnn", "nature_cnn" if nature and network.norm == "none" else network),
        ("epsilon once learning (timed window)", 0.01, agent.epsilon.end),
        ("torch threads", s.threads, budget.torch_threads),
        ("environments", 1, cfg.env.num_envs),
        ("frameskip", FRAMESKIP, cfg.env.frameskip),
        ("no-op starts (max)", 30, cfg.env.noop_max),
        ("sticky actions", 0.0, cfg.env.repeat_action_probability),
        ("life loss is a terminal", True, cfg.env.terminal_on_life_loss),
        ("FIRE on reset", True, cfg.env.fire_reset),
        ("reward clip", 1.0, cfg.env.reward_clip),
        ("minimal action set", True, not cfg.env.full_action_space),
    ]


def cleanrl_arg_names(script: Path) -> set[str]:
    """The field names of the ``Args`` dataclass in CleanRL's script (read, not imported)."""
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.ClassDef) and node.name == "Args":
            return {
                item.target.id
                for item in node.body
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
            }
    raise ValueError(f"{script}: no Args dataclass (not CleanRL's dqn_atari.py?)")


def unknown_flags(flags: list[str], names: set[str]) -> list[str]:
    """The flags that name no ``Args`` field (``--no-x`` negates the bool field ``x``)."""
    unknown = []
    for flag in flags:
        name = flag.removeprefix("--").partition("=")[0].replace("-", "_")
        if name not in names and name.removeprefix("no_") not in names:
            unknown.append(flag)
    return unknown


def cleanrl_sps_steps(s: Settings) -> list[int]:
    """The agent steps at which CleanRL prints an SPS line: those past ``learning_starts`` that
    are multiples of 100 and of the train frequency (it prints inside the update branch)."""
    return [
        step
        for step in range(s.learning_starts + 1, s.steps)
        if step % SPS_EVERY == 0 and step % s.train_frequency == 0
    ]


def cleanrl_updates(s: Settings, first: int = 0, stop: int | None = None) -> int:
    """CleanRL's updates at the agent steps in ``[first, stop)`` (all of them by default)."""
    stop = s.steps if stop is None else stop
    start = max(first, s.learning_starts + 1)
    return sum(1 for step in range(start, stop) if step % s.train_frequency == 0)


def parse_cleanrl_output(lines: list[tuple[float, str]], s: Settings) -> dict:
    """CleanRL's timed-window rate from its stdout, as ``(arrival time, line)`` pairs."""
    sps = [(t, int(m.group(1))) for t, line in lines if (m := SPS_LINE.match(line.strip()))]
    steps = cleanrl_sps_steps(s)
    if len(sps) != len(steps):
        raise RuntimeError(
            f"CleanRL printed {len(sps)} SPS lines where {len(steps)} were expected (at the agent "
            f"steps {steps[:3]}...): not the dqn_atari.py this benchmark reads"
        )
    if len(sps) < 2:
        raise RuntimeError("fewer than two SPS lines: nothing to time")
    (t_a, sps_a), (t_b, sps_b) = sps[0], sps[-1]
    a, b = steps[0], steps[-1]
    result = {
        "window": [a, b],
        "steps_per_s": (b - a) / (t_b - t_a),
        "sps_lines": [value for _, value in sps],
        "updates_in_window": cleanrl_updates(s, a, b),
        "updates": cleanrl_updates(s),
    }
    if sps_a > 0 and sps_b > 0:  # elapsed(step) = step / SPS, SPS truncated to an integer
        result["steps_per_s_from_sps"] = (b - a) / (b / sps_b - a / sps_a)
        slowest = (b - a) / (b / sps_b - a / (sps_a + 1))
        fastest = (b - a) / max(b / (sps_b + 1) - a / sps_a, 1e-9)
        result["steps_per_s_from_sps_range"] = [slowest, fastest]
    return result


def run_cleanrl(cleanrl: Path, s: Settings, cuda: bool, python: str = sys.executable) -> dict:
    """Run CleanRL's ``dqn_atari.py`` through ``RUNNER`` in a scratch folder (it writes
    ``runs/``), stamp each stdout line on arrival, and read the timed window off it."""
    script = cleanrl / "cleanrl" / "dqn_atari.py"
    flags = cleanrl_flags(s, cuda)
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "OMP_NUM_THREADS": str(s.threads),
        "MKL_NUM_THREADS": str(s.threads),
    }
    command = [python, "-c", RUNNER, str(s.threads), str(cleanrl), str(script), *flags]
    lines: list[tuple[float, str]] = []
    with tempfile.TemporaryDirectory() as scratch:
        stderr_path = Path(scratch) / "stderr.txt"
        with stderr_path.open("w") as stderr:
            proc = subprocess.Popen(
                command,
                cwd=scratch,
                env=env,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                bufsize=1,
            )
            try:
                assert proc.stdout is not None
                for line in proc.stdout:
                    lines.append((time.perf_counter(), line.rstrip("\n")))
                code = proc.wait()
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        if code != 0:
            tail = stderr_path.read_text()[-3000:]
            raise RuntimeError(f"CleanRL exited with {code}:\n{tail}")
    result = parse_cleanrl_output(lines, s)
    result["runner"] = next((line for _, line in lines if line.startswith("cleanrl-runner")), "")
    result["command"] = ["python", "-c", "RUNNER", *command[3:]]
    return result


class TimedAtariRun(AtariRun):
    """The project's run with timers: the start of each loop iteration, indexed by the agent
    steps done before it (one environment), and per iteration the time spent in each phase."""

    def __init__(self, cfg: DictConfig, folder) -> None:
        super().__init__(cfg, folder)
        if cfg.env.num_envs != 1:
            raise ValueError("the timed run indexes iterations by agent step: one environment")
        steps = cfg.budget.atari.frames // self.frameskip
        self.iteration_start = np.full(steps + 1, np.nan)  # [k]: first iteration with k done
        self.phase = {name: np.zeros(steps + 1) for name in PHASES}
        self.step_updates = np.zeros(steps + 1, dtype=np.int64)
        self._k = 0
        self.envs.step = self._timed(self.envs.step, "environment")
        self.replay.add = self._timed(self.replay.add, "replay_write")
        self.replay.sample = self._timed(self.replay.sample, "replay_sampling")

    def _timed(self, fn, name: str):
        sink = self.phase[name]

        def timed(*args, **kwargs):
            start = time.perf_counter()
            out = fn(*args, **kwargs)
            sink[self._k] += time.perf_counter() - start
            return out

        return timed

    def act(self, obs: np.ndarray) -> np.ndarray:  # the first call of each loop iteration
        start = time.perf_counter()
        self._k = self.frames // self.frameskip
        if math.isnan(self.iteration_start[self._k]):
            self.iteration_start[self._k] = start
        out = super().act(obs)
        self.phase["acting"][self._k] += time.perf_counter() - start
        return out

    def learn(self) -> None:  # includes replay sampling, separated in ``phases``
        start = time.perf_counter()
        super().learn()
        self.phase["learner_update"][self._k] += time.perf_counter() - start
        self.step_updates[self._k] += 1

    def save_checkpoint(self) -> None:  # checkpoint_every is past the budget: the final save
        if self.frames >= self.budget.frames and math.isnan(self.iteration_start[-1]):
            self.iteration_start[-1] = time.perf_counter()  # the loop has ended
        super().save_checkpoint()

    def window(self, a: int, b: int) -> dict:
        """Agent steps/s and ms per agent step of each phase over the iterations that start
        with ``a`` to ``b - 1`` agent steps done."""
        elapsed = self.iteration_start[b] - self.iteration_start[a]
        per_step = {name: float(self.phase[name][a:b].sum()) for name in PHASES}
        per_step["learner_update"] -= per_step["replay_sampling"]
        per_step["other"] = elapsed - sum(per_step.values())
        return {
            "window": [a, b],
            "steps_per_s": (b - a) / elapsed,
            "updates_in_window": int(self.step_updates[a:b].sum()),
            "updates": self.updates,
            "ms_per_step": {name: 1000 * value / (b - a) for name, value in per_step.items()},
            "ms_per_step_total": 1000 * elapsed / (b - a),
            "ms_per_update": {
                name: 1000 * per_step[name] / max(1, int(self.step_updates[a:b].sum()))
                for name in ("replay_sampling", "learner_update")
            },
        }


def train_timed(overrides: list[str]) -> tuple[TimedAtariRun, DictConfig]:
    """Train the run ``overrides`` compose through the real runner (``train``) in a temporary
    folder, timing its loop; return the finished run (its timers) and the composed config.
    The runner builds its ``AtariRun`` by name, so for this call that name is the timed run."""
    runs: list[TimedAtariRun] = []

    class RecordedRun(TimedAtariRun):
        def __init__(self, cfg: DictConfig, folder) -> None:
            super().__init__(cfg, folder)
            runs.append(self)

    with tempfile.TemporaryDirectory() as run_dir:
        cfg = compose_job(overrides, run_dir)
        with mock.patch.object(atari_train, "AtariRun", RecordedRun):
            atari_train.train(cfg, run_dir)
    return runs[-1], cfg


def run_project(s: Settings, window: tuple[int, int]) -> tuple[dict, DictConfig]:
    """Train the project's DQN with ``project_overrides(s)``, timing the loop; return the
    window's numbers and the composed config."""
    run, cfg = train_timed(project_overrides(s))
    result = run.window(*window)
    result["torch_threads"] = torch.get_num_threads()
    result["parameters"] = sum(p.numel() for p in run.online.parameters())
    result["num_actions"] = run.envs.num_actions
    result["device"] = str(run.device)
    return result, cfg


def nature_cnn_parameters(num_actions: int) -> int:
    """Parameters of CleanRL's ``QNetwork`` (the Nature CNN) for ``num_actions`` actions."""
    convs = [(4, 32, 8), (32, 64, 4), (64, 64, 3)]
    conv = sum(c_out * (c_in * k * k + 1) for c_in, c_out, k in convs)
    return conv + 512 * (3136 + 1) + num_actions * (512 + 1)


def compare(cleanrl: Path, s: Settings, python: str = sys.executable) -> dict:
    """One train frequency: the project's run, then CleanRL's, over the same window."""
    steps = cleanrl_sps_steps(s)
    window = (steps[0], steps[-1])
    project, cfg = run_project(s, window)
    cuda = project["device"].startswith("cuda")
    other = run_cleanrl(cleanrl, s, cuda, python)
    if other["window"] != project["window"]:
        raise RuntimeError(f"timed windows differ: {other['window']} vs {project['window']}")
    return {
        "train_frequency": s.train_frequency,
        "updates_per_step": s.replay_ratio,
        "project": project,
        "cleanrl": other,
        "project_over_cleanrl": project["steps_per_s"] / other["steps_per_s"],
        "matched": matched_settings(s, cfg),
        "fused_adam": bool(cfg.optimizer.factory.get("fused", False)),
    }


def check_cleanrl_dir(cleanrl: Path) -> Path:
    """``cleanrl`` resolved, or a ``ValueError`` that says what is missing."""
    script = cleanrl / "cleanrl" / "dqn_atari.py"
    if not script.is_file() or not (cleanrl / "cleanrl_utils").is_dir():
        raise ValueError(
            f"--cleanrl {cleanrl}: expected a CleanRL checkout (vwxyzjn/cleanrl) with "
            f"cleanrl/dqn_atari.py and cleanrl_utils/ in it; {script} "
            f"{'exists' if script.is_file() else 'does not exist'}"
        )
    return cleanrl.resolve()


def print_report(results: dict) -> None:
    s = results["settings"]
    rows = results["runs"]
    a, b = rows[0]["project"]["window"]
    print(
        f"{s['env_id']} ({s['game']}): {s['steps']} agent steps, learning from step "
        f"{s['learning_starts']}, timed over agent steps {a}-{b}; batch {s['batch_size']}, "
        f"buffer {s['buffer_size']}, target every {s['target_period']} steps, lr {s['lr']:g}, "
        f"{s['threads']} torch thread(s), device {results['device']}"
    )
    print(
        f"{'updates/step':>12} {'project steps/s':>15} {'CleanRL steps/s':>15} "
        f"{'project/CleanRL':>15} {'CleanRL (its SPS)':>17}  updates (project/CleanRL)"
    )
    for row in rows:
        project, other = row["project"], row["cleanrl"]
        from_sps = other.get("steps_per_s_from_sps", float("nan"))
        print(
            f"{'1/' + str(row['train_frequency']):>12} {project['steps_per_s']:>15.1f} "
            f"{other['steps_per_s']:>15.1f} {row['project_over_cleanrl']:>15.2f} "
            f"{from_sps:>17.1f}  {project['updates']}/{other['updates']}"
        )
    print("\nwhere one of the project's agent steps goes (ms per agent step, timed window):")
    print(f"{'updates/step':>12} " + " ".join(f"{name:>15}" for name in (*PHASES, "total")))
    for row in rows:
        ms = row["project"]["ms_per_step"]
        cells = [ms[name] for name in PHASES] + [row["project"]["ms_per_step_total"]]
        print(f"{'1/' + str(row['train_frequency']):>12} " + " ".join(f"{c:>15.2f}" for c in cells))
    mismatched = [m for m in rows[0]["matched"] if m[1] != m[2]]
    print(f"\nmatched settings ({len(rows[0]['matched'])}; CleanRL flag = project config):")
    print("  " + "; ".join(f"{name} {value}" for name, value, _ in rows[0]["matched"]))
    for name, theirs, ours in mismatched:
        print(f"  NOT MATCHED: {name}: CleanRL {theirs}, project {ours}")
    print("remaining differences:")
    for line in results["differences"]:
        print(f"  - {line}")
    print(f"CleanRL: {rows[0]['cleanrl']['runner']}")


def main(argv: list[str] | None = None) -> dict:
    defaults = Settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cleanrl", type=Path, required=True, help="a CleanRL checkout")
    parser.add_argument("--game", default=defaults.game, help="ALE id, e.g. breakout, pong")
    parser.add_argument("--steps", type=int, default=defaults.steps, help="agent steps per run")
    parser.add_argument("--learning-starts", type=int, default=defaults.learning_starts)
    parser.add_argument(
        "--train-frequency",
        type=int,
        nargs="+",
        default=[4, 1],
        help="agent steps per update, one comparison each (default: 4 1)",
    )
    parser.add_argument("--buffer-size", type=int, default=defaults.buffer_size)
    parser.add_argument("--target-period", type=int, default=defaults.target_period)
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--threads", type=int, default=defaults.threads, help="torch threads")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--python", default=sys.executable, help="interpreter for CleanRL")
    parser.add_argument("--out", type=Path, default=None, help="also write the numbers as JSON")
    args = parser.parse_args(argv)
    try:
        cleanrl = check_cleanrl_dir(args.cleanrl)
    except ValueError as error:
        parser.error(str(error))
    base = Settings(
        game=args.game,
        steps=args.steps,
        learning_starts=args.learning_starts,
        buffer_size=args.buffer_size,
        target_period=args.target_period,
        lr=args.lr,
        threads=args.threads,
        seed=args.seed,
    )
    settings = [replace(base, train_frequency=f) for f in args.train_frequency]
    for s in settings:
        if s.learning_starts < s.batch_size or len(cleanrl_sps_steps(s)) < 2:
            parser.error(
                f"--steps {s.steps} --learning-starts {s.learning_starts} (train frequency "
                f"{s.train_frequency}): need learning_starts >= {s.batch_size} and two of "
                f"CleanRL's SPS lines (every {SPS_EVERY} steps) after learning starts"
            )
    fields = cleanrl_arg_names(cleanrl / "cleanrl" / "dqn_atari.py")
    unknown = unknown_flags(cleanrl_flags(base, False), fields)
    if unknown:
        parser.error(f"CleanRL's dqn_atari.py in {cleanrl} has no Args field for {unknown}")
    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(args.threads)
    runs = [compare(cleanrl, s, args.python) for s in settings]
    device = runs[0]["project"]["device"]
    results = {
        "settings": {
            **asdict(base),
            "env_id": base.env_id,
            "train_frequency": args.train_frequency,
        },
        "device": device if device == "cpu" else torch.cuda.get_device_name(),
        "project_overrides": project_overrides(base),
        "cleanrl_flags": cleanrl_flags(base, device.startswith("cuda")),
        "runs": runs,
        "differences": [
            line.format(fused=runs[0]["fused_adam"], seed=base.seed) for line in DIFFERENCES
        ],
    }
    project = runs[0]["project"]
    if project["parameters"] != nature_cnn_parameters(project["num_actions"]):
        results["differences"].insert(
            0,
            f"network: the project's has {project['parameters']} parameters, CleanRL's Nature "
            f"CNN {nature_cnn_parameters(project['num_actions'])}",
        )
    print_report(results)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2, default=str))
    return results


if __name__ == "__main__":
    main()
