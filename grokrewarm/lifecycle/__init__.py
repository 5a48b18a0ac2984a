"""The run folder's lifecycle, written once for every runner (Lightning and Atari).

``run_job(cfg, run_dir, runner, fit)`` refuses a config that cannot run (keys no schema declares,
``resume``, config groups the runner does not consume), holds the run folder against a second
writer (``lock``), skips a finished run (``DONE``), writes the resolved config and metadata,
trains through ``fit``, turns a non-finite loss into a ``diverged`` record, records an exception
as ``FAILED`` and always closes W&B. The runner keeps only its own loop: Lightning's fit, or the
RL loop in frames; both write and choose checkpoints through ``checkpoints`` (written whole, the
one before kept, loaded ``weights_only``, the previous one when the last does not load).
"""

from grokrewarm.lifecycle.checkpoints import (
    CheckpointFiles,
    CheckpointWriteError,
    NoCheckpointLoads,
    choose_resume,
)
from grokrewarm.lifecycle.divergence import NonFiniteGuard, NonFiniteLoss
from grokrewarm.lifecycle.folder import (
    BUSY,
    DIVERGED,
    FINISHED,
    EndRecord,
    RunFolder,
    read_metadata,
)
from grokrewarm.lifecycle.groups import UnconsumedGroupError, refuse_unconsumed
from grokrewarm.lifecycle.job import (
    Runner,
    build_loggers,
    hold_folder,
    refuse_before_start,
    run_job,
)
from grokrewarm.lifecycle.lock import RunFolderBusy, RunLock
from grokrewarm.lifecycle.rng import restore_rng, rng_state
from grokrewarm.lifecycle.signals import PreemptionSignal

__all__ = [
    "BUSY",
    "CheckpointFiles",
    "CheckpointWriteError",
    "DIVERGED",
    "FINISHED",
    "EndRecord",
    "NonFiniteGuard",
    "NoCheckpointLoads",
    "NonFiniteLoss",
    "PreemptionSignal",
    "RunFolder",
    "RunFolderBusy",
    "RunLock",
    "Runner",
    "UnconsumedGroupError",
    "build_loggers",
    "choose_resume",
    "hold_folder",
    "read_metadata",
    "refuse_before_start",
    "refuse_unconsumed",
    "restore_rng",
    "rng_state",
    "run_job",
]
