"""``run_job``: one run through its folder's lifecycle (see the package docstring)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import ValidationError

from grokrewarm.config_schema import refuse_undeclared_keys, resolve_all
from grokrewarm.lifecycle.checkpoints import resume_mode
from grokrewarm.lifecycle.divergence import NonFiniteLoss
from grokrewarm.lifecycle.folder import BUSY, DIVERGED, FINISHED, EndRecord, RunFolder
from grokrewarm.lifecycle.groups import refuse_unconsumed, refuse_unsized_budget
from grokrewarm.lifecycle.lock import RunFolderBusy, RunLock, this_process
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


def refuse_before_start(cfg: DictConfig, runner: Runner | None) -> None:
    """Every refusal that needs no run folder: keys no schema declares (added with ``+``),
    values that do not resolve to their key's type, ``resume``, the groups ``runner`` does not
    consume, a budget not sized for the experiment. :class:`RefuseBadConfig` runs this as Hydra
    composes, before Hydra makes any folder; ``run_job`` again, for callers that compose without
    the CLI."""
    refuse_undeclared_keys(cfg)
    resolve_all(cfg)
    resume_mode(cfg)
    if runner is not None:
        refuse_unconsumed(cfg, runner.name, runner.consumes)
    refuse_unsized_budget(cfg)


class RefuseBadConfig(Callback):
    """Hydra callback (``hydra.callbacks`` in ``conf/config.yaml``): run the refusals of
    ``grokrewarm.lifecycle.job.refuse_before_start`` on the composed config before Hydra makes a
    run or sweep folder, so a config that cannot run leaves nothing under ``outputs/``. A sweep's
    swept values are checked again by each job, before it touches its run folder."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._check(config)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._check(config)

    @staticmethod
    def _check(config: DictConfig) -> None:
        import importlib

        job = OmegaConf.masked_copy(config, [k for k in config if k != "hydra"])
        runner = None
        path = job.get("runner")
        if isinstance(path, str) and "." in path:
            module = importlib.import_module(path.rsplit(".", 1)[0])
            runner = getattr(module, "RUNNER", None)
        try:
            refuse_before_start(job, runner)
        except (ValueError, ValidationError) as error:
            # SystemExit, not an exception: Hydra turns a callback's exception into a warning
            raise SystemExit(f"Refused before any run folder was made:\n{error}") from None


def run_job(
    cfg: DictConfig,
    run_dir: str | Path,
    runner: Runner,
    budget: int,
    fit: Callable[[RunFolder], tuple[int, dict[str, float]]],
) -> EndRecord:
    """Train the run in ``run_dir`` with ``fit`` (or skip it if it already ended) and return how
    it ended. ``fit(folder)`` trains or resumes and returns ``(progress, final metrics)``.

    The job holds the folder (``grokrewarm.lifecycle.lock``) from before it reads ``DONE`` to
    after it writes the last record. When another live process holds it, nothing of the run is
    read or written: the job logs who holds it, leaves a ``BUSY`` note for ``sweep_status`` and
    returns a ``busy`` record (a result, not a failure: a sweep run twice does not fail)."""
    refuse_before_start(cfg, runner)
    folder = RunFolder(run_dir)
    held = hold_folder(folder, runner, budget)
    if isinstance(held, EndRecord):
        return held
    try:
        return _run_held(cfg, folder, runner, budget, fit)
    finally:
        held.release()


def hold_folder(folder: RunFolder, runner: Runner, budget: int) -> RunLock | EndRecord:
    """Hold ``folder`` for this process (the lock a job keeps until its last record), or, when
    another live process holds it, log who, leave the ``BUSY`` note and return the busy record."""
    try:
        return RunLock(folder.path).acquire()
    except RunFolderBusy as busy:
        log.error(
            f"busy: {busy}; this start did nothing. Run it again once that process has ended "
            f"(python -m grokrewarm.sweep_status shows it)."
        )
        folder.write_busy(this_process("refused"), busy.holder)
        return EndRecord(BUSY, runner.unit, 0, budget, detail=str(busy))


def _run_held(
    cfg: DictConfig,
    folder: RunFolder,
    runner: Runner,
    budget: int,
    fit: Callable[[RunFolder], tuple[int, dict[str, float]]],
) -> EndRecord:
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
