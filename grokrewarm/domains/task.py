"""What a supervised task gives the training stack (``RewarmModule``, the metric callbacks and
``training.run.build``), as ``typing.Protocol`` classes.

A task is an ``nn.Module`` holding its data as (non-persistent) buffers, so it moves to the
training device with the module that trains it. ``SupervisedTask`` is what every task provides;
``HasEvalSplits`` and ``HasExtraMetrics`` are optional capabilities, checked with ``isinstance``
(the protocols are ``runtime_checkable``). ``check_task`` says what a task lacks before training.

Batches are a pure function of (seed, step): ``grokrewarm.domains.ordering.SeededBatches`` is the
one helper every task draws its minibatch rows from, so a resumed run sees the batches an
uninterrupted one would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, Protocol, get_args, runtime_checkable

from torch import Tensor, nn

# How evaluation counts correct predictions (``count_correct``), declared by each task:
# "argmax": integer class labels against the outputs' argmax; "onehot": one-hot (float) targets,
# the outputs' argmax against the targets' argmax; "logit": one logit per example against 0/1
# labels, correct when ``(logit > 0) == label``; "none": regression, the loss only.
Accuracy = Literal["argmax", "onehot", "logit", "none"]
ACCURACIES: tuple[str, ...] = get_args(Accuracy)

# (inputs, targets): inputs are what the model takes (a tensor, or e.g. a PyG ``Batch``)
Batch = tuple[Any, Tensor]

# Whole splits are evaluated in slices of this many examples (``split_batches``).
DEFAULT_EVAL_BATCH_SIZE = 16384


@runtime_checkable
class SupervisedTask(Protocol):
    """A supervised task: batches by step, evaluation sets, a loss, and its kind of accuracy.

    - ``train_batch(step)``: the batch of optimizer step ``step``, a pure function of the task's
      seed and ``step``;
    - ``eval_batches()``: ``{split: iterable of batches}`` (``"train"``, ``"test"``), evaluated
      in full at every metric row; loss and accuracy are averaged over examples;
    - ``probe_inputs()``: fixed training inputs on which feature-learning metrics are measured;
    - ``model_kwargs()``: what a model needs to know about the task to be built (vocabulary,
      classes, input size), passed to the model config's ``_target_``;
    - ``loss(outputs, targets)``: the training and evaluation loss, a device scalar;
    - ``accuracy``: one of ``ACCURACIES`` (see ``Accuracy``).
    """

    accuracy: Accuracy

    def train_batch(self, step: int) -> Batch: ...

    def eval_batches(self) -> Mapping[str, Iterable[Batch]]: ...

    def probe_inputs(self) -> Any: ...

    def model_kwargs(self) -> dict[str, Any]: ...

    def loss(self, outputs: Tensor, targets: Tensor) -> Tensor: ...


@runtime_checkable
class HasEvalSplits(Protocol):
    """Each split as one ``(inputs, targets)`` pair, for metrics that need a whole split at once
    (NTK alignment, initial-NTK regression, thresholded accuracy); tasks whose data do not fit
    in one piece (images) do not have it."""

    def eval_splits(self) -> dict[str, Batch]: ...


@runtime_checkable
class HasExtraMetrics(Protocol):
    """Task-specific metrics (``{name: device tensor}``) logged on the metrics schedule by
    ``LazinessMetricsCallback`` (the polynomial task's loss decomposition, teacher-student
    thresholded accuracy)."""

    def extra_metrics(self, model: nn.Module) -> dict[str, Tensor]: ...


def check_task(task: object) -> SupervisedTask:
    """``task`` itself if it satisfies ``SupervisedTask`` with a known ``accuracy``; otherwise a
    ``TypeError`` (missing members) or ``ValueError`` (unknown accuracy) naming what is wrong."""
    members = ("accuracy", "train_batch", "eval_batches", "probe_inputs", "model_kwargs", "loss")
    missing = [name for name in members if not hasattr(task, name)]
    if missing:
        raise TypeError(
            f"{type(task).__name__} is not a SupervisedTask (grokrewarm.domains.task): "
            f"it lacks {', '.join(missing)}"
        )
    if task.accuracy not in ACCURACIES:
        raise ValueError(
            f"{type(task).__name__}.accuracy is {task.accuracy!r}; choose one of {ACCURACIES}"
        )
    return task


def count_correct(accuracy: Accuracy, outputs: Tensor, targets: Tensor) -> Tensor | None:
    """Correct predictions in a batch as a device scalar, or ``None`` for ``"none"``."""
    if accuracy == "argmax":
        return (outputs.argmax(-1) == targets).sum()
    if accuracy == "onehot":
        return (outputs.argmax(-1) == targets.argmax(-1)).sum()
    if accuracy == "logit":
        return ((outputs.reshape(targets.shape) > 0) == targets.bool()).sum()
    if accuracy == "none":
        return None
    raise ValueError(f"unknown accuracy {accuracy!r}; choose one of {ACCURACIES}")


def split_batches(
    splits: Mapping[str, Batch], batch_size: int = DEFAULT_EVAL_BATCH_SIZE
) -> dict[str, list[Batch]]:
    """Whole tensor splits as ``eval_batches``: consecutive slices of ``batch_size`` examples."""
    if batch_size < 1:
        raise ValueError(f"eval batch size must be >= 1, got {batch_size}")
    size = batch_size
    return {
        split: [(x[i : i + size], y[i : i + size]) for i in range(0, len(y), size)]
        for split, (x, y) in splits.items()
    }
