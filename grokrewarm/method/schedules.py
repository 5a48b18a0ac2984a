"""Learning-rate schedules as pure functions of the steps since the last (re-)warm.

Every schedule maps ``t`` (optimizer steps since the schedule last started) to a learning rate.
``peak_scale`` multiplies the schedule's peak only (never its floor), which is how a re-warm to a
multiple of the initial peak is expressed (Lyle et al. 2025, Fig. 13). Under Normalize-and-Project
the effective learning rate is this value divided by a constant norm, so these curves *are* the
ELR schedules of the paper.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if not value > 0:
            raise ValueError(f"{name} must be > 0, got {value}")


def _warmup_cosine(t: int, low: float, peak: float, warmup: int, length: int, final: float):
    """Linear warmup from ``low`` to ``peak`` over ``warmup`` steps, then cosine to ``final``."""
    if t < warmup:
        return low + (peak - low) * (t + 1) / warmup
    progress = min(1.0, (t - warmup) / max(1, length - warmup))
    return final + (peak - final) * 0.5 * (1.0 + math.cos(math.pi * progress))


@dataclass(frozen=True)
class ConstantSchedule:
    lr: float

    def __post_init__(self) -> None:
        _check_positive(lr=self.lr)

    def __call__(self, t: int, peak_scale: float = 1.0) -> float:
        return self.lr * peak_scale


@dataclass(frozen=True)
class WarmupCosineSchedule:
    """Linear warmup to ``peak_lr``, cosine decay to ``final_lr`` at ``total_steps``, then flat.

    Defaults follow Lyle et al. 2025 A.1: 1000 warmup steps, final learning rate 1e-4. The warmup
    starts from zero, the usual convention (the paper does not give a starting value).
    """

    peak_lr: float
    total_steps: int
    warmup_steps: int = 1000
    final_lr: float = 1e-4

    def __post_init__(self) -> None:
        _check_positive(peak_lr=self.peak_lr, total_steps=self.total_steps)
        if not 0 <= self.warmup_steps < self.total_steps:
            raise ValueError(
                f"warmup_steps must be in [0, total_steps={self.total_steps}), "
                f"got {self.warmup_steps}"
            )
        if not 0 <= self.final_lr <= self.peak_lr:
            raise ValueError(f"final_lr must be in [0, peak_lr], got {self.final_lr}")

    def __call__(self, t: int, peak_scale: float = 1.0) -> float:
        return _warmup_cosine(
            t, 0.0, self.peak_lr * peak_scale, self.warmup_steps, self.total_steps, self.final_lr
        )


@dataclass(frozen=True)
class CyclicSchedule:
    """Repeated cycles of ``period`` steps between ``min_lr`` and ``max_lr``.

    Each cycle re-warms linearly from ``min_lr`` to ``max_lr`` over ``warmup_fraction`` of the
    period, then anneals with a cosine back to ``min_lr`` (the shape of the grokking schedule,
    repeated; the paper gives the bounds and the period but not the shape inside a cycle).
    """

    min_lr: float
    max_lr: float
    period: int
    warmup_fraction: float = 0.1

    def __post_init__(self) -> None:
        _check_positive(min_lr=self.min_lr, max_lr=self.max_lr, period=self.period)
        if self.min_lr > self.max_lr:
            raise ValueError(f"min_lr {self.min_lr} is above max_lr {self.max_lr}")
        if not 0 <= self.warmup_fraction < 1:
            raise ValueError(f"warmup_fraction must be in [0, 1), got {self.warmup_fraction}")

    @property
    def warmup_steps(self) -> int:
        return int(self.warmup_fraction * self.period)

    def __call__(self, t: int, peak_scale: float = 1.0) -> float:
        return _warmup_cosine(
            t % self.period,
            self.min_lr,
            self.max_lr * peak_scale,
            self.warmup_steps,
            self.period,
            self.min_lr,
        )


@dataclass(frozen=True)
class EarlyStoppedCyclicSchedule(CyclicSchedule):
    """``n_cycles`` cycles of :class:`CyclicSchedule`, then ``final_lr`` (Fig. 7, 10, 11)."""

    n_cycles: int = 10
    final_lr: float | None = None  # None: hold min_lr after the last cycle

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.n_cycles < 1:
            raise ValueError(f"n_cycles must be >= 1, got {self.n_cycles}")

    @property
    def stop_step(self) -> int:
        return self.n_cycles * self.period

    def __call__(self, t: int, peak_scale: float = 1.0) -> float:
        if t >= self.stop_step:
            return self.min_lr if self.final_lr is None else self.final_lr
        return super().__call__(t, peak_scale)


@dataclass(frozen=True)
class OffsetSchedule:
    """Hold ``hold_lr`` for ``offset`` steps, then run ``schedule`` from its start (Fig. 3)."""

    hold_lr: float
    offset: int
    schedule: object

    def __post_init__(self) -> None:
        _check_positive(hold_lr=self.hold_lr)
        if self.offset < 0:
            raise ValueError(f"offset must be >= 0, got {self.offset}")

    def __call__(self, t: int, peak_scale: float = 1.0) -> float:
        if t < self.offset:
            return self.hold_lr
        return self.schedule(t - self.offset, peak_scale)


@dataclass(frozen=True)
class EarlyStoppedSchedule:
    """Run ``schedule`` until ``stop_step``, then hold ``final_lr`` (Lyle et al. 2025 Fig. 11:
    stop cycling at 3/4 of the budget and hold 1e-7, a stop that need not fall on a cycle end)."""

    schedule: object
    stop_step: int
    final_lr: float

    def __post_init__(self) -> None:
        _check_positive(stop_step=self.stop_step, final_lr=self.final_lr)

    def __call__(self, t: int, peak_scale: float = 1.0) -> float:
        if t >= self.stop_step:
            return self.final_lr
        return self.schedule(t, peak_scale)
