"""Evaluate a trained Atari agent: ``python -m grokrewarm.domains.atari.final_evaluation RUN_DIR``.

The Atari-100k protocol's evaluation (Dopamine's ``atari_100k`` runner, as in Kaiser et al. 2020
and Agarwal et al. 2021): the final network plays ``episodes`` whole games, epsilon-greedy at
``epsilon`` = 0.001 with noisy nets at their mean weights, under the training protocol of the run
(no sticky actions, up to 30 no-ops, 108k-frame cap; a lost life does not end the game). Each of
``episodes`` environments plays exactly one game, so short games are not over-counted. The
returns go to ``<run_dir>/eval.json`` with their mean and human-normalized mean, each game's length
in frames and whether it was cut at the frame cap (a 0 that ran to the cap is an agent that
stalled, not one that died).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np
import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf

from grokrewarm.domains.atari.env import AtariEnvs
from grokrewarm.domains.atari.learner import q_values, resolve_device
from grokrewarm.domains.atari.scores import human_normalized, random_human_scores

log = logging.getLogger(__name__)
PROGRESS_EVERY = 1000  # agent steps (of every environment at once) between progress lines

EVAL_SEED_OFFSET = 10_000  # evaluation games differ from the training games of the same seed


@torch.no_grad()
def evaluate_run(run_dir: str | Path, episodes: int = 100, epsilon: float = 0.001) -> dict:
    """Play ``episodes`` games with the run's final network; write and return ``eval.json``."""
    run_dir = Path(run_dir)
    cfg = OmegaConf.load(run_dir / "config.yaml")
    checkpoint = run_dir / "checkpoints" / "last.ckpt"
    if not checkpoint.is_file():
        raise FileNotFoundError(f"{run_dir} has no checkpoint to evaluate ({checkpoint})")
    env_cfg = {k: v for k, v in cfg.env.items() if k != "game_lists"}
    env_cfg.update(num_envs=episodes, terminal_on_life_loss=False)
    envs = AtariEnvs(**env_cfg, seed=cfg.seed + EVAL_SEED_OFFSET)
    device = resolve_device(cfg.agent.device)  # where the run trained: the GPU when it had one
    network = instantiate(cfg.agent.network, num_actions=envs.num_actions).to(device)
    state = torch.load(checkpoint, map_location=device, weights_only=True)
    network.load_state_dict(state["online"])
    network.eval()  # noisy layers act with their mean weights
    agent = cfg.agent
    atoms = agent.network.atoms
    support = torch.linspace(agent.v_min, agent.v_max, atoms, device=device) if atoms > 1 else None
    rng = np.random.default_rng(cfg.seed + EVAL_SEED_OFFSET)
    returns = np.full(episodes, np.nan)
    frames = np.zeros(episodes, dtype=np.int64)
    capped = np.zeros(episodes, dtype=bool)
    obs = envs.reset()
    steps = 0
    try:
        while np.isnan(returns).any():
            if steps % PROGRESS_EVERY == 0:  # a good agent's games run up to 27k agent steps
                log.info(
                    f"{cfg.env.game}: agent step {steps:,}, "
                    f"{episodes - int(np.isnan(returns).sum())}/{episodes} games over"
                )
            steps += 1
            obs_t = torch.from_numpy(obs).to(device)
            greedy = q_values(network, obs_t, support).argmax(dim=1).cpu().numpy()
            random_actions = rng.integers(0, envs.num_actions, size=episodes)
            actions = np.where(rng.random(episodes) < epsilon, random_actions, greedy)
            step = envs.step(actions)
            ended = np.flatnonzero(step.terminal | step.truncated)  # a game over (no life loss)
            for env, episode_return, episode_frames in zip(
                ended, step.episode_returns, step.episode_frames, strict=True
            ):
                if np.isnan(returns[env]):  # each environment's first game only
                    returns[env] = episode_return
                    frames[env], capped[env] = episode_frames, step.truncated[env]
            obs = step.obs
    finally:
        envs.close()
    result = {
        "game": cfg.env.game,
        "frames_trained": int(state["counters"]["frames"]),
        "episodes": episodes,
        "epsilon": epsilon,
        "returns": returns.tolist(),
        "mean_return": float(returns.mean()),
        "frames": frames.tolist(),
        "cut_at_frame_cap": capped.tolist(),
        "agent_steps": steps,
    }
    if cfg.env.game in random_human_scores():
        result["human_normalized"] = float(human_normalized(cfg.env.game, returns.mean()))
    (run_dir / "eval.json").write_text(json.dumps(result, indent=2))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grokrewarm.domains.atari.final_evaluation", description=__doc__
    )
    parser.add_argument("run_dirs", type=Path, nargs="+")
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--epsilon", type=float, default=0.001)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[%(asctime)s] %(message)s")
    for run_dir in args.run_dirs:
        result = evaluate_run(run_dir, args.episodes, args.epsilon)
        hns = result.get("human_normalized")
        print(
            f"{run_dir}: {result['game']} after {result['frames_trained']:,} frames: mean return "
            f"{result['mean_return']:.1f} over {args.episodes} games"
            + (f" (human-normalized {hns:.3f})" if hns is not None else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
