"""How many threads a job's torch uses: decided from what the job was given, applied, recorded.

torch's default is one intra-op thread per core in every process, which oversubscribes the cores
as soon as two jobs share a machine, and the project's small models gain little from more
threads anyway. The first of these that applies decides (``decide_threads``):

1. ``threads=N``, the root key (null: decide automatically);
2. Slurm's allocation, ``SLURM_CPUS_PER_TASK`` (set from ``hydra.launcher.cpus_per_task``);
3. ``launcher=parallel``: the job's share of the cores, cores // jobs at once;
4. ``launcher.cpus_per_task`` (``launcher=submitit_local``, which starts every job at once);
5. the runner's own default, ``budget.atari.torch_threads`` (the Atari budgets keep a core for
   the emulator);
6. ``OMP_NUM_THREADS``, as torch itself would;
7. every core: ``launcher=local`` runs one job at a time.

``OMP_WAIT_POLICY=PASSIVE`` (set by the package's ``__init__``, before torch loads) is the other
half: OpenMP threads that spin while they wait starve every other process on the cores.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from omegaconf import DictConfig, OmegaConf

RUNNER_DEFAULT_KEY = "budget.atari.torch_threads"


@dataclass(frozen=True)
class Threads:
    """torch's intra-op thread count for a job and where it came from."""

    count: int
    source: str

    def record(self) -> dict:
        """The ``threads`` entry of ``metadata.json``."""
        return {
            "count": self.count,
            "source": self.source,
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        }


def jobs_at_once(jobs: int, cores: int) -> int:
    """``launcher.jobs`` as a count: positive as given, negative as joblib counts it (-1: one
    per core, -2: all cores but one)."""
    if jobs == 0:
        raise ValueError("launcher.jobs=0 runs nothing; use -1 for one job per core")
    return jobs if jobs > 0 else max(cores + 1 + jobs, 1)


def decide_threads(cfg: DictConfig, environ: Mapping[str, str], cores: int) -> Threads:
    """The thread count for the job ``cfg`` (see the module docstring for the order)."""
    explicit = cfg.get("threads")
    if explicit is not None:
        if int(explicit) < 1:
            raise ValueError(f"threads={explicit}: a job needs at least one thread")
        return Threads(int(explicit), "threads=")
    if environ.get("SLURM_CPUS_PER_TASK"):
        return Threads(int(environ["SLURM_CPUS_PER_TASK"]), "SLURM_CPUS_PER_TASK")
    launcher = cfg.get("launcher") or {}
    if launcher.get("name") == "parallel":
        at_once = jobs_at_once(int(launcher.get("jobs", -1)), cores)
        share = max(cores // at_once, 1)
        return Threads(share, f"launcher=parallel ({at_once} jobs at once on {cores} cores)")
    if launcher.get("cpus_per_task"):
        return Threads(int(launcher.cpus_per_task), "launcher.cpus_per_task")
    runner_default = OmegaConf.select(cfg, RUNNER_DEFAULT_KEY)
    if runner_default:
        return Threads(int(runner_default), RUNNER_DEFAULT_KEY)
    if environ.get("OMP_NUM_THREADS"):
        return Threads(int(environ["OMP_NUM_THREADS"]), "OMP_NUM_THREADS")
    return Threads(cores, f"all {cores} cores")


def available_cores() -> int:
    """The cores this process may use (its CPU affinity and cgroup quota), as joblib counts them
    for ``launcher=parallel``, so the job's share and the launcher's job count agree."""
    import joblib

    return joblib.cpu_count()


def apply_threads(cfg: DictConfig) -> Threads:
    """Decide the job's thread count and set torch's intra-op threads to it."""
    import torch

    threads = decide_threads(cfg, os.environ, available_cores())
    torch.set_num_threads(threads.count)
    return threads
