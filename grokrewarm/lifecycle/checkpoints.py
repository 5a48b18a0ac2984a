"""Checkpoints that survive a crash, and the choice of where a run resumes.

Writing (:class:`CheckpointFiles`). A checkpoint is written to a temporary file beside it,
flushed to the disk (``fsync``), then renamed over ``last.ckpt``; the old ``last.ckpt`` becomes
``previous.ckpt`` first (a hard link, so some ``last.ckpt`` exists at every instant). A kill at
any moment leaves the old pair whole; a failed write (a full disk, a file-size limit) removes its
temporary file, leaves both checkpoints as they were and stops the run with
:class:`CheckpointWriteError`, which names the checkpoint that is still good.

Loading (:func:`choose_resume`). Every checkpoint is read with ``torch.load(weights_only=True)``:
tensors and plain containers only, never code. On resume ``last.ckpt`` is loaded first; if it
does not load it is set aside as ``last.ckpt.corrupt`` with a warning and ``previous.ckpt`` is
tried; if none loads the run says so and starts over (``resume=strict``: it stops instead).
``metrics.csv`` is then cut back to the rows at or before the step resumed from (all of it when
the run starts over), dropping any half-written row a kill left.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from omegaconf import DictConfig

log = logging.getLogger(__name__)

LAST, PREVIOUS = "last.ckpt", "previous.ckpt"
CORRUPT = ".corrupt"


class CheckpointWriteError(RuntimeError):
    """A checkpoint could not be written; the ones before it are intact."""


class NoCheckpointLoads(RuntimeError):
    """``resume=strict`` and the run folder has checkpoints, none of which loads."""


def resume_mode(cfg: DictConfig) -> str:
    """``cfg.resume`` as ``on`` (true: the last good checkpoint), ``off`` (false: start over) or
    ``strict`` (stop when no checkpoint loads); anything else is refused, naming the value."""
    value = cfg.get("resume", True)
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str) and value.lower() == "strict":
        return "strict"
    raise ValueError(
        f"resume={value!r} ({type(value).__name__}): expected true, false or strict "
        "(strict: stop, rather than start over, when the run folder's checkpoints do not load)"
    )


# -- writing -----------------------------------------------------------------------------------


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem syncs a directory
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_file(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """``write`` into a new file at ``path`` and flush it to the disk (tests replace this to
    kill the process halfway through)."""
    with open(path, "wb") as file:
        write(file)
        file.flush()
        os.fsync(file.fileno())


def torch_writer(state: dict) -> Callable[[BinaryIO], None]:
    """``write`` for :meth:`CheckpointFiles.save`: ``torch.save`` into memory first, so a disk
    error reaches the caller as the ``OSError`` it is (torch's zip writer turns it into a
    RuntimeError about positions)."""
    import io

    import torch

    buffer = io.BytesIO()
    torch.save(state, buffer)

    def write(file: BinaryIO) -> None:
        file.write(buffer.getbuffer())

    return write


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_atomic(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Replace ``path`` by what ``write`` writes, all or nothing."""
    tmp = _temporary(path)
    try:
        _write_file(tmp, write)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


