"""How well sweeps share this machine's cores (``make bench-parallel``), in one invocation.

    python -m grokrewarm.bench_launch [--experiment fig2] [--budget quick] [--jobs -1]
                                      [--twin-steps 4000] [--twin-threads N]
                                      [--skip-sweep | --skip-twin]
                                      [--out FILE] [OVERRIDE ...]

- ``sweep``: the experiment's whole sweep run one job at a time (``launcher=local``), then with
  ``launcher=parallel launcher.jobs=JOBS``, each timed from the command's start to its end (the
  figure rendered); prints local / parallel, the speed-up (goal for fig2 quick on 2 cores: at
  least 1.25x, never below 1), and the CPU seconds each used.
- ``twin``: one ``budget=smoke trainer.max_steps=TWIN_STEPS`` run, alone and then beside a twin
  run of the same command started first (and stopped once the measured run ends); prints the
  fraction of its idle speed it keeps beside the twin (goal: at least 0.4; a fair share of two
  cores would keep 0.5). ``--twin-threads 1`` runs both at ``threads=1``, as the parallel
  launcher would on two cores.

Every command runs in a subprocess with this process's environment, so the numbers are those of
the project's defaults unless the caller sets ``OMP_NUM_THREADS`` or ``OMP_WAIT_POLICY``. The
machine's cores, CPU model and load average are printed and written beside the numbers: a
machine that is busy with other work gives slower, noisier times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMAND = [sys.executable, "-m", "grokrewarm"]
QUIET = ["trainer.enable_progress_bar=false"]
TWIN_START_S = 3.0  # the twin's head start, so it is training when the measured run starts


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine() -> dict:
    return {
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "cpu": cpu_model(),
        "load_average_1min": os.getloadavg()[0],
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds ``python -m grokrewarm ARGS`` takes and the CPU seconds it and its processes
    used (on a busy machine the CPU seconds say what the command cost, the wall time what it got);
    raises with its stderr if it fails."""
    cpu, start = children_cpu_s(), time.perf_counter()
    result = subprocess.run([*COMMAND, *args], cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return elapsed, children_cpu_s() - cpu


def sweep_times(experiment: str, budget: str, jobs: int, overrides: list[str], tmp: Path) -> dict:
    """Wall seconds of the sweep one job at a time and with ``jobs`` at once, and the speed-up."""
    tmp.mkdir(parents=True, exist_ok=True)
    sweep = [f"+experiment={experiment}", f"budget={budget}", *QUIET, *overrides]
    local, local_cpu = timed(
        [*sweep, "launcher=local", f"hydra.sweep.dir={tmp / 'local'}", "-m"], tmp
    )
    parallel, parallel_cpu = timed(
        [
            *sweep,
            "launcher=parallel",
            f"launcher.jobs={jobs}",
            f"hydra.sweep.dir={tmp / 'parallel'}",
            "-m",
        ],
        tmp,
    )
    runs = sum(1 for p in (tmp / "local").iterdir() if (p / "DONE").is_file())
    return {
        "command": " ".join(["python -m grokrewarm", *sweep, "-m"]),
        "jobs_in_sweep": runs,
        "jobs_at_once": jobs,
        "local_s": local,
        "parallel_s": parallel,
        "local_cpu_s": local_cpu,
        "parallel_cpu_s": parallel_cpu,
        "speedup": local / parallel,
    }


def twin_fraction(steps: int, overrides: list[str], tmp: Path) -> dict:
    """Wall seconds of one run alone and beside a twin; the fraction of its speed it keeps."""
    tmp.mkdir(parents=True, exist_ok=True)
    run = ["budget=smoke", f"trainer.max_steps={steps}", *QUIET, *overrides]
    alone, _ = timed([*run, f"hydra.run.dir={tmp / 'alone'}"], tmp)
    # The twin trains until it is stopped, so it runs throughout the measured run.
    twin_args = ["budget=smoke", f"trainer.max_steps={10**9}", *QUIET, *overrides]
    twin = subprocess.Popen(
        [*COMMAND, *twin_args, f"hydra.run.dir={tmp / 'twin'}"],
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(TWIN_START_S)
        beside, _ = timed([*run, f"hydra.run.dir={tmp / 'beside'}"], tmp)
        twin_outlasted = twin.poll() is None
    finally:
        twin.kill()
        twin.wait()
    return {
        "command": " ".join(["python -m grokrewarm", *run]),
        "alone_s": alone,
        "beside_twin_s": beside,
        "fraction": alone / beside,
        "twin_ran_throughout": twin_outlasted,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiment", default="fig2")
    parser.add_argument("--budget", default="quick")
    parser.add_argument("--jobs", type=int, default=-1, help="launcher.jobs (-1: one per core)")
    parser.add_argument("--twin-steps", type=int, default=4000)
    parser.add_argument(
        "--twin-threads", type=int, default=None, help="threads= for both twins (default: null)"
    )
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--skip-twin", action="store_true")
    parser.add_argument("--out", type=Path, default=None, help="also write the numbers as JSON")
    parser.add_argument("overrides", nargs="*", help="more overrides for the sweep, e.g. seed=1")
    args = parser.parse_args(argv)
    results: dict = {"machine": machine()}
    m = results["machine"]
    print(
        f"{m['usable_cores']} usable cores ({m['cpu']}), load average {m['load_average_1min']:.2f}"
        f", OMP_NUM_THREADS={m['omp_num_threads']}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_sweep:
            sweep = sweep_times(
                args.experiment, args.budget, args.jobs, args.overrides, Path(tmp) / "sweep"
            )
            results["sweep"] = sweep
            print(f"sweep: {sweep['command']} ({sweep['jobs_in_sweep']} jobs)")
            print(
                f"  one at a time {sweep['local_s']:.1f} s, launcher.jobs={args.jobs} "
                f"{sweep['parallel_s']:.1f} s: parallel is {sweep['speedup']:.2f}x faster"
                "   (goal for fig2 quick: >= 1.25x)"
            )
            print(
                f"  CPU seconds: one at a time {sweep['local_cpu_s']:.1f}, "
                f"parallel {sweep['parallel_cpu_s']:.1f}"
            )
        if not args.skip_twin:
            threads = [f"threads={args.twin_threads}"] if args.twin_threads else []
            twin = twin_fraction(args.twin_steps, threads, Path(tmp) / "twin")
            results["twin"] = twin
            print(f"twin: {twin['command']}")
            print(
                f"  alone {twin['alone_s']:.1f} s, beside a twin {twin['beside_twin_s']:.1f} s: "
                f"keeps {twin['fraction']:.2f} of its idle speed   (goal: >= 0.4)"
            )
    results["machine"]["load_average_1min_after"] = os.getloadavg()[0]
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
