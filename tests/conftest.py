"""Shared test helpers: compose the real Hydra config the way the CLI does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.plugins import Plugins
from omegaconf import DictConfig, open_dict

REPO = Path(__file__).resolve().parents[1]
CONF = REPO / "conf"
EXPERIMENTS = sorted(p.stem for p in (CONF / "experiment").glob("*.yaml"))
QUIET = ["trainer.enable_progress_bar=false"]


def compose_run(overrides: list[str], run_dir: Path) -> DictConfig:
    """The job config Hydra would hand the CLI for ``overrides``, with ``run_dir`` as the job's
    output folder (so ``${hydra:runtime.output_dir}`` resolves)."""
    GlobalHydra.instance().clear()
    Plugins.instance()  # scans hydra_plugins (registers our union sweeper), as the CLI does
    with initialize_config_dir(str(CONF), version_base="1.3"):
        cfg = compose("config", overrides=overrides, return_hydra_config=True)
    cfg.hydra.runtime.output_dir = str(run_dir)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg


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


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture(name="compose_run")
def compose_run_fixture():
    yield compose_run
    GlobalHydra.instance().clear()


@pytest.fixture(name="run_cli")
def run_cli_fixture():
    return run_cli


@pytest.fixture(name="experiments")
def experiments_fixture() -> list[str]:
    return EXPERIMENTS


@pytest.fixture(name="quiet")
def quiet_fixture() -> list[str]:
    return list(QUIET)
