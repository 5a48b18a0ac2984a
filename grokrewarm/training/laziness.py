"""Lazy-vs-rich knobs and metrics for the training stack (Kumar et al. 2024; Liu et al. 2023).

Knobs, applied by ``training.run.build`` to any model built from any config:

- ``init_scale``: every parameter multiplied by it after the model is built (Omnigrok's
  ``alpha = w / w_0``), with ``scale_initialization_``. Fixed-norm training at that scale is
  ``projection=sphere`` (the projection records the norms after this scaling, so
  ``projection.scale=1`` holds the scaled norm and ``projection.scale=c`` holds ``c`` times it).
- ``output_scale``: the model wrapped in ``CenteredOutputScale`` (``alpha (f - f_0)``, Kumar et
  al. Eq. 7) or ``OutputScale`` (``alpha f``), and the learning-rate schedule multiplied by
  ``lazy_learning_rate(1, alpha) = 1/alpha^2`` (App. 8.1; ``1/alpha^lr_power``), so
  ``rewarm.lr`` is the paper's ``eta_0``.

Metrics: ``LazinessMetricsCallback`` (``metrics=lazy``) adds to the evaluation row, on the same
schedule and in the same single host transfer: the global parameter norm, the relative parameter
change ``||w - w_0|| / ||w_0||``, the centred alignment of the current empirical NTK with the test
labels, and the task's own ``extra_metrics(model)`` (tasks that are ``HasExtraMetrics`` of
``grokrewarm.domains.task``, e.g. Kumar's loss decomposition).
"""

from __future__ import annotations

from collections.abc import Mapping

import lightning as L
import torch
from hydra.utils import instantiate
from torch import Tensor, nn
from torch.nn import functional as F

from grokrewarm.domains.task import HasEvalSplits, HasExtraMetrics
from grokrewarm.method.laziness import (
    OutputScale,
    lazy_learning_rate,
    scale_initialization_,
)
from grokrewarm.method.laziness_diagnostics import (
    empirical_ntk,
    ntk_alignment,
    ntk_regression_test_loss,
    relative_parameter_change,
)
from grokrewarm.method.metrics import flat_parameters
from grokrewarm.method.rewarm import RewarmController
from grokrewarm.training.callbacks import FeatureMetricsCallback


class ScaledSchedule:
    """``factor * schedule(t, peak_scale)``: a schedule's learning rates multiplied by a constant
    (the ``1/alpha^2`` of the centred output scale); other attributes are the wrapped schedule's."""

    def __init__(self, schedule, factor: float) -> None:
        self.schedule = schedule
        self.factor = float(factor)

    def __call__(self, step: int, peak_scale: float = 1.0) -> float:
        return self.factor * self.schedule(step, peak_scale)

    def __getattr__(self, name: str):
        if name == "schedule":  # not yet set (e.g. during unpickling)
            raise AttributeError(name)
        return getattr(self.schedule, name)


def apply_laziness(
    model: nn.Module,
    controller: RewarmController,
    init_scale: float = 1.0,
    output_scale: Mapping | None = None,
) -> nn.Module:
    """Scale ``model``'s initialisation, then wrap it in the ``output_scale`` config's centred
    predictor and rescale ``controller``'s schedule by ``1/alpha^2`` (``1/alpha^lr_power``);
    returns the model to train.

    ``output_scale`` is a config with ``_target_`` (``conf/output_scale/centered.yaml``) or
    without (``none``: nothing happens). Order matters: ``f_0`` is the scaled initial model.
    """
    if init_scale != 1.0:
        scale_initialization_(model, init_scale)
    if output_scale is not None and output_scale.get("_target_"):
        model = instantiate(output_scale, model=model)
        if not isinstance(model, OutputScale):
            raise TypeError(f"output_scale must build an OutputScale, got {type(model)}")
        controller.schedule = ScaledSchedule(
            controller.schedule, lazy_learning_rate(1.0, model.alpha, model.lr_power)
        )
    return model


