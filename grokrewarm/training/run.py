"""Build one training run from a composed config and train it, resuming where it left off.

Hydra-free on purpose (it takes a DictConfig and a folder), so ``python -m grokrewarm.resume``,
tests and the Slurm launcher share it with the CLI.
"""

from __future__ import annotations

import json
import logging
import platform
import subprocess
import warnings
from pathlib import Path

import lightning as L
import torch
from hydra.utils import instantiate
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.loggers import WandbLogger
from lightning.pytorch.plugins.environments import SLURMEnvironment
from omegaconf import DictConfig, OmegaConf

from grokrewarm.training.callbacks import (
    DoneMarker,
    FeatureMetricsCallback,
    PreemptionCheckpoint,
    StepProgressBar,
)
from grokrewarm.training.lazy_callbacks import apply_laziness
from grokrewarm.training.loggers import finish_wandb
from grokrewarm.training.module import RewarmModule

log = logging.getLogger(__name__)


def git_state() -> dict:
    """The commit the code ran from and whether the tree had uncommitted changes."""
    repo = Path(__file__).resolve().parents[2]

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=repo, capture_output=True, text=True, timeout=10
        ).stdout.strip()

    try:
        return {
            "sha": git("rev-parse", "HEAD") or None,
            "dirty": bool(git("status", "--porcelain")),
        }
    except (OSError, subprocess.SubprocessError):
        return {"sha": None, "dirty": None}


def write_metadata(run_dir: Path, cfg: DictConfig) -> None:
    import hydra
    import lightning

    meta = {
        "git": git_state(),
        "seed": cfg.seed,
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "lightning": lightning.__version__,
            "hydra": hydra.__version__,
        },
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
    }
    (run_dir / "metadata.json").write_text(json.dumps(meta, indent=2))


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


def build(cfg: DictConfig, run_dir: Path) -> tuple[L.Trainer, RewarmModule]:
    """Instantiate task, model, method pieces, loggers and trainer from ``cfg``."""
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
    loggers = [instantiate(spec) for spec in cfg.logger.values() if spec is not None]
    for logger in loggers:
        if isinstance(logger, WandbLogger):  # the resolved config, beside the metrics
            logger.log_hyperparams(OmegaConf.to_container(cfg, resolve=True))
    callbacks = [
        # a metrics option with a _target_ builds its own callback (metrics=lazy)
        instantiate(cfg.metrics)
        if cfg.metrics.get("_target_")
        else FeatureMetricsCallback(**cfg.metrics),
        DoneMarker(run_dir),
        PreemptionCheckpoint(run_dir / "checkpoints" / "last.ckpt"),
        ModelCheckpoint(
            dirpath=run_dir / "checkpoints",
            save_last=True,
            save_top_k=0,
            every_n_train_steps=cfg.budget.checkpoint_every,
            save_on_train_epoch_end=False,
        ),
    ]
    if cfg.trainer.get("enable_progress_bar", True):
        callbacks.append(StepProgressBar(leave=True))
    # submitit owns requeueing (on its own signal); Lightning's would requeue a second time.
    plugins = [SLURMEnvironment(auto_requeue=False)] if SLURMEnvironment.detect() else None
    trainer = instantiate(cfg.trainer, logger=loggers, callbacks=callbacks, plugins=plugins)
    return trainer, module


def last_checkpoint(run_dir: Path) -> Path | None:
    path = run_dir / "checkpoints" / "last.ckpt"
    return path if path.is_file() else None


def train(cfg: DictConfig, run_dir: str | Path, callbacks: list | None = None) -> dict:
    """Train (or resume, or skip if ``DONE``) the run in ``run_dir``; return its final metrics.

    ``callbacks`` are added to the trainer's (for tests and notebooks that watch a run)."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    done = run_dir / "DONE"
    if done.is_file() and not cfg.force:
        final = json.loads(done.read_text())
        if final["step"] >= cfg.trainer.max_steps:
            log.info(f"{run_dir} is complete (DONE); skipping. Pass force=true to train again.")
            return final
    done.unlink(missing_ok=True)
    OmegaConf.save(cfg, run_dir / "config.yaml", resolve=True)
    write_metadata(run_dir, cfg)
    quiet_lightning()
    trainer, module = build(cfg, run_dir)
    trainer.callbacks.extend(callbacks or [])
    ckpt = last_checkpoint(run_dir) if cfg.resume and not cfg.force else None
    if ckpt is not None:
        log.info(f"resuming from {ckpt}")
    try:
        trainer.fit(module, ckpt_path=ckpt)
        trainer.save_checkpoint(run_dir / "checkpoints" / "last.ckpt")  # resumable from any end
    finally:
        finish_wandb()
    final = {"step": trainer.global_step, **{k: float(v) for k, v in module.evaluate().items()}}
    log.info("final: " + ", ".join(f"{k}={v:.4g}" for k, v in final.items()))
    return final
