"""The supervised runner: build one Lightning training run from a composed config and train it
through the run-folder lifecycle (``grokrewarm.lifecycle``), resuming where it left off.

Hydra-free on purpose (it takes a DictConfig and a folder), so tests, notebooks and the Slurm
launcher share it with the CLI.

Every checkpoint Lightning writes goes through :class:`RunCheckpointIO` (written whole, the one
before kept as ``previous.ckpt``, see ``grokrewarm.lifecycle.checkpoints``) and is read back
with ``weights_only=True``.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import lightning as L
import torch
from hydra.utils import instantiate
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.plugins.environments import SLURMEnvironment
from lightning.pytorch.plugins.io import TorchCheckpointIO
from omegaconf import DictConfig

from grokrewarm.lifecycle import EndRecord, RunFolder, Runner, build_loggers, run_job
from grokrewarm.lifecycle.checkpoints import (
    CheckpointFiles,
    choose_resume,
    torch_writer,
    write_atomic,
)
from grokrewarm.training.callbacks import (
    FeatureMetricsCallback,
    PreemptionCheckpoint,
    StepProgressBar,
    interactive_console,
)
from grokrewarm.training.laziness import apply_laziness
from grokrewarm.training.module import RewarmModule

log = logging.getLogger(__name__)

# Every option but the Atari groups: Lightning trains any task and model with the method pieces.
SUPERVISED = Runner(
    name="supervised (Lightning)",
    unit="step",
    consumes=frozenset(
        {
            "task",
            "model",
            "trainer",
            "metrics",
            "intervention",
            "output_scale",
            "layer_lr",
            "init_scale",
            "optimizer.scale_decay",
        }
    ),
)
RUNNER = SUPERVISED  # what grokrewarm.lifecycle.job.RefuseBadConfig checks a config against


def quiet_lightning() -> None:
    """Route Lightning's messages through the job's own logging (Hydra writes them to the run
    folder) instead of a second console handler, and drop warnings that do not apply here."""
    for name in ("lightning", "lightning.pytorch", "lightning.fabric"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # The checkpoint holds the state after the step, which is what resuming needs.
    warnings.filterwarnings("ignore", message="Using ModelCheckpoint with manual optimization")
    warnings.filterwarnings("ignore", message=".*isinstance.treespec, LeafSpec.*")
    # We are not inside srun: submitit runs the job, Lightning need not.
    warnings.filterwarnings("ignore", message="The `srun` command is available")


class RunCheckpointIO(TorchCheckpointIO):
    """Lightning's checkpoint files, written through :class:`CheckpointFiles`: ``last.ckpt``
    whole or not at all, the one before kept as ``previous.ckpt``; read ``weights_only``."""

    def __init__(self, files: CheckpointFiles) -> None:
        super().__init__()
        self.files = files

    def save_checkpoint(self, checkpoint: dict, path, storage_options=None) -> None:
        if storage_options is not None:
            raise TypeError("RunCheckpointIO takes no storage_options")
        write = torch_writer(checkpoint)
        if Path(path).resolve() == self.files.last.resolve():
            self.files.save(write, int(checkpoint.get("global_step", 0)))
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            write_atomic(Path(path), write)

    def load_checkpoint(self, path, map_location=None, weights_only=None) -> dict:
        return super().load_checkpoint(path, map_location=map_location, weights_only=True)


def load_checkpoint(path: Path) -> dict:
    """A supervised checkpoint, tensors and containers only (never code)."""
    return torch.load(path, map_location="cpu", weights_only=True)


def build_module(cfg: DictConfig) -> RewarmModule:
    """Seed, then instantiate task, model and method pieces from ``cfg`` (a solo run and a pack
    member are built by this same function, so they start from the same state)."""
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    task = instantiate(cfg.task)
    model = instantiate(cfg.model, **task.model_kwargs())
    controller = instantiate(cfg.rewarm.controller)
    # init scale, then the centred output scale with the LR times 1/alpha^2 (Kumar, Omnigrok)
    model = apply_laziness(model, controller, cfg.get("init_scale", 1.0), cfg.get("output_scale"))
    projection = instantiate(cfg.projection) if cfg.projection.get("_target_") else None
    module = RewarmModule(
        model=model,
        task=task,
        optimizer=instantiate(cfg.optimizer.factory),
        controller=controller,
        projection=projection,
        weight_decay=cfg.optimizer.weight_decay,
        scale_decay=cfg.optimizer.scale_decay,
        interventions=[instantiate(cfg.intervention)] if cfg.intervention.get("_target_") else [],
        layer_lr=cfg.layer_lr.rule,
        layer_lr_refresh_every=cfg.layer_lr.refresh_every,
    )
    return module


def build_metrics_callback(cfg: DictConfig) -> FeatureMetricsCallback:
    """A metrics option with a ``_target_`` builds its own callback (``metrics=lazy``)."""
    if cfg.metrics.get("_target_"):
        return instantiate(cfg.metrics)
    return FeatureMetricsCallback(**cfg.metrics)


def build(
    cfg: DictConfig, run_dir: Path, files: CheckpointFiles | None = None
) -> tuple[L.Trainer, RewarmModule]:
    """Instantiate task, model, method pieces, loggers and trainer from ``cfg``."""
    module = build_module(cfg)
    loggers = build_loggers(cfg)
    callbacks = [
        build_metrics_callback(cfg),
        PreemptionCheckpoint(run_dir / "checkpoints" / "last.ckpt"),
        ModelCheckpoint(
            dirpath=run_dir / "checkpoints",
            save_last=True,
            save_top_k=0,
            every_n_train_steps=cfg.budget.checkpoint_every,
            save_on_train_epoch_end=False,
        ),
    ]
    progress_bar = cfg.trainer.get("enable_progress_bar", True) and interactive_console()
    if progress_bar:
        callbacks.append(StepProgressBar(leave=True))
    # submitit owns requeueing (on its own signal); Lightning's would requeue a second time.
    plugins = [SLURMEnvironment(auto_requeue=False)] if SLURMEnvironment.detect() else []
    plugins.append(RunCheckpointIO(files or CheckpointFiles(run_dir / "checkpoints")))
    trainer = instantiate(
        cfg.trainer,
        logger=loggers,
        callbacks=callbacks,
        plugins=plugins,
        enable_progress_bar=progress_bar,
    )
    return trainer, module


def train(cfg: DictConfig, run_dir: str | Path, callbacks: list | None = None) -> EndRecord:
    """Train (or resume, or skip if it ended) the run in ``run_dir``; return how it ended.

    ``callbacks`` are added to the trainer's (for tests and notebooks that watch a run)."""

    def fit(folder: RunFolder) -> tuple[int, dict[str, float]]:
        quiet_lightning()
        files = CheckpointFiles(folder.checkpoint_dir, unit="step")
        resume = choose_resume(
            files,
            cfg,
            load=load_checkpoint,
            progress_of=lambda state: state["global_step"],
            metrics=folder.metrics_path,
        )
        resume.state = None  # Lightning reads the file itself; free the copy
        trainer, module = build(cfg, folder.path, files)
        trainer.callbacks.extend(callbacks or [])
        trainer.fit(module, ckpt_path=resume.path, weights_only=True)
        # resumable from any end (weights_only=False: the whole training state, not the weights)
        trainer.save_checkpoint(folder.checkpoint_path, weights_only=False)
        return trainer.global_step, {k: float(v) for k, v in module.evaluate().items()}

    return run_job(cfg, run_dir, SUPERVISED, cfg.trainer.max_steps, fit)
