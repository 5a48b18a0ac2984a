"""Where the IMDb reviews live on disk, what is missing, and fetching the archive."""

from __future__ import annotations

import tarfile
import urllib.error
from pathlib import Path

from grokrewarm.domains.warm_start.data import (
    DATA_DIR_ENV,
    DOWNLOAD_PROBE_TIMEOUT_S,
    DatasetMissingError,
)
from grokrewarm.lifecycle.reachability import url_reachable

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
IMDB_MD5 = "7c2ac02c03563afcf9b574c7e56c153a"  # of aclImdb_v1.tar.gz (as torchtext checks it)
IMDB_ARCHIVE = "aclImdb_v1.tar.gz"
IMDB_FOLDER = "aclImdb"
# (split folder, label folder, label): the order reviews are pooled in, files sorted by name
IMDB_SUBFOLDERS = (("train", "pos", 1), ("train", "neg", 0), ("test", "pos", 1), ("test", "neg", 0))


def review_files(folder: Path) -> list[Path]:
    """The ``.txt`` reviews of one label folder, sorted by name."""
    return sorted(p for p in folder.glob("*.txt") if p.is_file())


def missing_imdb_message(root: Path, missing: list[str], reason: str) -> str:
    folder = root.resolve() / IMDB_FOLDER
    archive = root.resolve() / IMDB_ARCHIVE
    tar_hint = (
        f"  Found the archive {archive}: run `tar -xzf {archive} -C {root.resolve()}`.\n"
        if archive.is_file()
        else ""
    )
    return (
        f"IMDb not found: {reason}.\n"
        f"  Missing (or without .txt reviews): {', '.join(missing)}\n"
        f"  They must be in: {folder}/ (the extracted Stanford archive: "
        f"{IMDB_FOLDER}/{{train,test}}/{{pos,neg}}/*.txt)\n"
        f"{tar_hint}"
        f"  To get them, on a machine with network access run\n"
        f"    wget {IMDB_URL}\n"
        f"    tar -xzf {IMDB_ARCHIVE} -C {root.resolve()}\n"
        f"  or pass task.download=true (download=True) to fetch and extract it here.\n"
        f"  The data root is task.data_dir (the `root` argument), else ${DATA_DIR_ENV}, "
        f"else ./data."
    )


def missing_folders(root: Path) -> list[str]:
    """The labelled folders under ``root`` that are absent or hold no ``.txt`` review."""
    missing = []
    for split, label, _ in IMDB_SUBFOLDERS:
        folder = root / IMDB_FOLDER / split / label
        if not folder.is_dir() or not any(folder.glob("*.txt")):
            missing.append(f"{IMDB_FOLDER}/{split}/{label}")
    return missing


def download_imdb(root: Path, missing: list[str]) -> None:
    """Fetch and extract the archive into ``root``; ``DatasetMissingError`` (with instructions)
    when the host is unreachable or the download fails."""
    from torchvision.datasets.utils import download_and_extract_archive

    if not url_reachable(IMDB_URL, DOWNLOAD_PROBE_TIMEOUT_S):
        reason = f"download failed: {IMDB_URL} is unreachable (no network?)"
        raise DatasetMissingError(missing_imdb_message(root, missing, reason))
    try:
        download_and_extract_archive(IMDB_URL, download_root=str(root), md5=IMDB_MD5)
    except (urllib.error.URLError, OSError, RuntimeError, tarfile.TarError) as error:
        reason = f"download failed: {error}"
        raise DatasetMissingError(missing_imdb_message(root, missing, reason)) from error
