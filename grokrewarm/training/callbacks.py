"""Lightning callbacks: scheduled evaluation and feature-learning metrics, the progress bar and
the preemption checkpoint."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import lightning as L
import torch
from lightning.pytorch.callbacks import RichProgressBar
from torch import Tensor

from grokrewarm.lifecycle import PreemptionSignal
from grokrewarm.method import metrics as M
from grokrewarm.method.projection import named_parameters_by_kind

log = logging.getLogger(__name__)


def interactive_console() -> bool:
    """Whether someone may be watching a progress bar: stdout is a terminal and this is not a
    Slurm job (a batch job's output goes to a file, where a bar's redraws are noise and its
    refreshes cost time)."""
    return sys.stdout.isatty() and "SLURM_JOB_ID" not in os.environ


class FeatureMetricsCallback(L.Callback):
    """Every ``every_n_steps`` optimizer steps, evaluate and measure feature learning, log once.

    Logged (one row per metric step): ``train/loss``, ``train/acc``, ``test/loss``, ``test/acc``,
    ``train/batch_loss`` (mean training-batch loss since the last row, when available), ``lr``,
    ``rewarms``, and with ``features=True`` on the task's fixed probe batch:
    ``feature_cov_change/<layer>`` (Eq. 3) and ``activation_change/<layer>`` (Eq. 4, fraction of
    flipped indicators) against the snapshot taken ``every_n_steps`` earlier (so T =
    ``every_n_steps``), ``dead_units/<layer>`` (fraction) and ``dead_unit_count/<layer>``,
    ``rank/<layer>`` (srank; the attention layer's is the attention-output rank of Fig. 8; only
    the model's ``rank_layers`` when it names them), ``update_norm`` (parameters, over the same
    interval), ``param_norm``, ``param_norm/<tensor>`` and ``elr/<tensor>`` (Section 2.3).

    Everything is computed as device tensors and moved to the host in one transfer per row.
    Snapshots are part of the callback state, so a resumed run measures the same differences.
    """

    def __init__(self, every_n_steps: int = 1000, features: bool = True) -> None:
        if every_n_steps < 1:
            raise ValueError(f"every_n_steps must be >= 1, got {every_n_steps}")
        self.every_n_steps = every_n_steps
        self.features = features
        self.snapshot: dict[str, Tensor] = {}

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.global_step == 0:  # the step-0 row: the network as initialized
            self._measure(trainer, pl_module)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if trainer.global_step % self.every_n_steps == 0:
            self._measure(trainer, pl_module)

    @torch.no_grad()
    def _measure(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        pl_module.nonfinite.check()  # no metric code on NaN weights
        values: dict[str, Tensor | float] = dict(pl_module.evaluate())
        window_loss = pl_module.pop_window_loss()
        if window_loss is not None:
            values["train/batch_loss"] = window_loss
        values["lr"] = pl_module.last_lr
        values["rewarms"] = float(len(pl_module.controller.rewarm_steps))
        if self.features:
            values.update(self._feature_metrics(trainer, pl_module))
        row = M.host_row(values, pl_module.device)  # the one host transfer of this row
        for logger in trainer.loggers:
            logger.log_metrics(row, step=trainer.global_step)
        shown = {k: row[k] for k in ("train/loss", "train/acc", "test/acc", "lr") if k in row}
        pl_module.progress_metrics = shown
        if not interactive_console():  # batch jobs: a bar cannot redraw in a log; log a line
            summary = ", ".join(f"{k}={v:.4g}" for k, v in shown.items())
            log.info(f"step {trainer.global_step}/{trainer.max_steps}: {summary}")

    def _feature_metrics(self, trainer, pl_module: L.LightningModule) -> dict[str, Tensor]:
        model = pl_module.model
        was_training = model.training
        model.eval()
        activations = model.hidden_activations(pl_module.task.probe_inputs())
        model.train(was_training)
        relu_layers = set(getattr(model, "relu_layers", ()))
        rank_layers = getattr(model, "rank_layers", None)  # None: every layer
        out: dict[str, Tensor] = {}
        current: dict[str, Tensor] = {}
        for name, pre in activations.items():
            features = torch.relu(pre) if name in relu_layers else pre
            if rank_layers is None or name in rank_layers:
                out[f"rank/{name}"] = M.effective_rank(features).float()
            current[f"features/{name}"] = features.detach().clone()
            if name in relu_layers:
                dead = M.dead_unit_mask(pre)
                out[f"dead_units/{name}"] = dead.float().mean()
                out[f"dead_unit_count/{name}"] = dead.sum()
                current[f"pattern/{name}"] = M.activation_pattern(pre)
            if f"features/{name}" in self.snapshot:
                out[f"feature_cov_change/{name}"] = M.feature_covariance_change(
                    self.snapshot[f"features/{name}"], features
                )
            if f"pattern/{name}" in self.snapshot:
                out[f"activation_change/{name}"] = M.activation_pattern_change(
                    self.snapshot[f"pattern/{name}"], current[f"pattern/{name}"]
                )
        params = M.flat_parameters(model.parameters())
        current["params"] = params
        if "params" in self.snapshot:
            out["update_norm"] = M.update_norm(self.snapshot["params"], params)
        out["param_norm"] = torch.linalg.vector_norm(params)
        out.update(self._per_tensor_norms_and_elr(pl_module, trainer.optimizers[0]))
        self.snapshot = current
        return out

    @staticmethod
    def _per_tensor_norms_and_elr(
        pl_module: L.LightningModule, optimizer: torch.optim.Optimizer
    ) -> dict[str, Tensor]:
        lr_of = {id(p): group["lr"] for group in optimizer.param_groups for p in group["params"]}
        adaptive = not isinstance(optimizer, torch.optim.SGD)
        out = {}
        by_kind = named_parameters_by_kind(pl_module.model)
        for kind in ("matrices", "embeddings"):
            for name, param in by_kind[kind]:
                norm = torch.linalg.vector_norm(param)
                out[f"param_norm/{name}"] = norm
                out[f"elr/{name}"] = M.effective_learning_rate(lr_of[id(param)], norm, adaptive)
        return out

    def state_dict(self) -> dict:
        return {"snapshot": {k: v.cpu() for k, v in self.snapshot.items()}}

    def load_state_dict(self, state: dict) -> None:
        self.snapshot = state["snapshot"]

    def on_fit_start(self, trainer, pl_module) -> None:
        self.snapshot = {k: v.to(pl_module.device) for k, v in self.snapshot.items()}


class StepProgressBar(RichProgressBar):
    """Rich progress bar for step-based runs, showing the latest metric row (no host syncs)."""

    def _get_train_description(self, current_epoch: int) -> str:
        return "train"

    def get_metrics(self, trainer, pl_module) -> dict:
        metrics = super().get_metrics(trainer, pl_module)
        metrics.pop("v_num", None)
        return {**metrics, **{k: f"{v:.3g}" for k, v in pl_module.progress_metrics.items()}}


class PreemptionCheckpoint(L.Callback):
    """Save ``last.ckpt`` at the next step boundary when the job is told it will be stopped
    (``grokrewarm.lifecycle.PreemptionSignal``: SIGUSR2 from submitit, SIGTERM), then hand the
    signal on, so submitit requeues the job or the default action ends it."""

    def __init__(self, checkpoint_path: str | Path) -> None:
        self.checkpoint_path = Path(checkpoint_path)
        self.signal = PreemptionSignal()

    def on_train_start(self, trainer, pl_module) -> None:
        # Not on_fit_start: Lightning snapshots the handlers after that hook and puts its snapshot
        # back at teardown, which would re-install ours after we handed the signal on.
        self.signal.install()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.signal.hand_on(lambda: trainer.save_checkpoint(self.checkpoint_path))

    def teardown(self, trainer, pl_module, stage: str) -> None:
        self.signal.restore()