class LazinessMetricsCallback(FeatureMetricsCallback):
    """Evaluation plus lazy-vs-rich metrics every ``every_n_steps`` steps, one host transfer a row.

    Logged besides the evaluation columns: ``param_norm`` (all trainable parameters, the
    Omnigrok weight norm), ``relative_param_change`` (against the parameters at step 0, kept in
    the callback state so a resumed run measures against the same ``w_0``), ``ntk_alignment``
    (``ntk_alignment(K_t, y)`` of the empirical NTK at the current parameters on the first
    ``alignment_size`` test examples, ``alignment_centering`` as in ``ntk_alignment``; integer
    labels enter as one-hot codes; 0 turns it off, e.g. for models whose per-example Jacobians do
    not fit in memory) and the task's ``extra_metrics(model)``. ``features=True`` adds the
    feature-learning metrics of ``FeatureMetricsCallback`` (models with ``hidden_activations``).
    ``ntk_regression=True`` adds ``ntk_regression/test_loss`` to every row: the test MSE of
    kernel regression with the empirical NTK of the model as initialized on the whole train
    split (``ntk_regression_test_loss``, Kumar et al. Fig. 1b's horizontal line), computed once
    when training starts (one host-side solve, kept in the callback state so a resumed run does
    not recompute it at its later weights).
    """

    def __init__(
        self,
        every_n_steps: int = 1000,
        features: bool = False,
        alignment_size: int = 100,
        alignment_centering: str = "double",
        ntk_chunk_size: int | None = None,
        ntk_regression: bool = False,
    ) -> None:
        super().__init__(every_n_steps=every_n_steps, features=True)  # our hook runs every row
        if alignment_size < 0:
            raise ValueError(f"alignment_size must be >= 0, got {alignment_size}")
        self.model_features = features
        self.alignment_size = alignment_size
        self.alignment_centering = alignment_centering
        self.ntk_chunk_size = ntk_chunk_size
        self.initial: Tensor | None = None
        self.ntk_regression = ntk_regression
        self.ntk_regression_loss: Tensor | None = None
        self._alignment: tuple | None = None  # (inputs, labels, their versions, batch)

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self.initial is None:  # a resumed run restored it from the checkpoint
            self.initial = flat_parameters(pl_module.model.parameters()).detach().clone()
        if self.ntk_regression and self.ntk_regression_loss is None:  # once, at the initial NTK
            self.ntk_regression_loss = self._ntk_regression(pl_module)
        super().on_train_start(trainer, pl_module)

    def _ntk_regression(self, pl_module: L.LightningModule) -> Tensor:
        task = pl_module.task
        if not isinstance(task, HasEvalSplits):
            raise TypeError(
                f"ntk_regression needs whole splits (eval_splits), {type(task).__name__} has "
                "none: set metrics.ntk_regression=false"
            )
        splits = task.eval_splits()
        (x_train, y_train), (x_test, y_test) = splits["train"], splits["test"]
        model = pl_module.model
        was_training = model.training
        model.eval()
        loss = ntk_regression_test_loss(model, x_train, y_train.float(), x_test, y_test.float())
        model.train(was_training)
        return loss.float()

    def _alignment_batch(self, task: nn.Module) -> tuple[Tensor, Tensor] | None:
        if not self.alignment_size or not isinstance(task, HasEvalSplits):
            return None  # e.g. image tasks, evaluated in batches only
        x, y = task.eval_splits()["test"]
        # The one-hot width reads the labels' maximum (a host sync): done once for a split's
        # tensors (a task's buffers are the same objects, unmodified, from row to row), not once
        # per metric row.
        versions = (getattr(x, "_version", None), y._version)
        cached = self._alignment
        if cached is not None and cached[0] is x and cached[1] is y and cached[2] == versions:
            return cached[3]
        batch = self._one_hot_alignment_batch(task, x, y)
        self._alignment = (x, y, versions, batch)
        return batch

    def _one_hot_alignment_batch(self, task: nn.Module, x, y: Tensor) -> tuple[Tensor, Tensor]:
        if not isinstance(x, Tensor):  # e.g. graph batches (QM9): the NTK needs tensor inputs
            raise TypeError(
                f"ntk_alignment needs tensor inputs, {type(task).__name__} gives "
                f"{type(x).__name__}: set metrics.alignment_size=0"
            )
        x, y = x[: self.alignment_size], y[: self.alignment_size]
        if not y.is_floating_point():
            y = F.one_hot(y, int(y.max()) + 1 if y.numel() else 1)
        return x, y.float()

    def _feature_metrics(self, trainer, pl_module: L.LightningModule) -> dict[str, Tensor]:
        out = super()._feature_metrics(trainer, pl_module) if self.model_features else {}
        model, task = pl_module.model, pl_module.task
        params = flat_parameters(model.parameters())
        out["param_norm"] = torch.linalg.vector_norm(params)
        if self.initial is not None:
            out["relative_param_change"] = relative_parameter_change([params], [self.initial])
        batch = self._alignment_batch(task)
        if batch is not None:
            x, y = batch
            was_training = model.training
            model.eval()
            kernel = empirical_ntk(model, x, chunk_size=self.ntk_chunk_size)
            model.train(was_training)
            out["ntk_alignment"] = ntk_alignment(kernel, y, self.alignment_centering)
        if isinstance(task, HasExtraMetrics):
            out.update(task.extra_metrics(model))
        if self.ntk_regression_loss is not None:
            out["ntk_regression/test_loss"] = self.ntk_regression_loss
        return out

    def state_dict(self) -> dict:
        state = super().state_dict()
        state["initial"] = None if self.initial is None else self.initial.cpu()
        loss = self.ntk_regression_loss
        state["ntk_regression_loss"] = None if loss is None else loss.cpu()
        return state

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.initial = state.get("initial")
        self.ntk_regression_loss = state.get("ntk_regression_loss")

    def on_fit_start(self, trainer, pl_module) -> None:
        super().on_fit_start(trainer, pl_module)
        if self.initial is not None:
            self.initial = self.initial.to(pl_module.device)
        if self.ntk_regression_loss is not None:
            self.ntk_regression_loss = self.ntk_regression_loss.to(pl_module.device)
