"""``TensorTask``: the base of the lazy-to-rich and Omnigrok tasks that hold tensors (a
training-stack ``SupervisedTask`` of ``grokrewarm.domains.task``, with ``eval_splits``:
``HasEvalSplits``).

A ``TensorTask`` is an ``nn.Module`` holding its data as (non-persistent) buffers, with a declared
``accuracy``. ``batch_size=None`` is full-batch gradient descent (Kumar et al.'s "vanilla GD");
otherwise batches come from ``SeededBatches``, a pure function of (seed, step), so a resumed run
sees the same batches.

Each task lives in the module of its data and model (``polynomial.PolynomialTask``,
``eigenvector_labels.EigenvectorLabelTask``, ``modular_mlp.ModularAdditionMLPTask``,
``teacher_student.TeacherStudentTask``, ``mnist.MnistTask``, ``imdb.ImdbTask``; ``qm9.Qm9Task``
holds graphs, not tensors). Some also have ``extra_metrics(model) -> {name: device tensor}``
(``HasExtraMetrics``), logged by ``LazinessMetricsCallback`` on the metrics schedule (the
polynomial task's loss decomposition, teacher-student threshold accuracy). Models take what they
need from ``model_kwargs()``.
"""

from __future__ import annotations

from typing import Literal

from torch import Tensor, nn
from torch.nn import functional as F

from grokrewarm.domains.ordering import SeededBatches
from grokrewarm.domains.task import (
    ACCURACIES,
    DEFAULT_EVAL_BATCH_SIZE,
    Accuracy,
    split_batches,
)

LossKind = Literal["mse", "mse_sum", "cross_entropy", "bce"]
# the accuracy a loss implies unless a task declares another (MNIST's MSE on class labels)
LOSS_ACCURACY: dict[str, Accuracy] = {
    "mse": "none",
    "mse_sum": "none",
    "cross_entropy": "argmax",
    "bce": "logit",
}


class TensorTask(nn.Module):
    """Train/test tensors on the device, full-batch or seeded minibatches, and a loss.

    ``loss``: ``"mse"`` is ``mean((f - y)^2)`` over every entry (``nn.MSELoss``); ``"mse_sum"``
    sums the squared error over the outputs and averages over examples (``p`` times ``"mse"`` for
    ``p`` outputs); for integer class labels the targets are their one-hot codes (Omnigrok's MNIST
    loss). ``"cross_entropy"`` needs integer labels. ``"bce"``: binary cross-entropy on one
    logit per example (``BCEWithLogits``) against 0/1 labels (integer or float).

    ``accuracy`` (``grokrewarm.domains.task.Accuracy``): ``None`` takes the loss's
    (``LOSS_ACCURACY``: none for MSE, argmax for cross-entropy, ``(logit > 0) == label`` for
    bce); ``"argmax"`` needs integer labels, ``"onehot"`` 2-D float targets. Everything after
    the four tensors is keyword-only, so a subclass cannot drop ``seed`` by position.
    """

    eval_batch_size = DEFAULT_EVAL_BATCH_SIZE

    def __init__(
        self,
        x_train: Tensor,
        y_train: Tensor,
        x_test: Tensor,
        y_test: Tensor,
        *,
        loss: LossKind = "mse",
        batch_size: int | None = None,
        seed: int = 0,
        probe_size: int = 512,
        accuracy: Accuracy | None = None,
    ) -> None:
        super().__init__()
        if loss not in ("mse", "mse_sum", "cross_entropy", "bce"):
            raise ValueError(
                f"loss must be 'mse', 'mse_sum', 'cross_entropy' or 'bce', got {loss!r}"
            )
        if loss == "bce" and not ((y_train == 0) | (y_train == 1)).all():
            raise ValueError("bce needs 0/1 labels")
        if loss == "cross_entropy" and y_train.is_floating_point():
            raise ValueError("cross_entropy needs integer class labels")
        accuracy = LOSS_ACCURACY[loss] if accuracy is None else accuracy
        if accuracy not in ACCURACIES:
            raise ValueError(f"accuracy must be one of {ACCURACIES}, got {accuracy!r}")
        if accuracy == "argmax" and y_train.is_floating_point():
            raise ValueError("accuracy 'argmax' needs integer class labels")
        if accuracy == "onehot" and not (y_train.is_floating_point() and y_train.ndim == 2):
            raise ValueError("accuracy 'onehot' needs one-hot (2-D float) targets")
        if accuracy == "logit" and not ((y_train == 0) | (y_train == 1)).all():
            raise ValueError("accuracy 'logit' needs 0/1 labels")
        self.loss_kind = loss
        self.accuracy: Accuracy = accuracy
        self.seed = seed
        self.batches = SeededBatches(len(y_train), batch_size, seed)
        self.register_buffer("x_train", x_train, persistent=False)
        self.register_buffer("y_train", y_train, persistent=False)
        self.register_buffer("x_test", x_test, persistent=False)
        self.register_buffer("y_test", y_test, persistent=False)
        self.probe_size = min(probe_size, len(y_train))

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    def loss(self, outputs: Tensor, targets: Tensor) -> Tensor:
        if self.loss_kind == "cross_entropy":
            return F.cross_entropy(outputs, targets)
        if self.loss_kind == "bce":
            return F.binary_cross_entropy_with_logits(
                outputs.reshape(targets.shape), targets.to(outputs.dtype)
            )
        if not targets.is_floating_point():
            targets = F.one_hot(targets, outputs.shape[-1]).to(outputs.dtype)
        if self.loss_kind == "mse_sum":
            return (outputs - targets).square().reshape(len(outputs), -1).sum(1).mean()
        return F.mse_loss(outputs, targets.reshape(outputs.shape))

    @property
    def batch_size(self) -> int:
        return self.batches.batch_size

    def train_batch(self, step: int) -> tuple[Tensor, Tensor]:
        if self.batches.full_batch:
            return self.x_train, self.y_train
        rows = self.batches.indices(step, self.x_train.device)
        return self.x_train[rows], self.y_train[rows]

    def eval_splits(self) -> dict[str, tuple[Tensor, Tensor]]:
        return {"train": (self.x_train, self.y_train), "test": (self.x_test, self.y_test)}

    def eval_batches(self) -> dict[str, list[tuple[Tensor, Tensor]]]:
        return split_batches(self.eval_splits(), self.eval_batch_size)

    def probe_inputs(self) -> Tensor:
        return self.x_train[: self.probe_size]

    def model_kwargs(self) -> dict:
        return {}
