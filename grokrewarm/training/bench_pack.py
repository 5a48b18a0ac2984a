"""Packed runs, checked and timed (``make check-pack``, ``make bench-pack``).

``python -m grokrewarm.training.bench_pack check [EXPERIMENT ...]`` runs each experiment's smoke
sweep twice, one run per process and with ``pack=N``, and compares every run's ``metrics.csv``:
equal rows and columns, values within ``RTOL`` (float rounding of batched kernels; see
``docs/guides/hardware.md``, "Packed runs"). It exits 1 naming any run that differs.

``python -m grokrewarm.training.bench_pack bench`` times one process training N runs as a pack
against the same N runs trained one after another by the solo runner, at N = 1, 4, 16, and prints
run-steps/s of each and their ratio.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

# In float64 a member and its solo run differ by rounding of batched kernels (about 1e-16
# relative per operation), which tens of steps leave far below the float32 resolution (6e-8)
# that metrics.csv is written in: the check asks for agreement to 1e-6.
RTOL, ATOL = 1e-6, 1e-9
CHECKED = ("fig2", "fig3", "kumar_fig2")
# The check trains in float64 (see the module docstring of tests/training/test_packing.py: a
# float32 run at a high LR without normalization is chaotic, and its rounding differences grow
# until accuracies and dead-unit counts flip); the modular task computes its loss in float64 too.
# More than one run at the smoke budget, so that packs form.
SWEEP_OVERRIDES = {"kumar_fig2": ["budget.alphas=[0.5,1.0,2.0]", "budget.seeds=[0,1]"]}
FLOAT64 = {
    "fig2": ["trainer.precision=64-true", "task.loss_dtype=float64"],
    "fig3": ["trainer.precision=64-true", "task.loss_dtype=float64"],
}


def largest_difference(solo_sweep: Path, packed_sweep: Path) -> float:
    """The largest relative difference of any metric of any run between the two sweeps."""
    largest = 0.0
    for solo_csv in solo_sweep.glob("*/metrics.csv"):
        packed_csv = packed_sweep / solo_csv.parent.name / "metrics.csv"
        a = pd.read_csv(solo_csv).to_numpy(dtype=float)
        b = pd.read_csv(packed_csv).to_numpy(dtype=float)
        if a.shape == b.shape:
            largest = max(largest, float(np.nanmax(np.abs(a - b) / (np.abs(a) + ATOL / RTOL))))
    return largest


def metrics_differences(
    solo_sweep: Path, packed_sweep: Path, rtol: float = RTOL, atol: float = ATOL
) -> dict[str, str]:
    """For each run folder of ``solo_sweep``: what differs in the same folder of
    ``packed_sweep`` (empty: every run's metrics agree within the tolerance)."""
    problems = {}
    runs = sorted(p.name for p in solo_sweep.iterdir() if (p / "metrics.csv").is_file())
    if not runs:
        problems["(sweep)"] = f"no run wrote metrics.csv in {solo_sweep}"
    for run in runs:
        packed_csv = packed_sweep / run / "metrics.csv"
        if not packed_csv.is_file():
            problems[run] = "no metrics.csv in the packed sweep"
            continue
        solo, packed = pd.read_csv(solo_sweep / run / "metrics.csv"), pd.read_csv(packed_csv)
        if list(solo.columns) != list(packed.columns) or len(solo) != len(packed):
            problems[run] = f"shape {solo.shape} vs {packed.shape}"
            continue
        a, b = solo.to_numpy(dtype=float), packed.to_numpy(dtype=float)
        if not np.allclose(b, a, rtol=rtol, atol=atol, equal_nan=True):
            scale = np.abs(a) + atol / rtol
            worst = np.nanmax(np.abs(a - b) / scale, axis=0)
            column = solo.columns[int(np.nanargmax(worst))]
            problems[run] = f"{column} differs by {np.nanmax(worst):.2e} relative"
    return problems


def smoke_sweep(experiment: str, sweep_dir: Path, *overrides: str) -> None:
    args = [
        sys.executable,
        "-m",
        "grokrewarm",
        f"+experiment={experiment}",
        "budget=smoke",
        "trainer.enable_progress_bar=false",
        f"hydra.sweep.dir={sweep_dir}",
        *overrides,
        "-m",
    ]
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stderr[-3000:]}")


