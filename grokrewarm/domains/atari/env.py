"""ALE games through ale-py's vectorized C++ environment, under one evaluation protocol.

``AtariVectorEnv`` does the preprocessing in C++ threads (no-op starts, frameskip with max-pool
of the last two frames, 84x84 grayscale, a stack of 4 frames, zeros before the first frame of an
episode, the per-episode frame cap) and auto-resets an ended game on the *next* step, ignoring
that step's action. ``AtariEnvs`` adds what the learner needs on top: unclipped episode returns
for evaluation, clipped rewards for learning, a life lost as a learning terminal that does not
reset the game (Hessel et al. 2018), and which steps were auto-resets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Step:
    obs: np.ndarray  # (E, 4, 84, 84) uint8, the observation to act on next
    reward: np.ndarray  # (E,) float32, clipped for learning
    terminal: np.ndarray  # (E,) learning terminal: game over, or a life lost
    truncated: np.ndarray  # (E,) the episode hit the frame cap
    acted: np.ndarray  # (E,) False on an auto-reset step (the action was ignored)
    episode_returns: list[float]  # unclipped returns of the games that ended on this step
    episode_frames: list[int]  # their lengths in frames


class AtariEnvs:
    """``num_envs`` copies of ``game`` stepping in lockstep."""

    def __init__(
        self,
        game: str,
        num_envs: int = 1,
        seed: int = 0,
        frameskip: int = 4,
        repeat_action_probability: float = 0.0,
        noop_max: int = 30,
        max_episode_frames: int = 108_000,
        terminal_on_life_loss: bool = True,
        reward_clip: float | None = 1.0,
        full_action_space: bool = False,
        fire_reset: bool = True,
        num_threads: int = 0,
    ) -> None:
        from ale_py.vector_env import AtariVectorEnv

        self.game, self.num_envs, self.seed = game, num_envs, seed
        self.terminal_on_life_loss, self.reward_clip = terminal_on_life_loss, reward_clip
        self.env = AtariVectorEnv(
            game,
            num_envs,
            num_threads=num_threads,
            max_num_frames_per_episode=max_episode_frames,
            repeat_action_probability=repeat_action_probability,
            full_action_space=full_action_space,
            frameskip=frameskip,
            noop_max=noop_max,
            use_fire_reset=fire_reset,
            reward_clipping=False,  # we clip for learning and keep raw returns for evaluation
            episodic_life=False,  # a life lost ends learning's episode, not the game
        )
        self.num_actions = int(self.env.single_action_space.n)

    def reset(self) -> np.ndarray:
        obs, info = self.env.reset(seed=self.seed)
        self._lives = info["lives"].copy()
        self._returns = np.zeros(self.num_envs, dtype=np.float64)
        self._resetting = np.zeros(self.num_envs, dtype=bool)
        return obs

    def step(self, actions: np.ndarray) -> Step:
        acted = ~self._resetting
        obs, reward, game_over, truncated, info = self.env.step(actions)
        game_over, truncated = game_over & acted, truncated & acted & ~game_over
        life_lost = acted & (info["lives"] < self._lives)
        self._lives = info["lives"].copy()
        terminal = game_over | (life_lost if self.terminal_on_life_loss else False)
        self._returns += np.where(acted, reward, 0.0)
        ended = game_over | truncated
        returns = self._returns[ended].tolist()
        frames = info["episode_frame_number"][ended].tolist()
        self._returns[ended] = 0.0
        self._resetting = ended
        clipped = np.asarray(reward, dtype=np.float32)
        if self.reward_clip is not None:
            clipped = np.clip(clipped, -self.reward_clip, self.reward_clip)
        return Step(obs, clipped, terminal, truncated, acted, returns, frames)

    def close(self) -> None:
        self.env.close()
