"""Overrides that several test modules share."""

# Seconds-long runs with a metrics row every 5 steps (a checkpoint every 20).
SMOKE = ["budget=smoke", "trainer.enable_progress_bar=false", "budget.metrics_every=5"]

# CUSUM re-warming tuned to fire several times in 60 smoke steps, on 4-step loss windows: the
# trigger's state is what a resume most easily gets wrong.
CUSUM_FIRING_OFTEN = [
    "rewarm=cusum",
    "projection=nap",
    "rewarm.length=15",
    "rewarm.controller.trigger.observe_every=4",
    "rewarm.controller.trigger.warmup=2",
    "rewarm.controller.trigger.cooldown=1",
    "rewarm.controller.trigger.threshold=0.5",
    "rewarm.controller.trigger.drift=0.0",
    "rewarm.controller.trigger.direction=both",
]
