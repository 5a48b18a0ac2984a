"""Where the downloaded data sets live, and what happens when one is not there.

Every data set (CIFAR-10, MNIST, IMDb, QM9) is read from the data root: the task's ``data_dir``,
else ``$GROKREWARM_DATA_DIR``, else ``./data``. A data set whose files are missing and cannot be
downloaded raises ``DatasetMissingError`` at once, with instructions.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "GROKREWARM_DATA_DIR"
# Checked before handing over to a downloader that opens the URL with no timeout (torchvision's):
# behind a firewall that drops packets it would hang for minutes instead of failing.
DOWNLOAD_PROBE_TIMEOUT_S = 10.0


class DatasetMissingError(FileNotFoundError):
    """The data set's files are not on disk and could not be downloaded."""


def resolve_data_root(root: str | os.PathLike | None = None) -> Path:
    """``root`` if given, else ``$GROKREWARM_DATA_DIR``, else ``./data``."""
    if root is None:
        root = os.environ.get(DATA_DIR_ENV) or "data"
    return Path(root).expanduser()
