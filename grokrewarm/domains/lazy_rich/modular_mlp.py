"""Modular addition with a one-hidden-layer MLP and vanilla GD (Kumar et al. 2024, Section 3,
App. 8.3, Fig. 2): grokking with no weight decay while the weight norm grows.

Inputs are the concatenated one-hot codes of ``a`` and ``b`` (``D = 2p``), targets the one-hot
code of ``(a + b) mod p``, loss MSE on those targets. The paper gives ``p = 23``, ``N = 100``,
90% of the ``p^2`` pairs for training and ``eta = 100``, and says its results agree with Gromov
(2023); the rest follows the authors' released code: quadratic activation (Gromov's),
no biases, every weight ``N(0, 1)``, output divided by ``D * N``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from grokrewarm.domains.lazy_rich.tensor_task import LossKind, TensorTask

DEFAULT_P = 23
DEFAULT_TRAIN_FRACTION = 0.9
DEFAULT_WIDTH = 100
LEARNING_RATE = 100.0  # full-batch GD, App. 8.3


@dataclass(frozen=True)
class ModularAdditionData:
    """One-hot inputs ``[n, 2p]``, one-hot targets ``[n, p]`` and integer answers ``[n]``."""

    x_train: Tensor
    y_train: Tensor
    labels_train: Tensor
    x_test: Tensor
    y_test: Tensor
    labels_test: Tensor
    p: int


def modular_addition_data(
    p: int = DEFAULT_P,
    train_fraction: float = DEFAULT_TRAIN_FRACTION,
    seed: int = 0,
    dtype=torch.float32,
) -> ModularAdditionData:
    """All ``p^2`` pairs ``(a, b)``, split at random by ``seed`` into train and test.

    The train set has ``round(train_fraction * p^2)`` pairs (476 of 529 for the defaults); both
    sets must be non-empty. ``p`` need not be prime (the paper also lists primes 13 to 31).
    """
    if isinstance(p, bool) or not isinstance(p, numbers.Integral) or p < 2:
        raise ValueError(f"p must be an integer >= 2, got {p!r}")
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction}")
    n_pairs = p * p
    n_train = round(train_fraction * n_pairs)
    if not 1 <= n_train <= n_pairs - 1:
        raise ValueError(
            f"train_fraction={train_fraction} of {n_pairs} pairs gives {n_train} training pairs; "
            "train and test sets must both be non-empty"
        )
    a = torch.arange(n_pairs) // p
    b = torch.arange(n_pairs) % p
    answers = (a + b) % p
    inputs = torch.cat([F.one_hot(a, p), F.one_hot(b, p)], dim=1).to(dtype)
    targets = F.one_hot(answers, p).to(dtype)
    order = torch.randperm(n_pairs, generator=torch.Generator().manual_seed(seed))
    train, test = order[:n_train], order[n_train:]
    return ModularAdditionData(
        x_train=inputs[train],
        y_train=targets[train],
        labels_train=answers[train],
        x_test=inputs[test],
        y_test=targets[test],
        labels_test=answers[test],
        p=int(p),
    )


class ModularAdditionMLP(nn.Module):
    """``f(x) = alpha / (D N) * W_2 (W_1 x)^2``: width ``N``, quadratic activation, no biases.

    ``W_1`` is ``[N, 2p]`` and ``W_2`` is ``[p, N]``, all entries ``N(0, 1)``. ``alpha`` is the
    output scale of Fig. 2(c), trained with ``eta = 100 / alpha^2`` and the loss divided by
    ``alpha^2``. (The released notebook multiplies its output by the scale twice, so its curve
    labelled ``alpha`` is ``alpha^2`` here.)
    """

    def __init__(
        self,
        p: int = DEFAULT_P,
        width: int = DEFAULT_WIDTH,
        alpha: float = 1.0,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        self.alpha = float(alpha)
        self.hidden = nn.Linear(2 * p, width, bias=False)
        self.readout = nn.Linear(width, p, bias=False)
        for layer in (self.hidden, self.readout):
            nn.init.normal_(layer.weight, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        input_dim, width = self.hidden.in_features, self.hidden.out_features
        return self.alpha / (input_dim * width) * self.readout(self.hidden(x).square())


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
