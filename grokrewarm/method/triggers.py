"""Re-warm triggers: when should the LR schedule restart (Lyle et al. 2025, Algorithm 1).

A trigger is asked ``update(step, loss)`` and answers whether to re-warm now. ``needs_loss`` says
whether it reads the loss; the training loop then hands it the *mean* training loss over the last
``observe_every`` steps, so the loss crosses to the host once per window instead of every step.
All state is plain Python, saved with ``state_dict`` so a resumed run fires exactly as an
uninterrupted one would.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable

# d2 for subgroups of two: E|x_t - x_(t-1)| = 1.128 sigma for independent normal observations
MOVING_RANGE_D2 = 1.128


class NeverTrigger:
    """No re-warming: the schedule runs once from step 0."""

    needs_loss = False
    observe_every = 1

    def update(self, step: int, loss: float | None = None) -> bool:
        return False

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class FixedStepsTrigger:
    """Re-warm at the given steps, and/or every ``every`` steps (a fixed re-warm plan).

    It fires when the observed step reaches or passes a planned one, so a loop whose step count
    moves in jumps (Atari's frames: 4 per agent step per environment) re-warms at the first
    observation past each planned frame; observed every step, that is exactly the planned step.
    """

    needs_loss = False
    observe_every = 1

    def __init__(self, steps: Iterable[int] = (), every: int | None = None) -> None:
        self.steps = tuple(sorted({int(s) for s in steps}))
        if any(s <= 0 for s in self.steps):
            raise ValueError(f"re-warm steps must be > 0, got {list(self.steps)}")
        if every is not None and every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        if not self.steps and every is None:
            raise ValueError("FixedStepsTrigger needs steps, every, or both")
        self.every = every
        self.last_step: int | None = None  # the previous observation (None: none yet)

    def update(self, step: int, loss: float | None = None) -> bool:
        last = step - 1 if self.last_step is None else self.last_step
        self.last_step = step
        if step <= last:
            return False
        planned = bisect.bisect_right(self.steps, step) > bisect.bisect_right(self.steps, last)
        periodic = self.every is not None and step // self.every > max(last, 0) // self.every
        return planned or periodic

    def state_dict(self) -> dict:
        return {"last_step": self.last_step}

    def load_state_dict(self, state: dict) -> None:
        self.last_step = state.get("last_step")  # checkpoints before it: the next step's own


class CusumTrigger:
    """Two-sided CUSUM changepoint detector on the training loss (Page, 1954).

    Each observation is standardized against a reference: the mean of the ``warmup`` observations
    before it, and the standard deviation from their moving range (mean |x_t - x_(t-1)| / 1.128,
    Montgomery's estimate for individual observations). The statistics
    ``g+ = max(0, g+ + z - drift)`` and ``g- = max(0, g- - z - drift)`` accumulate evidence of an
    upward or downward shift, and an alarm is raised when one exceeds ``threshold``. After an
    alarm both sums reset, the detector ignores ``cooldown`` observations (the re-warm itself moves
    the loss) and then waits for ``warmup`` fresh observations before it can fire again.

    The reference rolls because a training loss is not stationary: frozen over the first
    ``warmup`` observations, while the loss falls from its initial value, its mean and spread
    stayed at the descent's, and a later jump smaller than that descent (new data that is half
    the training set, Lyle Fig. 5 at 50%) was never detected. The moving range measures the
    window-to-window noise, not the trend.

    ``direction`` limits alarms to ``"up"`` (loss jumps, e.g. new data arriving) or ``"down"``.
    """

    needs_loss = True

    def __init__(
        self,
        threshold: float = 5.0,
        drift: float = 0.5,
        warmup: int = 20,
        cooldown: int = 20,
        observe_every: int = 10,
        direction: str = "both",
        min_std: float = 1e-8,
    ) -> None:
        if threshold <= 0 or drift < 0:
            raise ValueError(f"need threshold > 0 and drift >= 0, got {threshold}, {drift}")
        if warmup < 2:
            raise ValueError(f"warmup must be >= 2 observations to estimate a std, got {warmup}")
        if cooldown < 0 or observe_every < 1:
            raise ValueError(
                f"need cooldown >= 0 and observe_every >= 1, got {cooldown}, {observe_every}"
            )
        if direction not in ("both", "up", "down"):
            raise ValueError(f"direction must be 'both', 'up' or 'down', got {direction!r}")
        self.threshold = threshold
        self.drift = drift
        self.warmup = warmup
        self.cooldown = cooldown
        self.observe_every = observe_every
        self.direction = direction
        self.min_std = min_std
        self._reset(cooldown=0)
        self.alarms: list[int] = []

    def _reset(self, cooldown: int) -> None:
        self.g_up = 0.0
        self.g_down = 0.0
        self.cooldown_left = cooldown
        self.reference: list[float] = []

    @property
    def mean(self) -> float | None:
        """The reference mean (None until ``warmup`` observations are in)."""
        if len(self.reference) < self.warmup:
            return None
        return sum(self.reference) / len(self.reference)

    @property
    def std(self) -> float | None:
        """The reference standard deviation from the moving range, floored."""
        mean = self.mean
        if mean is None:
            return None
        ranges = [abs(b - a) for a, b in zip(self.reference, self.reference[1:], strict=False)]
        sigma = sum(ranges) / len(ranges) / MOVING_RANGE_D2
        return max(sigma, self.min_std, 1e-3 * abs(mean))

    def update(self, step: int, loss: float | None = None) -> bool:
        if loss is None:
            raise ValueError("CusumTrigger needs the training loss")
        if not math.isfinite(loss):
            return False  # a diverged step says nothing about a change in the data
        if self.cooldown_left > 0:
            self.cooldown_left -= 1
            return False
        mean, std = self.mean, self.std
        self.reference = [*self.reference, loss][-self.warmup :]
        if mean is None:
            return False
        z = (loss - mean) / std
        self.g_up = max(0.0, self.g_up + z - self.drift)
        self.g_down = max(0.0, self.g_down - z - self.drift)
        fired = (self.direction != "down" and self.g_up > self.threshold) or (
            self.direction != "up" and self.g_down > self.threshold
        )
        if fired:
            self.alarms.append(step)
            self._reset(cooldown=self.cooldown)
        return fired

    def state_dict(self) -> dict:
        return {
            "g_up": self.g_up,
            "g_down": self.g_down,
            "cooldown_left": self.cooldown_left,
            "reference": list(self.reference),
            "alarms": list(self.alarms),
        }

    def load_state_dict(self, state: dict) -> None:
        self.g_up, self.g_down = state["g_up"], state["g_down"]
        self.cooldown_left = state["cooldown_left"]
        self.reference = list(state["reference"])[-self.warmup :]
        self.alarms = list(state["alarms"])
