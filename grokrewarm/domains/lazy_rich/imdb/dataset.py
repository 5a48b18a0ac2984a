"""The labelled reviews pooled as padded token ids (cached), and the seeded train/test split."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import Tensor

from grokrewarm.domains.lazy_rich.imdb.download import (
    IMDB_FOLDER,
    IMDB_SUBFOLDERS,
    download_imdb,
    missing_folders,
    missing_imdb_message,
    review_files,
)
from grokrewarm.domains.lazy_rich.imdb.tokenizer import (
    TOKENIZER_VERSION,
    build_vocabulary,
    encode,
    tokenize,
)
from grokrewarm.domains.warm_start.data import DatasetMissingError, resolve_data_root

CACHE_FOLDER = "grokrewarm_cache"


def cache_path(root: Path, vocab_size: int, max_length: int) -> Path:
    name = f"tokens_v{TOKENIZER_VERSION}_vocab{vocab_size}_len{max_length}.pt"
    return root / IMDB_FOLDER / CACHE_FOLDER / name


def tokenize_imdb(
    root: str | os.PathLike | None = None,
    vocab_size: int = 1000,
    max_length: int = 500,
    download: bool = False,
) -> dict:
    """All labelled reviews, pooled: ``{"tokens": int64 [N, max_length], "labels": int64 [N],
    "vocabulary": [words], "counts": files per subfolder}``, from the cache when it matches.

    Pool order: train/pos, train/neg, test/pos, test/neg, files sorted by name. Missing folders
    raise ``DatasetMissingError`` with instructions; ``download=True`` tries one download first.
    """
    if vocab_size < 1 or max_length < 1:
        raise ValueError(f"vocab_size and max_length must be >= 1, got {vocab_size}, {max_length}")
    root = resolve_data_root(root)
    missing = missing_folders(root)
    if missing and not download:
        raise DatasetMissingError(missing_imdb_message(root, missing, "download is off"))
    if missing:
        download_imdb(root, missing)
    files = [review_files(root / IMDB_FOLDER / s / lab) for s, lab, _ in IMDB_SUBFOLDERS]
    counts = [len(group) for group in files]
    cache = cache_path(root, vocab_size, max_length)
    if cache.is_file():
        cached = torch.load(cache, weights_only=True)
        if cached["counts"] == counts:
            return {**cached, "tokens": cached["tokens"].long()}
    token_lists = [
        tokenize(path.read_text(encoding="utf-8", errors="replace"))
        for group in files
        for path in group
    ]
    labels = torch.tensor(
        [label for (_, _, label), group in zip(IMDB_SUBFOLDERS, files, strict=True) for _ in group]
    )
    vocabulary = build_vocabulary(token_lists, vocab_size)
    index = {word: i + 1 for i, word in enumerate(vocabulary)}
    tokens = torch.stack([encode(t, index, max_length) for t in token_lists])
    data = {"tokens": tokens, "labels": labels, "vocabulary": vocabulary, "counts": counts}
    cache.parent.mkdir(parents=True, exist_ok=True)
    small = tokens.to(torch.int16 if vocab_size < 2**15 else torch.int32)  # 4x smaller on disk
    tmp = cache.with_suffix(".tmp")
    torch.save({**data, "tokens": small}, tmp)
    tmp.replace(cache)  # atomic: a concurrent job never reads half a cache
    return data


def split_imdb(
    tokens: Tensor,
    labels: Tensor,
    n_train: int | None,
    test_fraction: float = 0.25,
    seed: int = 0,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """A seeded permutation of the pool: its first ``round(test_fraction * N)`` reviews are the
    test set, the first ``n_train`` of the rest (all if ``None``) the training set."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    n = len(labels)
    n_test = round(test_fraction * n)
    available = n - n_test
    if n_train is None:
        n_train = available
    if not 1 <= n_train <= available:
        raise ValueError(
            f"n_train must be in 1..{available} ({n} reviews, {n_test} held out), got {n_train}"
        )
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    test, train = order[:n_test], order[n_test : n_test + n_train]
    return tokens[train], labels[train], tokens[test], labels[test]
