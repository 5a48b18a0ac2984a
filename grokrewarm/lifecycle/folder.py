"""A run folder and its records: ``config.yaml``, ``metadata.json``, and how the run ended.

One schema for every runner. ``DONE`` is written when a run ends with a result: ``finished``
(its budget reached) or ``diverged`` (a non-finite loss stopped it); a re-run skips it either way
(``force=true`` trains again). ``FAILED`` is written when the run raised; the next start removes
it and resumes. Each record names the unit its runner counts (optimizer ``step`` or Atari
``frame``), how far the run got and its budget, so ``sweep_status`` reads any experiment's sweep.
``BUSY`` is written by a start refused because another process held the folder (its ``LOCK``,
``grokrewarm.lifecycle.lock``); the next start that gets the folder removes it.

Every record is written whole or not at all (a temporary file renamed over it); a record that
does not parse (a zero-byte ``DONE`` from a disk that filled) reads as absent, with a warning.
"""

from __future__ import annotations

import contextlib
import json
import logging
import platform
import subprocess
import traceback
from dataclasses import asdict, dataclass, field
from importlib import metadata as package_metadata
from pathlib import Path

import torch
from omegaconf import DictConfig, OmegaConf

log = logging.getLogger(__name__)

FINISHED, DIVERGED = "finished", "diverged"
BUSY = "busy"  # not a DONE record: run_job's answer when another process holds the folder
VERSIONED_PACKAGES = ("torch", "lightning", "hydra-core", "ale-py", "gymnasium", "wandb")


@dataclass
class EndRecord:
    """How a run ended: ``status`` (finished / diverged), ``progress`` of ``budget`` in ``unit``,
    its final ``metrics`` and, when diverged, ``detail`` (which loss, at which step)."""

    status: str
    unit: str
    progress: int
    budget: int
    metrics: dict[str, float] = field(default_factory=dict)
    detail: str = ""

    def ends(self, budget: int) -> bool:
        """Nothing left to train for ``budget``: diverged, or finished at (or past) it."""
        return self.status == DIVERGED or self.progress >= budget

    @classmethod
    def from_dict(cls, data: dict) -> EndRecord:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def git_state() -> dict:
    """The commit the code ran from and whether the tree had uncommitted changes."""
    repo = Path(__file__).resolve().parents[2]

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=repo, capture_output=True, text=True, timeout=10
        ).stdout.strip()

    try:
        return {
            "sha": git("rev-parse", "HEAD") or None,
            "dirty": bool(git("status", "--porcelain")),
        }
    except (OSError, subprocess.SubprocessError):
        return {"sha": None, "dirty": None}


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        with contextlib.suppress(package_metadata.PackageNotFoundError):
            versions[name] = package_metadata.version(name)
    return versions


def read_json(path: Path) -> dict | None:
    """The JSON object in ``path``; None when it is absent, or (with a warning) unreadable."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        log.warning(f"{path} is unreadable ({type(error).__name__}: {error}); taken as absent")
        return None
    return data if isinstance(data, dict) else None


def read_metadata(run_dir: Path) -> dict:
    return read_json(Path(run_dir) / "metadata.json") or {}


class RunFolder:
    """The files of one run folder; see the module docstring for the records."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def done_path(self) -> Path:
        return self.path / "DONE"

    @property
    def failed_path(self) -> Path:
        return self.path / "FAILED"

    @property
    def busy_path(self) -> Path:
        return self.path / "BUSY"

    @property
    def checkpoint_dir(self) -> Path:
        return self.path / "checkpoints"

    @property
    def checkpoint_path(self) -> Path:
        return self.checkpoint_dir / "last.ckpt"

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.csv"

    def end_record(self) -> EndRecord | None:
        data = read_json(self.done_path)
        if data is None:
            return None
        try:
            return EndRecord.from_dict(data)
        except TypeError as error:
            log.warning(f"{self.done_path} is not a record ({error}); taken as absent")
            return None

    def failure(self) -> dict | None:
        """``{"error": last line, "traceback": text}`` if the run raised."""
        return read_json(self.failed_path)

    def busy(self) -> dict | None:
        """The last refused start: ``{"at", "host", "pid", "job_id", "holder": {...}}``."""
        return read_json(self.busy_path)

    def write_busy(self, refused: dict, holder: dict) -> None:
        """Record a start refused because ``holder`` had the folder (for ``sweep_status``)."""
        with contextlib.suppress(OSError):
            self._write_atomic(self.busy_path, {**refused, "holder": holder})

    def start(
        self, cfg: DictConfig, runner: str, unit: str, budget: int, threads: dict | None = None
    ) -> None:
        """A fresh attempt: clear the old end records, save the resolved config and metadata."""
        self.path.mkdir(parents=True, exist_ok=True)
        self.done_path.unlink(missing_ok=True)
        self.failed_path.unlink(missing_ok=True)
        self.busy_path.unlink(missing_ok=True)
        self._write_atomic(self.path / "config.yaml", OmegaConf.to_yaml(cfg, resolve=True))
        meta = {
            "runner": runner,
            "unit": unit,
            "budget": budget,
            "git": git_state(),
            "seed": cfg.seed,
            "versions": _versions(),
            "device": "cuda" if torch.cuda.is_available() else "cpu",
            "deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
            "threads": threads,  # torch's thread count and its source (lifecycle.threads)
        }
        self._write_atomic(self.path / "metadata.json", meta)

    def write_end(self, record: EndRecord) -> None:
        self._write_atomic(self.done_path, asdict(record))

    def write_failure(self, error: BaseException) -> None:
        """Record ``error`` in ``FAILED``; on a disk too full for that, log it instead."""
        lines = traceback.format_exception(type(error), error, error.__traceback__)
        # one line, the whole message: a wrapped error (Hydra's InstantiationException) names its
        # cause on the lines after the first
        last = " ".join(f"{type(error).__name__}: {error}".split())[:500]
        payload = {"error": last, "traceback": "".join(lines)}
        try:
            self._write_atomic(self.failed_path, payload)
        except OSError as unwritable:
            log.error(f"could not write {self.failed_path} ({unwritable}); the run failed: {last}")

    @staticmethod
    def _write_atomic(path: Path, payload: dict | str) -> None:
        """``path`` holds ``payload`` (JSON, or the text given) whole, or keeps what it held."""
        text = payload if isinstance(payload, str) else json.dumps(payload, indent=2)
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            tmp.write_text(text)
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
