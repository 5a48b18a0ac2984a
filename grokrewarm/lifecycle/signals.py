"""The preemption signal: note it, save at the next step boundary, hand it on.

Slurm (through submitit, which asks for ``--signal=USR2@90``) sends SIGUSR2 before a time limit
or a preemption; a scheduler or a user sends SIGTERM. The handler only notes the signal; the
training loop calls :meth:`PreemptionSignal.hand_on` after the current step (so the checkpoint is
consistent), which saves, puts the previous handlers back and re-sends the signal to this
process, so submitit requeues the job or the default action ends it.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable


class PreemptionSignal:
    SIGNALS = ("SIGUSR2", "SIGTERM")

    def __init__(self) -> None:
        self._previous: dict[int, object] = {}
        self.pending: int | None = None

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # handlers can only be set from the main thread
        for name in self.SIGNALS:
            number = getattr(signal, name)
            self._previous[number] = signal.signal(number, self._note)

    def _note(self, signum: int, frame) -> None:
        self.pending = signum

    def hand_on(self, save: Callable[[], None]) -> None:
        """If a signal is pending: ``save()``, restore the previous handlers, re-send it."""
        if self.pending is None:
            return
        save()
        signum, self.pending = self.pending, None
        self.restore()
        os.kill(os.getpid(), signum)  # the previous handler (or the default action) runs now

    def restore(self) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous = {}
