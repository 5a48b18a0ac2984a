"""A run folder and its records: ``config.yaml``, ``metadata.json``, and how the run ended.

One schema for every runner. ``DONE`` is written when a run ends with a result: ``finished``
(its budget reached) or ``diverged`` (a non-finite loss stopped it); a re-run skips it either way
(``force=true`` trains again). ``FAILED`` is written when the run raised; the next start removes
it and resumes. Each record names the unit its runner counts (optimizer ``step`` or Atari
``frame``), how far the run got and its budget, so ``sweep_status`` reads any experiment's sweep.
"""

from __future__ import annotations

import contextlib
import json
import platform
import subprocess
import traceback
from dataclasses import asdict, dataclass, field
from importlib import metadata as package_metadata
from pathlib import Path

import torch
from omegaconf import DictConfig, OmegaConf

FINISHED, DIVERGED = "finished", "diverged"
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
        return cls(**data)


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


def read_metadata(run_dir: Path) -> dict:
    path = Path(run_dir) / "metadata.json"
    return json.loads(path.read_text()) if path.is_file() else {}


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
    def checkpoint_path(self) -> Path:
        return self.path / "checkpoints" / "last.ckpt"

    def end_record(self) -> EndRecord | None:
        if not self.done_path.is_file():
            return None
        return EndRecord.from_dict(json.loads(self.done_path.read_text()))

    def failure(self) -> dict | None:
        """``{"error": last line, "traceback": text}`` if the run raised."""
        if not self.failed_path.is_file():
            return None
        return json.loads(self.failed_path.read_text())

    def start(
        self, cfg: DictConfig, runner: str, unit: str, budget: int, threads: dict | None = None
    ) -> None:
        """A fresh attempt: clear the old end records, save the resolved config and metadata."""
        self.path.mkdir(parents=True, exist_ok=True)
        self.done_path.unlink(missing_ok=True)
        self.failed_path.unlink(missing_ok=True)
        OmegaConf.save(cfg, self.path / "config.yaml", resolve=True)
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
        (self.path / "metadata.json").write_text(json.dumps(meta, indent=2))

    def write_end(self, record: EndRecord) -> None:
        self._write_atomic(self.done_path, asdict(record))

    def write_failure(self, error: BaseException) -> None:
        lines = traceback.format_exception(type(error), error, error.__traceback__)
        # one line, the whole message: a wrapped error (Hydra's InstantiationException) names its
        # cause on the lines after the first
        last = " ".join(f"{type(error).__name__}: {error}".split())[:500]
        payload = {"error": last, "traceback": "".join(lines)}
        self._write_atomic(self.failed_path, payload)

    @staticmethod
    def _write_atomic(path: Path, payload: dict) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload, indent=2))
        tmp.replace(path)
