"""``python -m grokrewarm.domains.atari.bench``: environment steps/s and learner updates/s of
the Atari runner for DQN and Rainbow at both replay ratios on this machine's device, next to a
bare PyTorch DQN update loop (same network, batch size and optimizer) timed in the same process.

Each runner measurement trains for ``2 W`` frames with learning starting at ``W``; the second half
is the steady state with learning (acting, environment, replay writes, sampling, updates,
projection; checkpoints off), timed per phase by the CleanRL benchmark's ``TimedAtariRun``. The
learner update's ms (sampling excluded) of Rainbow over DQN's is the cost ratio printed last,
beside the ratio of their FLOPs (the floor of that cost when the matmuls dominate).

``--precision bf16`` runs it all with the learner under bf16 autocast (``agent.precision``);
``--precision paired`` times only the learner updates of DQN and Rainbow at fp32 and at bf16,
interleaved, and prints fp32 / bf16 (above 1: bf16 is faster).
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import math
import tempfile
import time
from pathlib import Path

import torch
from hydra.utils import instantiate
from torch.nn import functional as F
from torch.utils.flop_counter import FlopCounterMode

from grokrewarm.compose import compose_job
from grokrewarm.domains.atari.bench_cleanrl import train_timed
from grokrewarm.domains.atari.env import AtariEnvs
from grokrewarm.domains.atari.learner import PRECISIONS, c51_loss, dqn_loss, resolve_device
from grokrewarm.domains.atari.networks import AtariNetwork


def env_steps_per_second(game: str, num_envs: int, steps: int) -> float:
    envs = AtariEnvs(game, num_envs=num_envs, seed=0)
    envs.reset()
    actions = torch.randint(0, envs.num_actions, (steps, num_envs)).numpy()
    start = time.perf_counter()
    for a in actions:
        envs.step(a)
    elapsed = time.perf_counter() - start
    envs.close()
    return steps * num_envs / elapsed


def bare_dqn_updates_per_second(device: torch.device, updates: int, batch_size: int = 32) -> float:
    """Nature-CNN DQN updates in a plain loop: Huber TD loss against a target network, fused
    Adam (lr 6.25e-5, eps 1.5e-4), uint8 batches already on the device."""
    online = AtariNetwork(4).to(device)
    target = AtariNetwork(4).to(device).requires_grad_(False)
    optimizer = torch.optim.Adam(online.parameters(), lr=6.25e-5, eps=1.5e-4, fused=True)
    obs = torch.randint(0, 256, (batch_size, 4, 84, 84), dtype=torch.uint8, device=device)
    next_obs = torch.randint(0, 256, (batch_size, 4, 84, 84), dtype=torch.uint8, device=device)
    actions = torch.randint(0, 4, (batch_size,), device=device)
    rewards = torch.rand(batch_size, device=device)

    def update() -> None:
        q = online(obs).gather(1, actions[:, None]).squeeze(1)
        with torch.no_grad():
            td_target = rewards + 0.99 * target(next_obs).max(dim=1).values
        loss = F.smooth_l1_loss(q, td_target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for _ in range(5):
        update()
    _sync(device)
    start = time.perf_counter()
    for _ in range(updates):
        update()
    _sync(device)
    return updates / (time.perf_counter() - start)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def learner_setups(agents: tuple[str, ...], device: torch.device) -> tuple[dict, dict]:
    """Per agent its online and target networks (18 actions), fused AdamW, C51 support (None for
    a scalar head) and double-Q flag, from the composed config; and one shared replay batch of 32
    already on the device."""
    setups = {}
    for agent in agents:
        with tempfile.TemporaryDirectory() as run_dir:
            cfg = compose_job(["+experiment=fig7", "budget=smoke", f"agent={agent}"], run_dir)
        online = instantiate(cfg.agent.network, num_actions=18).to(device)
        target = copy.deepcopy(online).requires_grad_(False)
        optimizer = torch.optim.AdamW(online.parameters(), lr=1e-4, weight_decay=0.0, fused=True)
        atoms = cfg.agent.network.atoms
        support = (
            torch.linspace(cfg.agent.v_min, cfg.agent.v_max, atoms, device=device)
            if atoms > 1
            else None
        )
        setups[agent] = (online, target, optimizer, support, cfg.agent.double_q)
    batch = {
        "obs": torch.randint(0, 256, (32, 4, 84, 84), dtype=torch.uint8, device=device),
        "next_obs": torch.randint(0, 256, (32, 4, 84, 84), dtype=torch.uint8, device=device),
        "actions": torch.randint(0, 18, (32,), device=device),
        "returns": torch.randn(32, device=device),
        "discounts": torch.full((32,), 0.99**3, device=device),
    }
    return setups, batch


def _loss_and_backward(setup: tuple, batch: dict, precision: str = "fp32") -> None:
    online, target, _, support, double_q = setup
    if support is None:
        loss, _ = dqn_loss(online, target, batch, double_q, precision)
    else:
        loss, _ = c51_loss(online, target, batch, support, precision)
    loss.mean().backward()


def learner_update_flops(agents: tuple[str, ...]) -> dict:
    """FLOPs of one learner update per agent (its loss and backward; the optimizer's elementwise
    work left out), counted by ``torch.utils.flop_counter`` on the matmuls and convolutions. Their
    ratio is the arithmetic floor of the update-time ratio when the matmuls dominate."""
    setups, batch = learner_setups(agents, torch.device("cpu"))
    flops = {}
    for agent in agents:
        with FlopCounterMode(display=False) as counter:
            _loss_and_backward(setups[agent], batch)
        flops[agent] = counter.get_total_flops()
    return flops


def learner_update_ms(
    agents: tuple[str, ...],
    device: torch.device,
    rounds: int = 12,
    precisions: tuple[str, ...] = ("fp32",),
) -> dict:
    """ms of one learner update per agent and precision (``agent.precision``: its loss,
    backward, fused AdamW; the batch already on the device, 18 actions), keyed ``agent`` for a
    single precision and ``agent/precision`` for several; every variant interleaved round by
    round so a machine's changing load hits all alike; the best round of 10 updates each."""
    setups, batch = learner_setups(agents, device)
    variants = [(agent, precision) for agent in agents for precision in precisions]

    def update(agent: str, precision: str) -> None:
        optimizer = setups[agent][2]
        optimizer.zero_grad(set_to_none=True)
        _loss_and_backward(setups[agent], batch, precision)
        optimizer.step()

    best = dict.fromkeys(variants, math.inf)
    for _ in range(rounds):
        for variant in variants:
            update(*variant)  # warm: allocations, the first kernels
            _sync(device)
            start = time.perf_counter()
            for _ in range(10):
                update(*variant)
            _sync(device)
            best[variant] = min(best[variant], (time.perf_counter() - start) * 100)
    if len(precisions) == 1:
        return {agent: ms for (agent, _), ms in best.items()}
    return {f"{agent}/{precision}": ms for (agent, precision), ms in best.items()}


