"""Checks that run in the submitting process before a sweep's jobs are handed to the launcher.

Enabled by ``launcher=slurm`` (``hydra.callbacks.refuse_dirty_tree`` in conf/launcher/slurm.yaml).
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger(__name__)

CODE_CHECKOUT = Path(__file__).resolve().parents[1]


def uncommitted_changes(repo: Path) -> list[str] | None:
    """``git status --porcelain`` lines of ``repo`` (untracked files included, as in the run
    metadata's dirty flag); None when ``repo`` is not a git work tree or git is missing."""
    try:
        status = subprocess.run(
            ["git", "status", "--porcelain"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if status.returncode != 0:
        return None
    return status.stdout.splitlines()


class RefuseDirtyTree(Callback):
    """Refuse to submit a multirun from a checkout with uncommitted changes.

    Each job imports the code and composes its config from ``conf/`` when it starts, which on a
    busy cluster is hours after submission: edits made meanwhile would enter queued jobs
    unrecorded, and the sha in each run's metadata.json would not describe the code that ran.
    ``repo`` is the checkout to check: by default the one this package is imported from.
    """

    def __init__(self, allow_dirty: bool = False, repo: str | None = None) -> None:
        self.allow_dirty = allow_dirty
        self.repo = Path(repo) if repo else CODE_CHECKOUT

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        changes = uncommitted_changes(self.repo)
        if changes is None:
            log.warning(f"{self.repo} is not a git work tree; the launched code is unrecorded")
            return
        if not changes:
            return
        listing = "\n".join(f"  {line}" for line in changes[:20])
        if len(changes) > 20:
            listing += f"\n  ... and {len(changes) - 20} more"
        if self.allow_dirty:
            log.warning(f"launching from a dirty tree ({self.repo}), as asked:\n{listing}")
            return
        # SystemExit, not an Exception: Hydra 1.3 turns a callback's Exception into a warning and
        # goes on to launch.
        raise SystemExit(
            f"refusing to launch: {self.repo} has uncommitted changes:\n{listing}\n"
            "Queued jobs read the code and conf/ when they start, so commit (or stash) first; "
            "the commit is recorded in each run's metadata.json. To launch anyway, add "
            "launcher.allow_dirty=true."
        )
