"""Overrides shared by the resume and interruption tests."""

import pytest


@pytest.fixture(scope="session")
def smoke() -> list[str]:
    """Seconds-long runs with a metrics row every 5 steps and a checkpoint every 20."""
    return ["budget=smoke", "trainer.enable_progress_bar=false", "budget.metrics_every=5"]


@pytest.fixture(scope="session")
def cusum_firing_often() -> list[str]:
    """CUSUM re-warming tuned to fire several times in 60 smoke steps, 4-step loss windows."""
    return [
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
