"""One writer per run folder: ``<run>/LOCK``, held for the whole job.

Two processes on one run folder (a sweep submitted again while its first submission's jobs still
run, a requeued job overlapping a straggler) would both train and both append to ``metrics.csv``.
The first to start holds the folder; a second start stops at once with :class:`RunFolderBusy`,
naming the folder and the holder, before it reads or writes any of the run's files.

How the folder is held, in order of preference:

- **An OS lock** (``flock``) on ``LOCK``, which the kernel drops when the process dies however it
  dies, so a stale holder cannot exist. ``LOCK`` names the holder (host, pid, job id, start time)
  for messages and ``sweep_status``; the holder removes it when it ends, and a ``LOCK`` left by a
  killed holder is simply taken over (nobody holds its lock). Network filesystems pass ``flock``
  on to the server (NFS since Linux 2.6.12, Lustre mounted with ``-o flock``, GPFS).
- **A lock file**, where the filesystem refuses ``flock`` (Lustre without ``-o flock``, some FUSE
  mounts): ``LOCK`` is created exclusively (``O_EXCL``) and its holder touches it every
  :data:`HEARTBEAT_S` seconds. A ``LOCK`` is stale, and taken over, when its holder is on this
  host and that process is gone (its pid is not running, or runs a process that started later,
  or the host rebooted), or when it is on another host and its heartbeat is older than
  :data:`STALE_AFTER_S`.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import socket
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_NAME = "LOCK"
HEARTBEAT_S = 60.0
STALE_AFTER_S = 600.0  # ten missed heartbeats
# errno values with which a filesystem says it does not do flock
_NO_FLOCK = {errno.ENOLCK, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL}
# another process may hold the lock for a moment without owning the folder (sweep_status's
# probe): a start tries this many times, this far apart, before it calls the folder busy
_TRIES, _TRY_EVERY_S = 5, 0.1


class RunFolderBusy(RuntimeError):
    """Another live process holds the run folder."""

    def __init__(self, folder: Path, holder: dict | None) -> None:
        self.folder, self.holder = folder, holder or {}
        super().__init__(f"{folder} is busy: {describe_holder(self.holder)} is training it")


def describe_holder(holder: dict) -> str:
    """``pid 123 on host node7 (job 45_1), since 2026-12-06 15:55:47 UTC``."""
    if not holder:
        return "another process (it has not yet written its name)"
    text = f"pid {holder.get('pid', '?')} on host {holder.get('host', '?')}"
    if holder.get("job_id"):
        text += f" (job {holder['job_id']})"
    if holder.get("started"):
        text += f", since {holder['started']}"
    return text


def _boot_id() -> str | None:
    with contextlib.suppress(OSError):
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    return None


def _process_start(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (``/proc/<pid>/stat`` field 22)."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[19])
    return None


def _job_id() -> str | None:
    """The launcher's id of this job: Hydra's (the submitit job id under the submitit launchers),
    else Slurm's."""
    with contextlib.suppress(Exception):
        from hydra.core.hydra_config import HydraConfig

        if HydraConfig.initialized():
            job_id = HydraConfig.get().job.get("id")
            if job_id and not str(job_id).startswith("???"):
                return str(job_id)
    array, task = os.environ.get("SLURM_ARRAY_JOB_ID"), os.environ.get("SLURM_ARRAY_TASK_ID")
    if array and task:
        return f"{array}_{task}"
    return os.environ.get("SLURM_JOB_ID") or os.environ.get("SUBMITIT_LOCAL_JOB_ID")


def this_process(mode: str) -> dict:
    """What ``LOCK`` says of its holder."""
    pid = os.getpid()
    return {
        "host": socket.gethostname(),
        "pid": pid,
        "job_id": _job_id(),
        "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "boot_id": _boot_id(),
        "pid_start": _process_start(pid),
        "mode": mode,
    }


def read_holder(path: Path) -> dict:
    """``LOCK``'s content, ``{}`` when it is empty, unreadable or gone."""
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(path.read_text())
        if isinstance(data, dict):
            return data
    return {}


def holder_is_gone(holder: dict, age_s: float) -> bool:
    """The lock-file rule for a stale ``LOCK`` (see the module docstring)."""
    if holder.get("host") == socket.gethostname():
        if holder.get("boot_id") and holder.get("boot_id") != _boot_id():
            return True  # the host rebooted since
        pid = holder.get("pid")
        if not isinstance(pid, int):
            return age_s > STALE_AFTER_S
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass  # alive, another user's
        started = holder.get("pid_start")
        return started is not None and _process_start(pid) not in (None, started)
    return age_s > STALE_AFTER_S


def _flock(fd: int, shared: bool = False) -> None:
    import fcntl

    fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)