def precision_speedups(ms: dict, agents: tuple[str, ...]) -> dict:
    """fp32 ms / bf16 ms per agent, from ``learner_update_ms(..., precisions=("fp32", "bf16"))``:
    above 1 where bf16 is faster."""
    return {agent: ms[f"{agent}/fp32"] / ms[f"{agent}/bf16"] for agent in agents}


def runner_rates(
    agent: str,
    replay_ratio: float,
    window_frames: int,
    threads: int | None,
    precision: str = "fp32",
) -> dict:
    """Steady-state agent steps/s and updates/s of the real runner (one env, smoke budget's
    small replay) over its second half, and the ms of each phase (``TimedAtariRun``): the
    learner update's ms, without sampling, is what the Rainbow-to-DQN cost ratio compares."""
    overrides = [
        "+experiment=fig7",
        "budget=smoke",
        f"agent={agent}",
        f"agent.replay_ratio={replay_ratio}",
        f"agent.precision={precision}",
        "agent.checkpoint_replay=false",
        f"budget.atari.frames={2 * window_frames}",
        f"budget.atari.learning_starts={window_frames}",
        f"budget.atari.metrics_every={window_frames}",
        f"budget.atari.checkpoint_every={10 * window_frames}",
        f"budget.atari.replay_capacity={max(1000, window_frames)}",
        f"budget.atari.torch_threads={threads or 'null'}",
    ]
    run, _ = train_timed(overrides)
    steps = window_frames // run.frameskip
    window = run.window(steps, 2 * steps)
    return {
        "agent": agent,
        "replay_ratio": replay_ratio,
        "env_steps_per_s": window["steps_per_s"],
        "updates_per_s": window["updates_in_window"] / (steps / window["steps_per_s"]),
        "ms_per_update": window["ms_per_update"]["learner_update"],
        "ms_per_step": window["ms_per_step"],
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window-frames", type=int, default=2000, help="timed frames per run")
    parser.add_argument("--bare-updates", type=int, default=200)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    parser.add_argument(
        "--precision",
        choices=(*PRECISIONS, "paired"),
        default="fp32",
        help="agent.precision of every measurement; 'paired': only the learner updates of DQN "
        "and Rainbow, fp32 against bf16 interleaved, and their ratio",
    )
    parser.add_argument("--rounds", type=int, default=12, help="interleaved learner rounds")
    parser.add_argument("--out", type=Path, default=None, help="also write the numbers as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device("auto")
    if args.precision == "paired":
        results = paired_precision(device, args.rounds)
    else:
        results = full_bench(device, args)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))
    return results


