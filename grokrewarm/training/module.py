"""The LightningModule that trains any task/model pair with projection and LR re-warming.

One optimizer step follows Algorithm 1 of Lyle et al. 2025: set the learning rate from the
re-warm controller, update, project the weights back to their initial norms, then let the
re-warm trigger see the step. Manual optimization keeps that order explicit and the per-step path
short: no ``.item()``, no logging; the training loss is accumulated on the device and crosses to
the host only once per trigger window (CUSUM) and at metric steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import lightning as L
import torch
from torch import Tensor, nn

from grokrewarm.domains.task import SupervisedTask, check_task, count_correct
from grokrewarm.lifecycle import NonFiniteGuard, restore_rng, rng_state
from grokrewarm.method.param_groups import param_groups, update_even_ratio_abs
from grokrewarm.method.projection import NormProjection
from grokrewarm.method.rewarm import RewarmController


class StepStream:
    """An endless "data loader" of step numbers, resuming at the trainer's restored step.

    The task builds each batch on the device from the step number, so nothing per batch crosses
    from the host and the data order survives a resume without a stateful sampler.
    """

    def __init__(self, start_step: Callable[[], int]) -> None:
        self.start_step = start_step

    def __iter__(self) -> Iterator[int]:
        step = self.start_step()
        while True:
            yield step
            step += 1


class RewarmModule(L.LightningModule):
    """Supervised training under an optimizer, a projection and a re-warm controller.

    ``task`` is a ``SupervisedTask`` (``grokrewarm.domains.task``): an ``nn.Module`` holding its
    data as buffers (it moves to the device with this module) with ``train_batch(step)``,
    ``eval_batches()``, ``probe_inputs()``, ``loss(outputs, targets)`` and a declared
    ``accuracy``; the constructor checks it (``check_task``). ``optimizer`` is a partial
    ``torch.optim`` constructor taking parameter groups; ``projection`` a partial
    :class:`NormProjection` taking the model, or ``None``. ``interventions`` are callables
    ``(step, model) -> bool`` asked before every step (e.g. Shrink & Perturb when data is added);
    ``layer_lr`` a per-layer LR rule (Fig. 5 LHS), ``even_ratio_abs`` refreshed every
    ``layer_lr_refresh_every`` steps.
    """

    def __init__(
        self,
        model: nn.Module,
        task: SupervisedTask,
        optimizer: Callable,
        controller: RewarmController,
        projection: Callable[[nn.Module], NormProjection] | None = None,
        weight_decay: float = 0.0,
        scale_decay: float = 0.0,
        interventions: list[Callable[[int, nn.Module], bool]] | None = None,
        layer_lr: str | None = None,
        layer_lr_refresh_every: int = 1000,
    ) -> None:
        super().__init__()
        self.model = model
        self.task = check_task(task)
        self.optimizer_factory = optimizer
        self.controller = controller
        self.projection = projection(model) if projection is not None else None
        self.weight_decay = weight_decay
        self.scale_decay = scale_decay
        self.interventions = list(interventions or [])
        if layer_lr_refresh_every < 1:
            raise ValueError(f"layer_lr_refresh_every must be >= 1, got {layer_lr_refresh_every}")
        self.layer_lr = layer_lr
        self.layer_lr_refresh_every = layer_lr_refresh_every
        self.automatic_optimization = False
        self._loss_window: Tensor | None = None
        self._window_steps = 0
        self.last_lr = controller.lr(0)
        self.progress_metrics: dict[str, float] = {}  # latest metric row, shown by the bar
        self.nonfinite = NonFiniteGuard("train/loss", "step")  # divergence ends the run

    # -- optimization ------------------------------------------------------------------------
    def configure_optimizers(self):
        groups = param_groups(self.model, self.weight_decay, self.scale_decay, self.layer_lr)
        optimizer = self.optimizer_factory(groups)
        self.controller.apply(optimizer, 0)  # so step-0 metrics (ELR) see the first LR
        return optimizer

    def train_dataloader(self) -> StepStream:
        return StepStream(lambda: self.trainer.global_step)

    def loss(self, outputs: Tensor, targets: Tensor) -> Tensor:
        return self.task.loss(outputs, targets)

    def training_step(self, step: int) -> Tensor:
        optimizer = self.optimizers()
        for intervention in self.interventions:
            intervention(step, self.model)
        if self.layer_lr == "even_ratio_abs" and step % self.layer_lr_refresh_every == 0:
            update_even_ratio_abs(optimizer.optimizer.param_groups)  # one host sync per refresh
        # The LR stays a Python float in the optimizer's param groups, and the step a Python
        # int: an eager step passes them to its kernels as arguments, with no host sync. Only a
        # captured CUDA graph (or a compiled optimizer step) would need both as device tensors,
        # updated in place (a graph replays the values it was captured with); no step is
        # captured, so they stay numbers.
        self.last_lr = self.controller.apply(optimizer.optimizer, step)
        inputs, labels = self.task.train_batch(step)
        loss = self.loss(self.model(inputs), labels)
        optimizer.zero_grad(set_to_none=True)
        self.manual_backward(loss)
        optimizer.step()
        done = step + 1  # optimizer steps taken, as in Eq. 2's index t
        self.nonfinite.observe(loss, step)  # the loss of the model after `step` updates
        self.nonfinite.maybe_check(done)
        if self.projection is not None:
            self.projection.maybe_project(done)
        self._observe(done, loss.detach())
        return loss

    def _observe(self, done: int, loss: Tensor) -> None:
        """Feed the re-warm trigger; the loss is summed on the device and read once per window."""
        self._loss_window = loss if self._loss_window is None else self._loss_window + loss
        self._window_steps += 1
        if not self.controller.needs_loss:
            self.controller.observe(done)
        elif done % self.controller.observe_every == 0:
            mean_loss = (self._loss_window / self._window_steps).item()
            if not math.isfinite(mean_loss):
                self.nonfinite.check()  # raises, naming the first non-finite step
            self.controller.observe(done, mean_loss)
            self._reset_window()

    def _reset_window(self) -> None:
        self._loss_window, self._window_steps = None, 0

    def pop_window_loss(self) -> Tensor | None:
        """Mean training loss since the last call (for metric logging), as a device tensor."""
        if self._loss_window is None or self.controller.needs_loss:
            return None  # the trigger owns the window; metrics read the full-set loss instead
        mean = self._loss_window / self._window_steps
        self._reset_window()
        return mean

    # -- evaluation --------------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self) -> dict[str, Tensor]:
        """Loss and accuracy on every split of the task, as device scalars (no host sync).

        Accuracy (``<split>/acc``) is the task's declared kind (``task.accuracy``, counted by
        ``count_correct``); a task with ``accuracy = "none"`` (regression) gets the loss only."""
        was_training = self.model.training
        self.model.eval()
        results = {}
        accuracy = self.task.accuracy
        for split, batches in self.task.eval_batches().items():
            loss_sum, correct, count = 0.0, 0.0, 0
            for inputs, targets in batches:
                outputs = self.model(inputs)
                loss_sum = loss_sum + self.loss(outputs, targets) * len(targets)
                hits = count_correct(accuracy, outputs, targets)
                correct = None if hits is None else correct + hits
                count += len(targets)
            results[f"{split}/loss"] = loss_sum / count
            if correct is not None:
                results[f"{split}/acc"] = correct / count
        self.model.train(was_training)
        return results

    # -- checkpointing -----------------------------------------------------------------------
    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["rewarm_controller"] = self.controller.state_dict()
        if self.projection is not None:
            checkpoint["projection"] = self.projection.state_dict()
        checkpoint["loss_window"] = (self._loss_window, self._window_steps)
        checkpoint["rng"] = rng_state()

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.controller.load_state_dict(checkpoint["rewarm_controller"])
        if self.projection is not None:
            self.projection.load_state_dict(checkpoint["projection"])
        self._loss_window, self._window_steps = checkpoint["loss_window"]
        restore_rng(checkpoint["rng"])