class RunLock:
    """The run folder's lock; ``with RunLock(folder):`` holds it for the block.

    ``os_lock``: ``True`` flock only, ``False`` the lock file only, ``None`` (default) flock where
    the filesystem does it, else the lock file."""

    def __init__(self, folder: str | Path, os_lock: bool | None = None) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self.os_lock = os_lock
        self.mode: str | None = None
        self._fd: int | None = None
        self._token: str | None = None
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    # -- acquire / release -----------------------------------------------------------------

    def acquire(self) -> RunLock:
        """Hold the folder (making it if needed), or raise :class:`RunFolderBusy`."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.os_lock is not False:
            try:
                self._acquire_flock()
                self.mode = "flock"
                return self
            except OSError as error:
                if self.os_lock or error.errno not in _NO_FLOCK:
                    raise
                log.warning(
                    f"{self.folder}: the filesystem does not do flock ({error.strerror}); "
                    f"holding the run folder with a lock file and a heartbeat instead"
                )
        self._acquire_file()
        self.mode = "file"
        return self

    def release(self) -> None:
        if self.mode == "flock" and self._fd is not None:
            with contextlib.suppress(OSError):
                if self._same_file(self._fd):
                    self.path.unlink()
            os.close(self._fd)
            self._fd = None
        elif self.mode == "file":
            self._stop.set()
            if self._heartbeat is not None:
                self._heartbeat.join(timeout=5)
            if read_holder(self.path).get("token") == self._token:
                self.path.unlink(missing_ok=True)
        self.mode = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

    # -- flock ------------------------------------------------------------------------------

    def _same_file(self, fd: int) -> bool:
        try:
            return os.stat(self.path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            return False

    def _acquire_flock(self) -> None:
        for attempt in range(_TRIES):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                _flock(fd)
            except BlockingIOError:
                os.close(fd)
                if attempt + 1 == _TRIES:
                    raise RunFolderBusy(self.folder, read_holder(self.path)) from None
                time.sleep(_TRY_EVERY_S)
                continue
            except OSError:
                os.close(fd)
                raise
            if not self._same_file(fd):
                os.close(fd)  # the holder removed LOCK as we opened it: try the new one
                continue
            holder = read_holder(self.path)
            if holder.get("mode") == "file":  # held by a lock file, which takes no flock
                age = time.time() - os.fstat(fd).st_mtime
                if not holder_is_gone(holder, age):
                    os.close(fd)
                    raise RunFolderBusy(self.folder, holder)
            payload = json.dumps(this_process("flock"), indent=2).encode()
            os.ftruncate(fd, 0)
            os.pwrite(fd, payload, 0)
            os.fsync(fd)
            self._fd = fd
            return
        raise RunFolderBusy(self.folder, read_holder(self.path))

    # -- lock file --------------------------------------------------------------------------

    def _acquire_file(self) -> None:
        self._token = uuid.uuid4().hex
        payload = json.dumps({**this_process("file"), "token": self._token}, indent=2).encode()
        for _ in range(_TRIES):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                if not self._take_over_stale():
                    raise RunFolderBusy(self.folder, read_holder(self.path)) from None
                continue
            try:
                os.write(fd, payload)
                os.fsync(fd)
            finally:
                os.close(fd)
            self._stop.clear()
            self._heartbeat = threading.Thread(
                target=self._beat, name="run-folder-heartbeat", daemon=True
            )
            self._heartbeat.start()
            return
        raise RunFolderBusy(self.folder, read_holder(self.path))

    def _take_over_stale(self) -> bool:
        """Move a stale ``LOCK`` aside (one taker wins the rename); False if it is live."""
        holder = read_holder(self.path)
        try:
            age = time.time() - self.path.stat().st_mtime
        except FileNotFoundError:
            return True  # released meanwhile
        if not holder_is_gone(holder, age):
            return False
        aside = self.path.with_name(f"{LOCK_NAME}.stale-{uuid.uuid4().hex[:8]}")
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return True  # another taker moved it first
        if read_holder(aside) != holder:  # we moved a fresh LOCK written meanwhile: put it back
            with contextlib.suppress(OSError):
                os.link(aside, self.path)
            aside.unlink(missing_ok=True)
            return False
        log.warning(
            f"{self.folder}: taking over a stale {LOCK_NAME} ({describe_holder(holder)}, "
            f"last heartbeat {age:.0f} s ago)"
        )
        aside.unlink(missing_ok=True)
        return True

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            with contextlib.suppress(OSError):
                os.utime(self.path)


def live_holder(folder: str | Path) -> dict | None:
    """Who holds ``folder`` now (``LOCK``'s content), or None when nobody does. Reads only; an
    flock-held ``LOCK`` is probed with a shared lock for an instant."""
    path = Path(folder) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        holder = read_holder(path)
        try:
            _flock(fd, shared=True)
        except BlockingIOError:
            return holder  # held
        except OSError:  # no flock here: the lock-file rule
            age = time.time() - os.fstat(fd).st_mtime
            return None if holder_is_gone(holder, age) else holder
        if holder.get("mode") == "file":  # a lock-file holder does not flock: its rule
            age = time.time() - os.fstat(fd).st_mtime
            return None if holder_is_gone(holder, age) else holder
        return None  # an flock LOCK that nobody holds: its holder died
    finally:
        os.close(fd)
