"""``launcher=parallel``: Hydra's joblib launcher, with its workers stopped once the jobs end.

The jobs run in joblib's reusable worker processes (loky). Each job writes and closes all it owns
(its run folder's records, metrics, checkpoint, W&B run) before it returns, so once every job
has returned the workers are killed: left alone, each would tear torch down at interpreter exit,
seconds per worker that the sweep's command waits for before it ends.
"""

from __future__ import annotations

from collections.abc import Sequence

from hydra.core.utils import JobReturn
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher


class ParallelLauncher(JoblibLauncher):
    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        try:
            return super().launch(job_overrides, initial_job_idx)
        finally:
            stop_workers()


def stop_workers() -> None:
    """Kill joblib's worker processes (and their children) now, if it has any."""
    from joblib.externals.loky import reusable_executor

    executor = reusable_executor._executor  # joblib's one reusable executor; no public handle
    if executor is not None:
        executor.shutdown(wait=True, kill_workers=True)