def check(experiments: list[str], pack: int) -> int:
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for experiment in experiments:
            solo, packed = Path(tmp) / experiment / "solo", Path(tmp) / experiment / "packed"
            precision = FLOAT64.get(experiment, ["trainer.precision=64-true"])
            overrides = precision + SWEEP_OVERRIDES.get(experiment, [])
            smoke_sweep(experiment, solo, *overrides)
            smoke_sweep(experiment, packed, *overrides, f"pack={pack}")
            problems = metrics_differences(solo, packed)
            runs = sum(1 for p in solo.iterdir() if (p / "metrics.csv").is_file())
            packs = len(list((packed / ".packs").glob("*/members.yaml")))
            verdict = "FAILED" if problems else "ok"
            print(
                f"{experiment}: {runs} runs, {packs} pack(s) of up to {pack}: {verdict} "
                f"(rtol {RTOL:g}, atol {ATOL:g}; largest relative difference "
                f"{largest_difference(solo, packed):.1e})"
            )
            for run, problem in problems.items():
                print(f"  {run}: {problem}")
            failed += bool(problems)
    return 1 if failed else 0


def _configs(tmp: Path, tag: str, count: int, steps: int, overrides: list[str]):
    from omegaconf import OmegaConf

    from grokrewarm.compose import compose_job

    configs = []
    for index in range(count):
        run_dir = tmp / tag / str(index)
        member = [f"seed={index}", f"rewarm.lr={1e-3 * (1 + index % 4)}"]
        cfg = compose_job(
            [
                *overrides,
                *member,
                "budget=smoke",
                f"trainer.max_steps={steps}",
                f"budget.metrics_every={steps}",
                f"budget.checkpoint_every={steps}",
                "trainer.enable_progress_bar=false",
            ],
            run_dir,
        )
        OmegaConf.resolve(cfg)
        configs.append((cfg, run_dir))
    return configs


def bench(sizes: list[int], steps: int, overrides: list[str]) -> None:
    import logging

    import torch

    from grokrewarm.training.packed_run import train_pack
    from grokrewarm.training.run import train

    logging.disable(logging.INFO)  # the runs' own lines would bury the table
    print(f"{' '.join(overrides)}, {steps} steps a run, torch threads {torch.get_num_threads()}")
    print(f"{'N':>4} {'packed run-steps/s':>19} {'sequential':>11} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        warm = _configs(Path(tmp), "warm", 2, 5, overrides)
        train_pack(warm)  # imports and first-call costs, on neither side of the table
        train(*_configs(Path(tmp), "warm_solo", 1, 5, overrides)[0])
        for size in sizes:
            solo = _configs(Path(tmp), f"solo{size}", size, steps, overrides)
            packed = _configs(Path(tmp), f"packed{size}", size, steps, overrides)
            start = time.perf_counter()
            for cfg, run_dir in solo:
                train(cfg, run_dir)
            sequential = size * steps / (time.perf_counter() - start)
            start = time.perf_counter()
            train_pack(packed)
            together = size * steps / (time.perf_counter() - start)
            print(f"{size:>4} {together:>19.1f} {sequential:>11.1f} {together / sequential:>5.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grokrewarm.training.bench_pack")
    commands = parser.add_subparsers(dest="command", required=True)
    checking = commands.add_parser("check", help="packed smoke sweeps against solo ones")
    checking.add_argument("experiments", nargs="*", default=list(CHECKED))
    checking.add_argument("--pack", type=int, default=4)
    timing = commands.add_parser("bench", help="packed run-steps/s against sequential runs")
    timing.add_argument("--sizes", type=int, nargs="+", default=[1, 4, 16])
    timing.add_argument("--steps", type=int, default=100)
    timing.add_argument(
        "overrides",
        nargs="*",
        # Lyle's one-block transformer (d=128) on x + y mod 97, batches of 512 (Power et al.)
        default=[
            "+experiment=fig2",
            "model.norm=layernorm",
            "budget.p=97",
            "budget.train_fraction=0.3",
            "budget.batch_size=512",
        ],
    )
    args = parser.parse_args(argv)
    if args.command == "check":
        return check(args.experiments, args.pack)
    bench(args.sizes, args.steps, args.overrides)
    return 0


if __name__ == "__main__":
    sys.exit(main())
