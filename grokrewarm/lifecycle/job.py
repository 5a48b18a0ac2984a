"""``run_job``: one run through its folder's lifecycle (see the package docstring)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from grokrewarm.lifecycle.divergence import NonFiniteLoss
from grokrewarm.lifecycle.folder import DIVERGED, FINISHED, EndRecord, RunFolder
from grokrewarm.lifecycle.groups import refuse_unconsumed, refuse_unsized_budget
from grokrewarm.lifecycle.loggers import finish_wandb
from grokrewarm.lifecycle.threads import apply_threads

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runner:
    """What the lifecycle needs to know of a runner: its name (messages, metadata), the unit
    its budget counts, and the config options (``lifecycle.groups.OPTIONS``) it consumes."""

    name: str
    unit: str
    consumes: frozenset[str]


def build_loggers(cfg: DictConfig) -> list:
    """The ``logger`` group's loggers; W&B also gets the resolved config."""
    from lightning.pytorch.loggers import WandbLogger

    loggers = [instantiate(spec) for spec in cfg.logger.values() if spec is not None]
    for logger in loggers:
        if isinstance(logger, WandbLogger):
            logger.log_hyperparams(OmegaConf.to_container(cfg, resolve=True))
    return loggers


def run_job(
    cfg: DictConfig,
    run_dir: str | Path,
    runner: Runner,
    budget: int,
    fit: Callable[[RunFolder], tuple[int, dict[str, float]]],
) -> EndRecord:
    """Train the run in ``run_dir`` with ``fit`` (or skip it if it already ended) and return how
    it ended. ``fit(folder)`` trains or resumes and returns ``(progress, final metrics)``."""
    refuse_unconsumed(cfg, runner.name, runner.consumes)
    refuse_unsized_budget(cfg)
    folder = RunFolder(run_dir)
    record = folder.end_record()
    if record is not None and record.ends(budget) and not cfg.force:
        log.info(
            f"{folder.path} already ended ({record.status} at {record.unit} "
            f"{record.progress:,}; DONE); skipping. Pass force=true to train again."
        )
        return record
    folder.start(cfg, runner.name, runner.unit, budget, threads=apply_threads(cfg).record())
    try:
        progress, metrics = fit(folder)
    except NonFiniteLoss as diverged:
        log.error(f"diverged: {diverged}; run stopped, recorded in {folder.done_path}")
        record = EndRecord(DIVERGED, runner.unit, diverged.at, budget, detail=str(diverged))
        folder.write_end(record)
        return record
    except Exception as error:
        folder.write_failure(error)
        raise
    finally:
        finish_wandb()
    record = EndRecord(FINISHED, runner.unit, progress, budget, metrics)
    if record.ends(budget):
        folder.write_end(record)
    log.info(
        f"final ({runner.unit} {progress:,}): "
        + ", ".join(f"{k}={v:.4g}" for k, v in metrics.items())
    )
    return record
