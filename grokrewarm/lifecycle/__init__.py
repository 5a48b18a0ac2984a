"""The run folder's lifecycle, written once for every runner (Lightning and Atari).

``run_job(cfg, run_dir, runner, fit)`` refuses config groups the runner does not consume, skips a
finished run (``DONE``), writes the resolved config and metadata, trains through ``fit``, turns a
non-finite loss into a ``diverged`` record, records an exception as ``FAILED`` and always closes
W&B. The runner keeps only its own loop: Lightning's fit, or the RL loop in frames.
"""

from grokrewarm.lifecycle.divergence import NonFiniteGuard, NonFiniteLoss
from grokrewarm.lifecycle.folder import (
    DIVERGED,
    FINISHED,
    EndRecord,
    RunFolder,
    read_metadata,
)
from grokrewarm.lifecycle.groups import UnconsumedGroupError, refuse_unconsumed
from grokrewarm.lifecycle.job import Runner, build_loggers, run_job
from grokrewarm.lifecycle.rng import restore_rng, rng_state
from grokrewarm.lifecycle.signals import PreemptionSignal

__all__ = [
    "DIVERGED",
    "FINISHED",
    "EndRecord",
    "NonFiniteGuard",
    "NonFiniteLoss",
    "PreemptionSignal",
    "RunFolder",
    "Runner",
    "UnconsumedGroupError",
    "build_loggers",
    "read_metadata",
    "refuse_unconsumed",
    "restore_rng",
    "rng_state",
    "run_job",
]
