"""Data order as a pure function of (seed, epoch), so a resumed run sees the batches an
uninterrupted one would without a stateful sampler."""

from __future__ import annotations

import torch
from torch import Tensor


def epoch_permutation(n: int, seed: int, epoch: int) -> Tensor:
    """The order of ``n`` samples in ``epoch`` (a CPU tensor); seeds never collide for epochs
    below 1_000_003."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(n, generator=generator)
