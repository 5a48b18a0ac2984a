"""Train one agent (DQN or Rainbow) on one Atari game: ``train(cfg, run_dir) -> EndRecord``.

The Hydra runner for the Atari experiments (``runner: grokrewarm.domains.atari.train.train``),
through the run-folder lifecycle that the supervised runner uses too (``grokrewarm.lifecycle``:
DONE, skip and resume, config and metadata, preemption, RNG, loggers, divergence). Plain PyTorch,
read top to bottom: ``AtariRun.fit`` is the whole loop.

Time is counted in frames (agent steps x frameskip 4) everywhere: the budget, the LR schedule's
``t`` (so a 4M-frame cycle period is written as 4_000_000), target syncs, resets, epsilon,
metric rows and checkpoints. The replay ratio is learner updates per agent step.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import torch
from hydra.utils import instantiate
from omegaconf import DictConfig

from grokrewarm.domains.atari.env import AtariEnvs
from grokrewarm.domains.atari.final_evaluation import evaluate_run
from grokrewarm.domains.atari.learner import c51_loss, dqn_loss, q_values, resolve_device
from grokrewarm.domains.atari.networks import ProjectedWeights, reset_layers
from grokrewarm.domains.atari.replay import FrameReplay
from grokrewarm.domains.atari.scores import human_normalized, random_human_scores
from grokrewarm.lifecycle import (
    EndRecord,
    NonFiniteGuard,
    PreemptionSignal,
    RunFolder,
    Runner,
    build_loggers,
    restore_rng,
    rng_state,
    run_job,
)
from grokrewarm.lifecycle.checkpoints import (
    CheckpointFiles,
    CheckpointWriteError,
    choose_resume,
    torch_writer,
    write_atomic,
)

log = logging.getLogger(__name__)

# The RL loop reads its agent and environment groups, the optimizer (factory, weight decay), the
# projection (none or NaP), the re-warm controller (schedule and trigger, in frames), loggers and
# budget; every other option must stay neutral (grokrewarm.lifecycle.groups refuses it).
ATARI = Runner(name="atari (DQN/Rainbow)", unit="frame", consumes=frozenset({"agent", "env"}))
RUNNER = ATARI  # what grokrewarm.lifecycle.job.RefuseBadConfig checks a config against
REPLAY = "replay-{frames}.npz"  # the replay saved with the checkpoint at that frame
LEGACY_REPLAY = "replay.npz"  # before checkpoints named their replay


def train(cfg: DictConfig, run_dir: str | Path) -> EndRecord:
    """Train (or resume, or skip if it ended) the run in ``run_dir``; return how it ended."""
    if cfg.projection.get("scope", "per_tensor") != "per_tensor":
        raise ValueError(
            f"the {ATARI.name} runner projects each weight matrix to its own initial norm "
            "(projection=nap) or not at all (projection=none); a global-norm projection "
            "(projection=sphere) is not implemented for the Atari networks"
        )

    def fit(folder: RunFolder) -> tuple[int, dict[str, float]]:
        run = AtariRun(cfg, folder)
        try:
            frames, metrics = run.fit()
        finally:
            run.close()
        episodes = cfg.budget.atari.eval_episodes
        if episodes and frames >= cfg.budget.atari.frames:  # the benchmark's final evaluation
            result = evaluate_run(folder.path, episodes, cfg.budget.atari.eval_epsilon)
            metrics["eval/mean_return"] = result["mean_return"]
            if "human_normalized" in result:
                metrics["eval/human_normalized"] = result["human_normalized"]
            log.info(
                f"evaluation: mean return {result['mean_return']:.1f} over {episodes} games "
                f"at epsilon {cfg.budget.atari.eval_epsilon} ({folder.path / 'eval.json'})"
            )
        return frames, metrics

    return run_job(cfg, run_dir, ATARI, cfg.budget.atari.frames, fit)


class AtariRun:
    """Everything one run owns: environments, networks, optimizer, LR controller, projection,
    replay, counters, loggers; ``fit`` runs the loop until the frame budget."""

    def __init__(self, cfg: DictConfig, folder: RunFolder) -> None:
        self.cfg, self.folder, self.agent, self.budget = cfg, folder, cfg.agent, cfg.budget.atari
        self.device = resolve_device(self.agent.device)
        random.seed(cfg.seed)
        torch.manual_seed(cfg.seed)
        self.rng = np.random.default_rng(cfg.seed)
        env_cfg = {k: v for k, v in cfg.env.items() if k not in ("game_lists",)}
        self.envs = AtariEnvs(**env_cfg, seed=cfg.seed)
        self.frameskip = cfg.env.frameskip
        self.online = instantiate(self.agent.network, num_actions=self.envs.num_actions)
        self.online.to(self.device).train()  # train mode always: noisy nets act with noise
        self.target = copy.deepcopy(self.online).requires_grad_(False)
        self.optimizer = instantiate(cfg.optimizer.factory)(
            self.online.parameters(), weight_decay=cfg.optimizer.weight_decay
        )
        self.controller = instantiate(cfg.rewarm.controller)
        self.projection = (
            instantiate(cfg.projection)(ProjectedWeights(self.online.weight_matrices()))
            if cfg.projection.get("_target_")
            else None
        )
        atoms = self.agent.network.atoms
        self.support = (
            torch.linspace(self.agent.v_min, self.agent.v_max, atoms, device=self.device)
            if atoms > 1
            else None
        )
        self.replay = FrameReplay(
            capacity=self.budget.replay_capacity,
            num_envs=cfg.env.num_envs,
            n_step=self.agent.n_step,
            gamma=self.agent.gamma,
            alpha=self.agent.priority_alpha,
        )
        self.loggers = build_loggers(cfg)
        # counters (all checkpointed)
        self.frames = 0
        self.updates = 0
        self.updates_owed = 0.0  # fractional updates earned at the replay ratio
        self.resets = 0
        self.next_target_sync = self.agent.target_update_frames
        self.next_reset = self.agent.reset.period_frames or math.inf
        self.next_metrics = self.budget.metrics_every
        self.next_checkpoint = self.budget.checkpoint_every
        self._clear_window()
        self._clear_trigger_window()
        self._pending_priorities = None
        self.preemption = PreemptionSignal()
        self.nonfinite = NonFiniteGuard("train/loss", unit="frame")
        self.files = CheckpointFiles(folder.checkpoint_dir, unit="frame")
        self.replays: dict[str, str | None] = {"last": None, "previous": None}

    # -- acting -------------------------------------------------------------------------------

    def epsilon(self) -> float:
        """1 while the replay fills (uniform random warmup), then linear from ``start`` to
        ``end`` over ``decay_frames`` (Dopamine's linearly decaying epsilon)."""
        eps = self.agent.epsilon
        since = self.frames - self.budget.learning_starts
        if since < 0:
            return 1.0
        return eps.end + (eps.start - eps.end) * max(0.0, 1.0 - since / eps.decay_frames)

    def act(self, obs: np.ndarray) -> np.ndarray:
        epsilon = self.epsilon()
        random_actions = self.rng.integers(0, self.envs.num_actions, size=len(obs))
        if epsilon >= 1.0:
            return random_actions
        with torch.no_grad():
            obs_t = torch.from_numpy(obs).to(self.device, non_blocking=True)
            greedy = q_values(self.online, obs_t, self.support).argmax(dim=1).cpu().numpy()
        explore = self.rng.random(len(obs)) < epsilon
        return np.where(explore, random_actions, greedy)

    # -- learning -----------------------------------------------------------------------------

    def learning_ready(self) -> bool:
        """Enough frames seen, and the replay holds the warmup's worth of rows (after a resume
        without a saved replay, it fills again first)."""
        rows = self.replay.written * self.cfg.env.num_envs * self.frameskip
        return self.frames >= self.budget.learning_starts and rows >= self.budget.learning_starts

    def learn(self) -> None:
        """One update: sample, hand the previous batch's priorities to the tree (the only host
        sync, overlapped with this batch's sampling), step Adam at the scheduled LR, project."""
        beta0 = self.agent.priority_beta
        beta = beta0 + (1.0 - beta0) * min(1.0, self.frames / self.budget.frames)
        batch = self.replay.sample(self.agent.batch_size, self.rng, beta)
        if self._pending_priorities is not None:
            indices, priorities = self._pending_priorities
            self.replay.update_priorities(indices, priorities.cpu().numpy())
        indices = batch.pop("indices")
        batch = {
            k: torch.from_numpy(v).to(self.device, non_blocking=True) for k, v in batch.items()
        }
        precision = self.agent.precision
        if self.support is None:
            loss, priorities = dqn_loss(
                self.online, self.target, batch, self.agent.double_q, precision
            )
        else:
            loss, priorities = c51_loss(self.online, self.target, batch, self.support, precision)
        loss = (batch["weights"] * loss).mean()
        self.controller.apply(self.optimizer, self.frames)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.updates += 1
        if self.projection is not None:
            self.projection.maybe_project(self.updates)
        if self.agent.priority_alpha > 0:
            self._pending_priorities = (indices, priorities)
        loss = loss.detach()
        self.nonfinite.observe(loss, self.frames)
        self.nonfinite.maybe_check(self.updates)
        self.window_loss += loss
        self.window_updates += 1
        if self.controller.needs_loss:
            self._observe_loss(loss)

    def _observe_loss(self, loss: torch.Tensor) -> None:
        """CUSUM re-warming: the trigger sees the mean loss of each ``observe_every`` updates
        (one host sync per window, as on the supervised path), stamped with the frame count."""
        self.trigger_loss += loss
        self.trigger_updates += 1
        if self.trigger_updates == self.controller.observe_every:
            mean_loss = float(self.trigger_loss) / self.trigger_updates
            if not math.isfinite(mean_loss):
                self.nonfinite.check()  # raises, naming the first non-finite frame
            self.controller.observe(self.frames, mean_loss)
            self._clear_trigger_window()

    def _clear_trigger_window(self) -> None:
        self.trigger_loss = torch.zeros((), device=self.device)
        self.trigger_updates = 0

    # -- the loop -----------------------------------------------------------------------------

    def fit(self) -> tuple[int, dict[str, float]]:
        resumed = self.load_checkpoint()
        self.preemption.install()
        obs = self.envs.reset()  # after a resume too: running games are not restored
        obs_is_first = np.ones(self.cfg.env.num_envs, dtype=bool)
        log.info(
            f"{'resuming at' if resumed else 'starting'} frame {self.frames:,} of "
            f"{self.budget.frames:,}: {self.agent.name} on {self.cfg.env.game}, "
            f"replay ratio {self.agent.replay_ratio}, device {self.device}"
        )
        self._window_start = time.perf_counter()
        while self.frames < self.budget.frames:
            actions = self.act(obs)
            step = self.envs.step(actions)
            self.replay.add(
                obs[:, -1], actions, step.reward, step.terminal, step.truncated,
                obs_is_first, step.acted,
            )  # fmt: skip
            obs, obs_is_first = step.obs, ~step.acted  # an auto-reset step returns a new game
            self.frames += int(step.acted.sum()) * self.frameskip
            self.window_returns += step.episode_returns
            if not self.controller.needs_loss:
                self.controller.observe(self.frames)  # a fixed plan of re-warms, in frames
            if self.learning_ready():
                self.updates_owed += self.agent.replay_ratio * int(step.acted.sum())
                while self.updates_owed >= 1.0:
                    self.learn()
                    self.updates_owed -= 1.0
            while self.frames >= self.next_target_sync:
                self.target.load_state_dict(self.online.state_dict())
                self.next_target_sync += self.agent.target_update_frames
            while self.frames >= self.next_reset:
                reset_layers(self.online, self.optimizer, self.agent.reset.layers)
                self.resets += 1
                self.next_reset += self.agent.reset.period_frames
            if self.frames >= self.next_metrics:
                self.log_metrics()
                self.next_metrics += self.budget.metrics_every
            if self.frames >= self.next_checkpoint:
                self.save_checkpoint()
                self.next_checkpoint += self.budget.checkpoint_every
            self.preemption.hand_on(self.save_checkpoint)
        self.nonfinite.check()
        self.save_checkpoint()
        return self.frames, {"updates": self.updates, "resets": self.resets}

    # -- metrics ------------------------------------------------------------------------------

    def _clear_window(self) -> None:
        self.window_returns: list[float] = []
        self.window_loss = torch.zeros((), device=self.device)
        self.window_updates = 0
        self._window_start = time.perf_counter()
        self._window_frames = getattr(self, "frames", 0)

    def log_metrics(self) -> None:
        """One metrics row (step = frames): the mean unclipped return of the games that ended
        since the last row, its human-normalized value, the mean loss, LR, epsilon, norms."""
        self.nonfinite.check()  # no metrics of NaN weights
        elapsed = time.perf_counter() - self._window_start
        lr = self.controller.lr(self.frames)  # the schedule at this frame (what updates use)
        returns = self.window_returns
        mean_return = float(np.mean(returns)) if returns else float("nan")
        with torch.no_grad():
            param_norm = torch.linalg.vector_norm(
                torch.stack([p.norm() for p in self.online.parameters()])
            )
        row = {
            "train/episode_return": mean_return,
            "train/episodes": len(returns),
            "updates": self.updates,
            "lr": lr,
            "epsilon": self.epsilon(),
            "resets": self.resets,
            "rewarms": len(self.controller.rewarm_steps),
            "fps": (self.frames - self._window_frames) / max(elapsed, 1e-9),
            "param_norm": float(param_norm),
        }
        if self.window_updates:
            row["train/loss"] = float(self.window_loss) / self.window_updates
        if self.cfg.env.game in random_human_scores() and returns:
            row["train/human_normalized"] = float(human_normalized(self.cfg.env.game, mean_return))
        for logger in self.loggers:
            logger.log_metrics(row, step=self.frames)
            logger.save()
        log.info(
            f"frame {self.frames:,}/{self.budget.frames:,} "
            f"({100 * self.frames / self.budget.frames:.0f}%) | return {mean_return:.1f} "
            f"({len(returns)} games) | loss {row.get('train/loss', float('nan')):.4g} | "
            f"lr {lr:.3g} | {row['fps']:.0f} frames/s"
        )
        self._clear_window()

    # -- checkpoints and preemption -----------------------------------------------------------
    # One checkpoint is two files, written as a unit: the replay, ``replay-<frames>.npz``, first,
    # then ``last.ckpt``, which names it (the old ``last.ckpt`` becomes ``previous.ckpt``, see
    # grokrewarm.lifecycle.checkpoints). A replay is removed only once no checkpoint names it, so
    # a kill anywhere leaves ``last.ckpt`` and ``previous.ckpt`` each with the replay it was
    # saved with. On resume a checkpoint whose replay does not load is set aside with it.

    @property
    def checkpoint_path(self) -> Path:
        return self.files.last

    def save_checkpoint(self) -> None:
        """Networks, optimizer, LR controller, projection targets, counters and RNG states;
        the replay memory too with ``agent.checkpoint_replay`` (7 GB per million frames
        stored: written uncompressed, beside the checkpoint). Writes are atomic."""
        self.files.directory.mkdir(parents=True, exist_ok=True)
        replay = REPLAY.format(frames=self.frames) if self.agent.checkpoint_replay else None
        if replay is not None:
            arrays = self.replay.state_dict()
            try:
                write_atomic(self.files.directory / replay, lambda f: np.savez(f, **arrays))
            except OSError as error:  # the same message as a failed checkpoint write
                raise CheckpointWriteError(self.files.write_failed(self.frames, error)) from error
        state = {
            "online": self.online.state_dict(),
            "target": self.target.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "controller": self.controller.state_dict(),
            "projection": self.projection.state_dict() if self.projection else None,
            "counters": {
                "frames": self.frames,
                "updates": self.updates,
                "updates_owed": self.updates_owed,
                "resets": self.resets,
                "next_target_sync": self.next_target_sync,
                "next_reset": self.next_reset,
                "next_metrics": self.next_metrics,
                "next_checkpoint": self.next_checkpoint,
            },
            "trigger_window": (self.trigger_loss, self.trigger_updates),
            "rng": {"actions": self.rng.bit_generator.state, "process": rng_state()},
            "replay_saved": replay is not None,
            "replay_file": replay,
        }
        try:
            rotated = self.files.save(torch_writer(state), self.frames)
        except BaseException:
            if replay is not None and replay not in self.replays.values():
                (self.files.directory / replay).unlink(missing_ok=True)  # no checkpoint names it
            raise
        if rotated:
            self.replays["previous"] = self.replays["last"]
        self.replays["last"] = replay
        self._remove_unnamed_replays()

    def _remove_unnamed_replays(self) -> None:
        named = {name for name in self.replays.values() if name}
        for path in self.files.directory.glob("replay*.npz"):
            if path.name not in named:
                path.unlink(missing_ok=True)

    @staticmethod
    def replay_of(state: dict) -> str | None:
        """The replay file a checkpoint was saved with (None: saved without one)."""
        if "replay_file" in state:
            return state["replay_file"]
        return LEGACY_REPLAY if state.get("replay_saved") else None

    def _load(self, path: Path) -> dict:
        """A checkpoint and its replay's arrays, ``weights_only``; raises if either is bad."""
        state = torch.load(path, map_location=self.device, weights_only=True)
        replay = self.replay_of(state)
        if replay is not None:
            with np.load(self.files.directory / replay) as arrays:
                state["replay_arrays"] = {k: arrays[k] for k in arrays.files}
        return state

    def _set_aside_replay(self, checkpoint: Path) -> None:
        """A bad checkpoint's replay goes aside with it (when the checkpoint names one)."""
        with contextlib.suppress(Exception):
            state = torch.load(checkpoint, map_location="cpu", weights_only=True)
            replay = self.files.directory / self.replay_of(state)
            if replay.is_file():
                os.replace(replay, replay.with_name(replay.name + ".corrupt"))

    def load_checkpoint(self) -> bool:
        """Resume from the newest checkpoint that loads with its replay (see
        grokrewarm.lifecycle.checkpoints.choose_resume); False when starting from scratch."""
        resume = choose_resume(
            self.files,
            self.cfg,
            load=self._load,
            progress_of=lambda state: state["counters"]["frames"],
            metrics=self.folder.metrics_path,
            set_aside=self._set_aside_replay,
        )
        self._remember_replays()
        if resume.path is None:
            return False
        state = resume.state
        self.online.load_state_dict(state["online"])
        self.target.load_state_dict(state["target"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.controller.load_state_dict(state["controller"])
        if self.projection is not None:
            self.projection.load_state_dict(state["projection"])
        for name, value in state["counters"].items():
            setattr(self, name, value)
        self.trigger_loss, self.trigger_updates = state["trigger_window"]
        self.rng.bit_generator.state = state["rng"]["actions"]
        restore_rng(state["rng"]["process"])
        if "replay_arrays" in state:
            self.replay.load_state_dict(state["replay_arrays"])
            self.replay.cut_episodes()
        self._clear_window()
        log.info(f"resumed from {resume.path} at frame {self.frames:,}")
        return True

    def _remember_replays(self) -> None:
        """Which replays the checkpoints on disk name, so a save removes only the others."""
        for key, path in (("last", self.files.last), ("previous", self.files.previous)):
            self.replays[key] = None
            with contextlib.suppress(Exception):  # absent, or unreadable: it names nothing
                state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
                self.replays[key] = self.replay_of(state)

    def close(self) -> None:
        self.preemption.restore()
        self.envs.close()
