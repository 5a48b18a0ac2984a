"""Loggers: a resumable CSV logger (the source of truth for figures) and W&B that never blocks."""

from __future__ import annotations

import csv
import os
import secrets
import sys
from pathlib import Path

from lightning.pytorch.loggers import CSVLogger, WandbLogger
from lightning.pytorch.loggers.csv_logs import ExperimentWriter

from grokrewarm.lifecycle.folder import git_state
from grokrewarm.lifecycle.reachability import url_reachable


class _ResumableWriter(ExperimentWriter):
    """Keeps an existing ``metrics.csv`` instead of deleting it, and on the first row logged
    after a resume drops the rows at or past that step: a resumed run re-logs exactly those, so
    the file ends with one row per logged step and no gap or duplicate."""

    def __init__(self, log_dir: str) -> None:
        self.metrics: list[dict[str, float]] = []
        self.metrics_keys: list[str] = []
        self.hparams: dict = {}  # the resolved config lives in .hydra/; no hparams.yaml
        self.log_dir = log_dir
        self.metrics_file_path = os.path.join(log_dir, self.NAME_METRICS_FILE)
        os.makedirs(log_dir, exist_ok=True)
        self._previous_rows: list[dict] | None = None
        if os.path.isfile(self.metrics_file_path):
            with open(self.metrics_file_path, newline="") as file:
                reader = csv.DictReader(file)
                self._previous_rows = list(reader)
                self.metrics_keys = list(reader.fieldnames or [])

    def log_metrics(self, metrics_dict: dict[str, float], step: int | None = None) -> None:
        if self._previous_rows is not None and step is not None:
            kept = [row for row in self._previous_rows if int(row["step"]) < step]
            self._write_rows(kept, self.metrics_keys)
            self._previous_rows = None
        super().log_metrics(metrics_dict, step)

    def save(self) -> None:
        if not self.metrics:
            return
        new_keys = self._record_new_keys()
        exists = os.path.isfile(self.metrics_file_path)
        if new_keys and exists:
            with open(self.metrics_file_path, newline="") as file:
                self._write_rows(list(csv.DictReader(file)), self.metrics_keys)
        with open(self.metrics_file_path, "a" if exists else "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=self.metrics_keys)
            if not exists:
                writer.writeheader()
            writer.writerows(self.metrics)
        self.metrics = []

    def _record_new_keys(self) -> set[str]:
        new_keys = super()._record_new_keys()
        self.metrics_keys.sort(key=lambda key: (key != "step", key))  # step first, then A-Z
        return new_keys

    def _write_rows(self, rows: list[dict], fieldnames: list[str]) -> None:
        tmp = Path(self.metrics_file_path + ".tmp")
        with open(tmp, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=fieldnames)
            writer.writeheader()
            writer.writerows(rows)
        tmp.replace(self.metrics_file_path)  # atomic: a kill never leaves half a file


class ResumableCSVLogger(CSVLogger):
    """``CSVLogger`` writing ``<run_dir>/metrics.csv`` directly, flushed on every logged row
    (rows are rare: one per metric step), and safe to reopen on resume."""

    def __init__(self, save_dir: str) -> None:
        super().__init__(save_dir=save_dir, name="", version="", flush_logs_every_n_steps=1)

    @property
    def log_dir(self) -> str:
        return self.root_dir

    @property
    def experiment(self) -> _ResumableWriter:
        if self._experiment is None:
            self._experiment = _ResumableWriter(self.log_dir)
        return self._experiment


def wandb_has_credentials() -> bool:
    """Whether W&B could log online: an API key in the environment or in ~/.netrc."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    netrc = Path(os.environ.get("NETRC", Path.home() / ".netrc"))
    return netrc.is_file() and "api.wandb.ai" in netrc.read_text(errors="ignore")


WANDB_HOST = "https://api.wandb.ai"


def wandb_mode(mode: str = "auto") -> str:
    """``auto`` means online only with credentials and a reachable W&B server, else offline, so
    a run never blocks on a login prompt or a dead network."""
    if mode != "auto":
        return mode
    online = wandb_has_credentials() and url_reachable(WANDB_HOST, timeout=3.0)
    return "online" if online else "offline"


def persistent_run_id(save_dir: str | Path) -> str:
    """The W&B run id kept in ``<save_dir>/wandb_run_id``: a requeued or resumed job continues
    the same W&B run instead of starting a new one."""
    path = Path(save_dir) / "wandb_run_id"
    if path.is_file():
        return path.read_text().strip()
    run_id = secrets.token_hex(6)  # W&B accepts lowercase letters and digits
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(run_id)
    return run_id


def make_wandb_logger(
    save_dir: str,
    mode: str = "auto",
    tags: list[str] | None = None,
    sweep_dir: str | None = None,
    **kwargs,
) -> WandbLogger:
    """A ``WandbLogger`` for one run folder: offline when W&B cannot be reached (logging to
    ``<save_dir>/wandb``; ``make wandb-sync`` uploads later), resuming the run id stored there,
    tagged with the sweep folder's name (its timestamp) and the code's git sha."""
    sha = git_state()["sha"]
    tags = list(tags or [])
    if sweep_dir:
        tags.append(f"sweep:{Path(sweep_dir).name}"[:64])  # W&B caps tags at 64 characters
    if sha:
        tags.append(f"git:{sha[:10]}")
    return WandbLogger(
        save_dir=save_dir,
        offline=wandb_mode(mode) == "offline",
        id=persistent_run_id(save_dir),
        resume="allow",
        tags=tags,
        **kwargs,
    )


def finish_wandb() -> None:
    """End the process's W&B run if one is open: without it, the next job of a sweep run in the
    same process would log into this one."""
    wandb = sys.modules.get("wandb")
    if wandb is not None and wandb.run is not None:
        wandb.finish()
