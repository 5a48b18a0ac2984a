"""Shared test helpers: compose the real Hydra config the way the CLI does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hydra.core.global_hydra import GlobalHydra

from grokrewarm.compose import CONF_DIR, compose_job

EXPERIMENTS = sorted(p.stem for p in (CONF_DIR / "experiment").glob("*.yaml"))


def pytest_collection_modifyitems(items):
    # one cluster, started and stopped by the session fixture `cluster`: its tests in one worker
    for item in items:
        if item.get_closest_marker("slurm"):
            item.add_marker(pytest.mark.xdist_group("slurm"))


if "PYTEST_XDIST_WORKER_COUNT" in os.environ:  # `make test`: one worker a core, a thread each
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    torch.set_num_threads(max(1, (cores or 1) // int(os.environ["PYTEST_XDIST_WORKER_COUNT"])))


def run_cli(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m grokrewarm ARGS`` in a subprocess, as a user would type it."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "HYDRA_FULL_ERROR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "grokrewarm", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(name="compose_run")
def compose_run_fixture():
    yield compose_job
    GlobalHydra.instance().clear()


@pytest.fixture(name="run_cli")
def run_cli_fixture():
    return run_cli


def smoke_sweep(experiment: str, tmp_path: Path, *overrides: str) -> Path:
    """``experiment``'s sweep at the smoke budget through the CLI into ``tmp_path/sweep``; fails
    with the sweep's stderr unless it exits 0; returns the sweep folder."""
    sweep_dir = tmp_path / "sweep"
    args = [
        f"+experiment={experiment}",
        "budget=smoke",
        *overrides,
        "trainer.enable_progress_bar=false",
        f"hydra.sweep.dir={sweep_dir}",
        "-m",
    ]
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    return sweep_dir


@pytest.fixture(name="smoke_sweep")
def smoke_sweep_fixture():
    return smoke_sweep


@pytest.fixture(name="experiments")
def experiments_fixture() -> list[str]:
    return EXPERIMENTS


# The device a device-sensitive test runs on: the CPU always, CUDA where there is one.
@pytest.fixture(
    params=[
        "cpu",
        pytest.param(
            "cuda",
            marks=[
                pytest.mark.gpu,
                pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"),
            ],
        ),
    ]
)
def device(request) -> str:
    return request.param


@pytest.fixture(autouse=True)
def restore_torch_threads():
    """Runs that set torch's thread count (the Atari budgets pin 1) must not leak it into later
    tests: results that are compared bitwise depend on it."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)
