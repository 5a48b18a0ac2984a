"""The re-warm controller: an LR schedule that a trigger can restart (Lyle et al. 2025, Alg. 1).

It owns the only state that shapes the learning rate (when the schedule last started and how many
re-warms happened), writes ``group["lr"] = schedule(t) * group["lr_scale"]`` into every optimizer
parameter group, and saves that state for exact resume. ``lr_scale`` (default 1) is the hook for
per-layer learning-rate multipliers.
"""

from __future__ import annotations

from torch.optim import Optimizer

from grokrewarm.method.triggers import NeverTrigger


class RewarmController:
    """Drive ``optimizer``'s learning rates from ``schedule``, restarted when ``trigger`` fires.

    ``rewarm_peak_scale`` multiplies the schedule's peak after the first re-warm (Fig. 13:
    re-warming above the initial learning rate).
    """

    def __init__(self, schedule, trigger=None, rewarm_peak_scale: float = 1.0) -> None:
        if rewarm_peak_scale <= 0:
            raise ValueError(f"rewarm_peak_scale must be > 0, got {rewarm_peak_scale}")
        self.schedule = schedule
        self.trigger = trigger if trigger is not None else NeverTrigger()
        self.rewarm_peak_scale = rewarm_peak_scale
        self.restart_step = 0
        self.rewarm_steps: list[int] = []

    @property
    def needs_loss(self) -> bool:
        return self.trigger.needs_loss

    @property
    def observe_every(self) -> int:
        return self.trigger.observe_every

    def lr(self, step: int) -> float:
        """The base learning rate at optimizer step ``step`` (before per-group ``lr_scale``)."""
        peak_scale = self.rewarm_peak_scale if self.rewarm_steps else 1.0
        return self.schedule(step - self.restart_step, peak_scale)

    def rewarm(self, step: int) -> None:
        """Restart the schedule at ``step`` (a trigger fired, or the caller saw a task change)."""
        self.restart_step = step
        self.rewarm_steps.append(step)

    def observe(self, step: int, loss: float | None = None) -> bool:
        """Let the trigger see ``step`` (and the windowed loss); re-warm if it fires."""
        fired = self.trigger.update(step, loss)
        if fired:
            self.rewarm(step)
        return fired

    def apply(self, optimizer: Optimizer, step: int) -> float:
        """Write the learning rate for ``step`` into every parameter group; return the base LR."""
        lr = self.lr(step)
        for group in optimizer.param_groups:
            group["lr"] = lr * group.get("lr_scale", 1.0)
        return lr

    def state_dict(self) -> dict:
        return {
            "restart_step": self.restart_step,
            "rewarm_steps": list(self.rewarm_steps),
            "trigger": self.trigger.state_dict(),
        }

    def load_state_dict(self, state: dict) -> None:
        self.restart_step = state["restart_step"]
        self.rewarm_steps = list(state["rewarm_steps"])
        self.trigger.load_state_dict(state["trigger"])
