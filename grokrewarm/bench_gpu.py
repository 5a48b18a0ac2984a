"""``make bench-gpu``: the one-shot check of what a GPU gives this project, in one invocation.

    python -m grokrewarm.bench_gpu [--device cuda|cpu] [--tiny] [--out outputs/bench/gpu.json]

Prints and writes as JSON, on one device:

- ``solo``: the step time (ms) of one run of fig3's paper-scale transformer (one block, d=128,
  p=117, batch 512, AdamW, NaP) and of Kumar's committee machine (kumar_fig7 at the paper budget:
  D=100, 500 hidden units, P=550, full batch), eagerly and, with ``--compile``, under
  ``torch.compile`` of the model (CUDA graphs are not built: see docs/guides/hardware.md);
- ``packed``: fig3 runs trained as one stacked model (``grokrewarm.training.packing``, the
  ``pack=N`` engine) at N = 1, 4, 16, 64: steps/s of the pack, run-steps/s (N times that) and
  run-steps/s over one solo run's;
- ``atari``: DQN and Rainbow learner updates/s (loss, backward, fused AdamW on a replay batch of
  32 already on the device) at fp32 and under bf16 autocast (``agent.precision``);
- ``projection``: fig3 at paper scale (24 runs x 1M steps) in GPU-hours, one run per process
  (the solo step time) and packed (24 runs in packs of up to 4, 16 and 64, at the packed rates).

Each step loop runs the method's real pieces (task batches, controller LR, optimizer, projection)
without Lightning or metrics, so its time is the floor a run's step can reach on that device.
``--device cpu --tiny`` runs every part at the smoke budget in seconds (what the tests run).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
from omegaconf import DictConfig, open_dict

from grokrewarm.compose import compose_job
from grokrewarm.domains.atari.bench import learner_update_ms
from grokrewarm.training.packed_run import Member, Pack
from grokrewarm.training.run import build_module

FIG3_RUNS = 24  # 3 seeds x 4 offsets x 2 peaks (Lyle et al. 2025, Fig. 3) at the paper budget
PACK_SIZES = (1, 4, 16, 64)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _compose(overrides: list[str]) -> DictConfig:
    with tempfile.TemporaryDirectory() as run_dir:
        return compose_job(overrides, run_dir)


def _with_seed(cfg: DictConfig, seed: int) -> DictConfig:
    cfg = copy.deepcopy(cfg)
    with open_dict(cfg):
        cfg.seed = seed
    return cfg


def _timed(step: Callable[[int], object], warmup: int, steps: int, device) -> float:
    """Seconds per call of ``step(i)`` over ``steps`` calls after ``warmup`` untimed ones."""
    for i in range(warmup):
        step(i)
    _sync(device)
    start = time.perf_counter()
    for i in range(warmup, warmup + steps):
        step(i)
    _sync(device)
    return (time.perf_counter() - start) / steps


def solo_step_seconds(
    cfg: DictConfig, device: torch.device, warmup: int, steps: int, compiled: bool = False
) -> float:
    """Seconds per optimizer step of one run (Algorithm 1's order, as ``RewarmModule``)."""
    module = build_module(cfg).to(device)
    optimizer = module.configure_optimizers()
    model = torch.compile(module.model) if compiled else module.model

    def step(i: int) -> None:
        module.controller.apply(optimizer, i)
        inputs, targets = module.task.train_batch(i)
        loss = module.task.loss(model(inputs), targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if module.projection is not None:
            module.projection.maybe_project(i + 1)

    return _timed(step, warmup, steps, device)


def packed_step_seconds(
    cfg: DictConfig, size: int, device: torch.device, warmup: int, steps: int
) -> float:
    """Seconds per step of a pack of ``size`` runs of ``cfg`` (seeds 0..size-1), each built as
    its solo run is; no run folders, metrics or checkpoints."""
    members = []
    for seed in range(size):
        member_cfg = _with_seed(cfg, seed)
        module = build_module(member_cfg).to(device)
        optimizer = module.configure_optimizers()
        members.append(Member(member_cfg, None, module, optimizer, None, None, None))
    pack = Pack(members)
    return _timed(pack.step, warmup, steps, device)


def _try(measure: Callable[[], float]) -> float | str:
    """A measurement, or the error that stopped it (``torch.compile`` needs a compiler)."""
    try:
        return measure()
    except Exception as error:  # noqa: BLE001 - reported in the results, not hidden
        return f"failed: {type(error).__name__}: {error}"[:300]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--tiny", action="store_true", help="smoke budget, a few steps (tests)")
    parser.add_argument(
        "--compile",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also time the solo steps under torch.compile (default: on for cuda, off for cpu)",
    )
    parser.add_argument("--steps", type=int, default=None, help="timed steps per measurement")
    parser.add_argument("--out", type=Path, default=None, help="also write the numbers as JSON")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    compiled = device.type == "cuda" if args.compile is None else args.compile
    budget = "smoke" if args.tiny else "paper"
    steps = args.steps or (10 if args.tiny else 500)
    warmup = 3 if args.tiny else 50
    pack_sizes = (1, 2) if args.tiny else PACK_SIZES
    started = time.perf_counter()
    fig3 = _compose(["+experiment=fig3", f"budget={budget}", "rewarm.offset=0"])
    kumar = _compose(["+experiment=kumar_fig7", f"budget={budget}"])
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    results: dict = {
        "device": name,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "budget": budget,
        "timed_steps": steps,
    }
    print(f"device: {name} (torch {torch.__version__}, {torch.get_num_threads()} threads)")

    solo: dict = {}
    for label, cfg in (("fig3_transformer", fig3), ("kumar_committee_machine", kumar)):
        solo[label] = {"eager_ms": 1e3 * solo_step_seconds(cfg, device, warmup, steps)}
        if compiled:
            seconds = _try(lambda cfg=cfg: solo_step_seconds(cfg, device, warmup, steps, True))
            solo[label]["compiled_ms"] = seconds * 1e3 if isinstance(seconds, float) else seconds
        shown = ", ".join(
            f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in solo[label].items()
        )
        print(f"solo step, {label}: {shown}")
    results["solo"] = solo

    solo_rate = 1e3 / solo["fig3_transformer"]["eager_ms"]
    packed = {}
    for size in pack_sizes:
        seconds = packed_step_seconds(fig3, size, device, warmup, steps)
        packed[str(size)] = {
            "pack_steps_per_s": 1 / seconds,
            "run_steps_per_s": size / seconds,
            "vs_one_solo_run": size / seconds / solo_rate,
        }
        print(
            f"packed fig3, N={size:>2}: {1 / seconds:8.1f} pack steps/s, "
            f"{size / seconds:9.1f} run-steps/s = {size / seconds / solo_rate:5.2f}x one solo run"
        )
    results["packed"] = packed

    agents = ("dqn", "rainbow")
    rounds = 1 if args.tiny else 5
    ms = learner_update_ms(agents, device, rounds, precisions=("fp32", "bf16"))
    results["atari_updates_per_s"] = {variant: 1e3 / v for variant, v in ms.items()}
    print(
        "Atari learner updates/s: "
        + ", ".join(f"{k} {v:.1f}" for k, v in results["atari_updates_per_s"].items())
    )

    run_steps = fig3.trainer.max_steps if not args.tiny else 1_000_000
    results["projection"] = fig3_projection(solo["fig3_transformer"]["eager_ms"], packed, run_steps)
    unit = "GPU-hours" if device.type == "cuda" else f"hours on this {device.type}"
    for label, hours in results["projection"]["hours"].items():
        print(
            f"fig3 at paper scale ({FIG3_RUNS} runs x {run_steps:,} steps), {label}: "
            f"{hours:.2f} {unit}"
        )
    results["wall_seconds"] = time.perf_counter() - started
    print(f"took {results['wall_seconds']:.0f} s")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))
    return results


def fig3_projection(solo_ms: float, packed: dict, run_steps: int) -> dict:
    """Device-hours (GPU-hours on a GPU) of fig3's 24 runs of ``run_steps`` steps: one run per
    process at the solo step time, and in packs at the measured pack rates (a pack of fewer
    members than measured is charged as the measured size, so those are upper bounds)."""
    hours = {"one run per process": FIG3_RUNS * run_steps * solo_ms / 1e3 / 3600}
    for size, rates in packed.items():
        if int(size) > 1:
            packs = math.ceil(FIG3_RUNS / int(size))
            seconds = packs * run_steps / rates["pack_steps_per_s"]
            hours[f"{packs} pack(s) of up to {size}"] = seconds / 3600
    return {"runs": FIG3_RUNS, "steps": run_steps, "hours": hours}


if __name__ == "__main__":
    main()