def _device_name(device: torch.device) -> str:
    return str(device) if device.type == "cpu" else torch.cuda.get_device_name(device)


def paired_precision(device: torch.device, rounds: int) -> dict:
    """The learner update of DQN and Rainbow at fp32 and bf16, interleaved in one process."""
    agents = ("dqn", "rainbow")
    ms = learner_update_ms(agents, device, rounds, precisions=PRECISIONS)
    speedups = precision_speedups(ms, agents)
    results = {
        "device": _device_name(device),
        "torch_threads": torch.get_num_threads(),
        "rounds": rounds,
        "learner_update_ms": ms,
        "bf16_speedup": speedups,
    }
    print(f"device: {results['device']} (torch threads {results['torch_threads']})")
    print(f"learner update, fp32 vs bf16 autocast (interleaved, best of {rounds} rounds):")
    for agent in agents:
        print(
            f"  {agent:8} fp32 {ms[f'{agent}/fp32']:7.1f} ms  bf16 {ms[f'{agent}/bf16']:7.1f} ms"
            f"  fp32/bf16 = {speedups[agent]:.2f}x"
        )
    return results


def full_bench(device: torch.device, args: argparse.Namespace) -> dict:
    """Learner updates, FLOPs, the environment, the bare loop and the runner at ``--precision``."""
    update_agents = ("dqn", "rainbow", "data_efficient_dqn", "data_efficient_rainbow")
    results = {
        "device": _device_name(device),
        "precision": args.precision,
        "learner_update_ms": learner_update_ms(
            update_agents, device, args.rounds, precisions=(args.precision,)
        ),
        "learner_update_gflops": {
            agent: flops / 1e9 for agent, flops in learner_update_flops(update_agents).items()
        },
        "torch_threads": torch.get_num_threads(),
        "env_only_steps_per_s": env_steps_per_second("breakout", 1, 2000),
        "bare_dqn_updates_per_s": bare_dqn_updates_per_second(device, args.bare_updates),
        "runner": [
            runner_rates(agent, ratio, args.window_frames, args.threads, args.precision)
            for agent in ("dqn", "rainbow")
            for ratio in (0.25, 1.0)
        ],
    }
    bare = results["bare_dqn_updates_per_s"]
    print(f"device: {results['device']} (torch threads {results['torch_threads']})")
    print(
        f"environment alone (breakout, 1 env, random actions): "
        f"{results['env_only_steps_per_s']:.0f} agent steps/s"
    )
    print(f"bare PyTorch DQN update loop: {bare:.1f} updates/s")
    print(
        f"{'agent':8} {'replay ratio':>12} {'env steps/s':>12} {'updates/s':>10} {'vs bare':>8} "
        f"{'ms/update':>10}"
    )
    for row in results["runner"]:
        row["updates_vs_bare_dqn"] = row["updates_per_s"] / bare
        print(
            f"{row['agent']:8} {row['replay_ratio']:>12g} {row['env_steps_per_s']:>12.1f} "
            f"{row['updates_per_s']:>10.1f} {row['updates_vs_bare_dqn']:>8.2f} "
            f"{row['ms_per_update']:>10.1f}"
        )
    rows = {(row["agent"], row["replay_ratio"]): row for row in results["runner"]}
    results["rainbow_update_vs_dqn"] = {}
    for ratio in (0.25, 1.0):
        cost = rows["rainbow", ratio]["ms_per_update"] / rows["dqn", ratio]["ms_per_update"]
        results["rainbow_update_vs_dqn"][str(ratio)] = cost
        print(f"a Rainbow update costs {cost:.2f}x a DQN update (replay ratio {ratio:g})")
    ms = results["learner_update_ms"]
    print(
        f"learner update alone ({args.precision}, interleaved, best of {args.rounds} rounds): "
        + ", ".join(f"{agent} {ms[agent]:.1f} ms" for agent in update_agents)
    )
    gflops = results["learner_update_gflops"]
    print(
        "GFLOPs per learner update (matmuls and convolutions): "
        + ", ".join(f"{agent} {gflops[agent]:.2f}" for agent in update_agents)
    )
    for rainbow, dqn in (("rainbow", "dqn"), ("data_efficient_rainbow", "data_efficient_dqn")):
        print(
            f"  {rainbow} / {dqn}: {ms[rainbow] / ms[dqn]:.2f}x the time, "
            f"{gflops[rainbow] / gflops[dqn]:.2f}x the FLOPs"
        )
    for row in results["runner"]:
        phases = ", ".join(f"{k} {v:.1f}" for k, v in row["ms_per_step"].items())
        print(f"ms per agent step, {row['agent']} at {row['replay_ratio']:g}: {phases}")
    return results


if __name__ == "__main__":
    main()
