"""Divergence as a result: a non-finite training loss stops the run with a clear line.

:class:`NonFiniteGuard` watches every step's loss on the device without a host sync: it keeps
the first step whose loss was NaN or infinite as a device scalar. ``check()`` reads that scalar
(one sync) and raises :class:`NonFiniteLoss`; runners call it every ``check_every`` steps and
before any metric row, so no metric code runs on NaN weights.
"""

from __future__ import annotations

import torch
from torch import Tensor


class NonFiniteLoss(RuntimeError):
    def __init__(self, loss_name: str, unit: str, at: int) -> None:
        self.loss_name, self.unit, self.at = loss_name, unit, at
        super().__init__(f"the training loss {loss_name!r} became non-finite at {unit} {at:,}")


class NonFiniteGuard:
    def __init__(self, loss_name: str, unit: str = "step", check_every: int = 100) -> None:
        if check_every < 1:
            raise ValueError(f"check_every must be >= 1, got {check_every}")
        self.loss_name, self.unit, self.check_every = loss_name, unit, check_every
        self._first_bad: Tensor | None = None  # -1 while every loss so far was finite

    def observe(self, loss: Tensor, at: int) -> None:
        """Note ``loss`` (a device scalar) of ``unit`` ``at``; no host sync."""
        if self._first_bad is None:
            self._first_bad = torch.full((), -1, dtype=torch.long, device=loss.device)
        bad = ~torch.isfinite(loss.detach()) & (self._first_bad < 0)
        self._first_bad = torch.where(bad, at, self._first_bad)

    def check(self) -> None:
        """Raise :class:`NonFiniteLoss` if any observed loss was not finite (one host sync)."""
        if self._first_bad is not None:
            first = int(self._first_bad)
            if first >= 0:
                raise NonFiniteLoss(self.loss_name, self.unit, first)

    def maybe_check(self, step: int) -> None:
        if step % self.check_every == 0:
            self.check()
