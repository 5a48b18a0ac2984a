"""Modular arithmetic ``x op y mod p`` (Lyle et al. 2025, Section 4 and A.1).

Each example is the five-token sequence ``x op y = blank`` and the answer is predicted at the
blank. All ``p * p`` ordered pairs are split at random by seed, so ``(x, y)`` and ``(y, x)`` are
separate examples that can land on different sides (A.1). The whole data set lives in tensors
on the training device; batches are gathered there, in an order that is a pure function of
(seed, step), so a resumed run sees exactly the batches an uninterrupted one would.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from grokrewarm.domains.ordering import SeededBatches
from grokrewarm.domains.task import DEFAULT_EVAL_BATCH_SIZE, Accuracy, split_batches

OPERATIONS = {
    "+": lambda x, y, p: (x + y) % p,
    "-": lambda x, y, p: (x - y) % p,
    "*": lambda x, y, p: (x * y) % p,
    "/": lambda x, y, p: (x * pow_mod(y, p - 2, p)) % p,  # Fermat inverse, p prime
}


LOSS_DTYPES = {"float32": torch.float32, "float64": torch.float64}


def pow_mod(base: Tensor, exponent: int, modulus: int) -> Tensor:
    result = torch.ones_like(base)
    base = base % modulus
    while exponent:
        if exponent & 1:
            result = (result * base) % modulus
        base = (base * base) % modulus
        exponent >>= 1
    return result


def _is_prime(n: int) -> bool:
    return n >= 2 and all(n % k for k in range(2, math.isqrt(n) + 1))


class ModularArithmeticTask(nn.Module):
    """Train/test splits of ``x op y mod p`` as device-resident buffers; a ``SupervisedTask``
    (``grokrewarm.domains.task``) with cross-entropy and argmax accuracy.

    Token ids: ``0..p-1`` are the numbers, then ``op``, ``=`` and the blank answer slot.
    ``batch_size=None`` trains full-batch (the grokking literature's default, e.g. Nanda et al.).
    ``loss_dtype="float64"`` computes the cross-entropy in double precision, as Nanda et al.'s
    code does: once the training loss nears float32's resolution (~1e-7), the correct class's
    gradient ``p - 1`` rounds to 0 while weight decay goes on, and the loss spikes.
    """

    sequence_length = 5
    accuracy: Accuracy = "argmax"
    eval_batch_size = DEFAULT_EVAL_BATCH_SIZE

    def __init__(
        self,
        p: int = 117,
        op: str = "+",
        train_fraction: float = 0.2,
        seed: int = 0,
        batch_size: int | None = None,
        probe_size: int = 512,
        loss_dtype: str = "float32",
    ) -> None:
        super().__init__()
        if loss_dtype not in LOSS_DTYPES:
            raise ValueError(f"loss_dtype must be one of {sorted(LOSS_DTYPES)}, got {loss_dtype!r}")
        self.loss_dtype = LOSS_DTYPES[loss_dtype]
        if not isinstance(p, int) or p < 2:
            raise ValueError(f"modulus p must be an integer >= 2, got {p!r}")
        if op not in OPERATIONS:
            raise ValueError(f"unknown operation {op!r}; choose one of {sorted(OPERATIONS)}")
        if op == "/" and not _is_prime(p):
            raise ValueError(f"division mod p needs a prime p, got {p}")
        if not 0.0 < train_fraction < 1.0:
            raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction}")
        self.p, self.op, self.seed = p, op, seed
        x, y = torch.cartesian_prod(torch.arange(p), torch.arange(p)).unbind(1)
        if op == "/":  # y = 0 has no inverse
            x, y = x[y != 0], y[y != 0]
        answers = OPERATIONS[op](x, y, p)
        tokens = torch.stack(
            [x, torch.full_like(x, p), y, torch.full_like(x, p + 1), torch.full_like(x, p + 2)],
            dim=1,
        )
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
        n_train = round(train_fraction * len(x))
        if not 0 < n_train < len(x):
            raise ValueError(f"train_fraction {train_fraction} leaves an empty split for p={p}")
        train, test = order[:n_train], order[n_train:]
        self.register_buffer("train_tokens", tokens[train], persistent=False)
        self.register_buffer("train_labels", answers[train], persistent=False)
        self.register_buffer("test_tokens", tokens[test], persistent=False)
        self.register_buffer("test_labels", answers[test], persistent=False)
        self.batches = SeededBatches(n_train, batch_size, seed)
        probe = torch.randperm(n_train, generator=torch.Generator().manual_seed(seed + 1))
        self.register_buffer("probe_index", probe[: min(probe_size, n_train)], persistent=False)

    @property
    def batch_size(self) -> int:
        return self.batches.batch_size

    @property
    def batches_per_epoch(self) -> int:
        return self.batches.batches_per_epoch

    @property
    def vocab_size(self) -> int:
        return self.p + 3

    @property
    def num_classes(self) -> int:
        return self.p

    def model_kwargs(self) -> dict:
        """What a model needs to know about this task to be built."""
        return {
            "vocab_size": self.vocab_size,
            "num_classes": self.num_classes,
            "sequence_length": self.sequence_length,
        }

    def loss(self, outputs: Tensor, targets: Tensor) -> Tensor:
        return F.cross_entropy(outputs.to(self.loss_dtype), targets).to(outputs.dtype)

    def train_batch(self, step: int) -> tuple[Tensor, Tensor]:
        """The batch for optimizer step ``step``: a reshuffle per epoch, seeded by (seed, epoch)."""
        if self.batches.full_batch:
            return self.train_tokens, self.train_labels
        rows = self.batches.indices(step, self.train_tokens.device)
        return self.train_tokens[rows], self.train_labels[rows]

    def eval_splits(self) -> dict[str, tuple[Tensor, Tensor]]:
        return {
            "train": (self.train_tokens, self.train_labels),
            "test": (self.test_tokens, self.test_labels),
        }

    def eval_batches(self) -> dict[str, list[tuple[Tensor, Tensor]]]:
        return split_batches(self.eval_splits(), self.eval_batch_size)

    def probe_inputs(self) -> Tensor:
        """A fixed subset of training inputs on which feature-learning metrics are measured."""
        return self.train_tokens[self.probe_index]
