"""Count the reads of tensor values by the host (``item``, ``tolist``, ``cpu``, ``float()``, ...)
and the Python numbers turned into tensors, the two ways code waits for a CUDA device."""

from __future__ import annotations

import contextlib
from collections import Counter

import torch

READS = ("item", "tolist", "cpu", "numpy", "__float__", "__int__", "__bool__", "__index__")


@contextlib.contextmanager
def counting_host_syncs(monkeypatch):
    """Yield a ``Counter`` of the host reads (by method name) and of ``torch.tensor`` /
    ``torch.as_tensor`` calls made from Python numbers (``"from_number"``) inside the block."""
    counts: Counter = Counter()
    for name in READS:
        original = getattr(torch.Tensor, name)

        def read(self, *args, _original=original, _name=name, **kwargs):
            counts[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, read)
    for name in ("tensor", "as_tensor"):
        original = getattr(torch, name)

        def make(data, *args, _original=original, **kwargs):
            if isinstance(data, int | float | bool):
                counts["from_number"] += 1
            return _original(data, *args, **kwargs)

        monkeypatch.setattr(torch, name, make)
    try:
        yield counts
    finally:
        monkeypatch.undo()
