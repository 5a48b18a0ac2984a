"""Data order as a pure function of (seed, step), so a resumed run sees the batches an
uninterrupted one would without a stateful sampler. ``SeededBatches`` is the one batching helper
every task uses."""

from __future__ import annotations

import torch
from torch import Tensor


def epoch_permutation(n: int, seed: int, epoch: int) -> Tensor:
    """The order of ``n`` samples in ``epoch`` (a CPU tensor); seeds never collide for epochs
    below 1_000_003."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(n, generator=generator)


def to_device(tensor: Tensor, device: torch.device) -> Tensor:
    """``tensor`` (on the CPU) on ``device``. To a CUDA device it is copied from pinned memory
    with ``non_blocking``: the copy is queued behind the running kernels instead of waiting for
    them (a copy from pageable memory waits for the stream). The pinned buffer is kept by
    torch's caching host allocator until the copy has finished."""
    if device.type == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device)


class SeededBatches:
    """The rows of ``n`` training examples that optimizer step ``step`` trains on.

    An epoch is ``n // batch_size`` batches (a remainder of fewer than ``batch_size`` examples
    is left out of that epoch), taken in the order ``epoch_permutation(n, seed, epoch_offset +
    epoch)``; ``batch_size=None`` (or at least ``n``) is one batch of all ``n`` per step
    (``full_batch``, which tasks serve without gathering). ``epoch_offset`` keeps the orders of
    a second phase over other examples apart from the first's (the warm-start task's). One
    permutation is kept per epoch and device, so a step costs one slice.
    """

    def __init__(self, n: int, batch_size: int | None, seed: int, epoch_offset: int = 0) -> None:
        if n < 1:
            raise ValueError(f"need at least one training example, got n={n}")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be >= 1 or null (full batch), got {batch_size}")
        self.n, self.seed, self.epoch_offset = n, seed, epoch_offset
        self.batch_size = n if batch_size is None else min(batch_size, n)
        self.batches_per_epoch = n // self.batch_size
        self._order: tuple[tuple[int, torch.device | None], Tensor] | None = None

    @property
    def full_batch(self) -> bool:
        return self.batch_size == self.n

    def position(self, step: int) -> tuple[int, int]:
        """``(epoch, batch index within the epoch)`` of step ``step``."""
        if step < 0:
            raise ValueError(f"step must be >= 0, got {step}")
        return divmod(step, self.batches_per_epoch)

    def indices(self, step: int, device: torch.device | None = None) -> Tensor:
        """Positions (``0..n-1``, int64, on ``device``; CPU if ``None``) of step ``step``'s
        batch, ``batch_size`` of them."""
        epoch, index = self.position(step)
        key = (epoch, None if device is None else torch.device(device))
        if self._order is None or self._order[0] != key:  # one permutation per epoch
            order = epoch_permutation(self.n, self.seed, self.epoch_offset + epoch)
            self._order = (key, order if key[1] is None else to_device(order, key[1]))
        return self._order[1][index * self.batch_size : (index + 1) * self.batch_size]