@dataclass
class CheckpointFiles:
    """``last.ckpt`` and ``previous.ckpt`` in ``directory`` (see the module docstring)."""

    directory: Path
    unit: str = "step"
    last_progress: int | None = None  # of the last checkpoint known to be good

    def __post_init__(self) -> None:
        self.directory = Path(self.directory)

    @property
    def last(self) -> Path:
        return self.directory / LAST

    @property
    def previous(self) -> Path:
        return self.directory / PREVIOUS

    def save(self, write: Callable[[BinaryIO], None], progress: int) -> bool:
        """Write a new ``last.ckpt`` at ``progress``; the old one becomes ``previous.ckpt``
        (unless it was at the same ``progress``: True when it did)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = _temporary(self.last)
        try:
            _write_file(tmp, write)
        except BaseException as error:
            tmp.unlink(missing_ok=True)
            if isinstance(error, OSError):
                raise CheckpointWriteError(self.write_failed(progress, error)) from error
            raise
        # a second save at the same step (the final one) keeps the older previous.ckpt
        rotated = self.last.exists() and progress != self.last_progress
        if rotated:
            self._keep_as_previous()
        os.replace(tmp, self.last)
        _fsync_dir(self.directory)
        self.last_progress = progress
        return rotated

    def _keep_as_previous(self) -> None:
        link = _temporary(self.previous)
        link.unlink(missing_ok=True)
        try:
            os.link(self.last, link)
            os.replace(link, self.previous)
        except OSError:  # no hard links here: move it (for an instant there is no last.ckpt)
            link.unlink(missing_ok=True)
            os.replace(self.last, self.previous)

    def write_failed(self, progress: int, error: OSError) -> str:
        reason = error.strerror or str(error)
        if error.errno is not None:
            reason = f"[Errno {error.errno}] {reason}"
        text = f"could not write the checkpoint at {self.unit} {progress:,} to {self.directory}: "
        text += reason
        if self.last.exists():
            at = f" ({self.unit} {self.last_progress:,})" if self.last_progress is not None else ""
            text += f"; {self.last}{at} is intact: make room and run again to resume from it"
        else:
            text += "; there is no earlier checkpoint"
        return text

    def candidates(self) -> list[Path]:
        """The checkpoints to resume from, newest first."""
        return [path for path in (self.last, self.previous) if path.is_file()]

    def set_aside(self, path: Path) -> Path:
        """Rename an unloadable checkpoint to ``<name>.corrupt`` (kept for a look, never
        resumed from, never rotated into ``previous.ckpt``)."""
        aside = path.with_name(path.name + CORRUPT)
        os.replace(path, aside)
        return aside

    def remove_temporaries(self) -> None:
        """The temporary files of writes a kill interrupted."""
        for tmp in self.directory.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)

    def clear(self) -> None:
        """Start over: no checkpoint of an earlier attempt may be resumed from later."""
        for path in (self.last, self.previous):
            path.unlink(missing_ok=True)
        if self.directory.is_dir():
            self.remove_temporaries()


# -- resuming ----------------------------------------------------------------------------------


@dataclass
class Resume:
    """Where a run starts: ``path`` and its loaded ``state`` at ``progress``, or from scratch
    (``path`` None, ``progress`` 0)."""

    path: Path | None = None
    state: dict | None = None
    progress: int = 0


def choose_resume(
    files: CheckpointFiles,
    cfg: DictConfig,
    load: Callable[[Path], dict],
    progress_of: Callable[[dict], int],
    metrics: Path | None = None,
    set_aside: Callable[[Path], None] | None = None,
) -> Resume:
    """Pick the checkpoint to resume from (see the module docstring) and cut ``metrics`` back to
    it. ``load(path)`` reads a checkpoint (raising if it cannot), ``progress_of(state)`` says how
    far it got; ``set_aside(path)`` also moves what belongs to a bad checkpoint (Atari's replay).
    """
    mode = resume_mode(cfg)
    files.directory.mkdir(parents=True, exist_ok=True)
    files.remove_temporaries()
    if mode == "off" or cfg.get("force", False):
        files.clear()
        if metrics is not None:
            cut_metrics(metrics, None)
        return Resume()
    bad: list[tuple[Path, Exception]] = []
    chosen = Resume()
    for path in files.candidates():
        try:
            state = load(path)
            progress = int(progress_of(state))
        except Exception as error:  # a truncated zip, a zero-byte file, a missing key
            bad.append((path, error))
            continue
        chosen = Resume(path, state, progress)
        break
    if bad and chosen.path is None and mode == "strict":
        raise NoCheckpointLoads(
            f"resume=strict: no checkpoint in {files.directory} loads: "
            + "; ".join(f"{path.name}: {_reason(error)}" for path, error in bad)
            + ". Move them away (or pass resume=true to start over)."
        )
    for path, error in bad:
        if set_aside is not None:  # first, while the checkpoint is still where it was
            set_aside(path)
        aside = files.set_aside(path)
        log.warning(f"checkpoint {path} does not load ({_reason(error)}); set aside as {aside}")
    if chosen.path is not None:
        files.last_progress = chosen.progress
        where = f"{files.unit} {chosen.progress:,}"
        if bad:
            log.warning(f"resuming from the previous checkpoint {chosen.path} at {where}")
        else:
            log.info(f"resuming from {chosen.path} at {where}")
    elif bad:
        log.warning(f"no checkpoint in {files.directory} loads: starting over")
    if metrics is not None:
        cut_metrics(metrics, chosen.progress if chosen.path is not None else None)
    return chosen


def _reason(error: Exception) -> str:
    text = " ".join(str(error).split()) or "empty"
    return f"{type(error).__name__}: {text}"[:300]


def cut_metrics(path: Path, through: int | None) -> int:
    """Keep the rows of ``path`` (``metrics.csv``) at or before step ``through`` and whole; remove
    the file when ``through`` is None (a run starting over). Returns the rows dropped."""
    if not path.is_file():
        return 0
    if through is None:
        path.unlink()
        return 0
    with open(path, newline="") as file:
        reader = csv.reader(file)
        header = next(reader, None)
        if not header or "step" not in header:
            path.unlink()
            return 0
        column = header.index("step")
        kept, dropped = [], 0
        for row in reader:
            try:
                whole = len(row) == len(header) and int(float(row[column])) <= through
            except ValueError:
                whole = False
            if whole:
                kept.append(row)
            else:
                dropped += 1
    if dropped:

        def write(file: BinaryIO) -> None:
            import io

            text = io.StringIO(newline="")
            writer = csv.writer(text)  # the CSV logger's own line ends
            writer.writerow(header)
            writer.writerows(kept)
            file.write(text.getvalue().encode())

        write_atomic(path, write)
        log.info(f"{path}: dropped {dropped} rows past step {through:,} (or cut short)")
    return dropped
