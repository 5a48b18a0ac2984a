"""Compose a job's config outside the CLI (tests, benchmarks, notebooks), as Hydra would."""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.plugins import Plugins
from omegaconf import DictConfig, OmegaConf, open_dict

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"


def compose_job(overrides: list[str], output_dir: str | Path) -> DictConfig:
    """The config the CLI's job would get for ``overrides``, with ``output_dir`` as the job's
    output folder (so ``${hydra:...}`` interpolations resolve); pass it to ``training.run``."""
    GlobalHydra.instance().clear()
    Plugins.instance()  # scans hydra_plugins (registers the union sweeper), as the CLI does
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=overrides, return_hydra_config=True)
    cfg.hydra.runtime.output_dir = str(output_dir)
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg


def sweeper_config(overrides: list[str]) -> dict:
    """The resolved ``hydra.sweeper`` block (``params``, and ``panels`` for the union sweeper)
    that ``python -m grokrewarm OVERRIDES -m`` would expand into jobs."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=overrides, return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    sweeper = OmegaConf.to_container(cfg.hydra.sweeper, resolve=True)
    GlobalHydra.instance().clear()
    return sweeper
