"""IMDb sentiment with a 2-layer LSTM (Liu et al. 2023 "Omnigrok", Section 4 and App. A, Fig. 4).

Data: the Stanford Large Movie Review Dataset (Maas et al. 2011) as its archive unpacks,
``<root>/aclImdb/{train,test}/{pos,neg}/*.txt`` (``unsup/`` is not used), from ``IMDB_URL``.
App. A: "we extract the 1000 most frequent words and tokenize each review into an array of token
indices. Less frequent words are ignored, and each review array is padded to length 500 [...]
We hold back 25% of the dataset for testing." So:

- ``tokenize``: lowercase, ``<br />`` line breaks to spaces, then the words of ``WORD_PATTERN``
  (runs of letters and digits, with an inner apostrophe kept: ``don't``, ``film's``).
- Vocabulary: the ``vocab_size`` most frequent words of the **pooled 50k reviews** (all four
  labelled folders, before the split; labels are never used), ties broken alphabetically. Index
  0 is padding, the most frequent word is 1. Other words are dropped. (The authors' script built
  it from its training split after removing English stop words; the paper says neither.)
- Each review keeps its first ``max_length`` in-vocabulary tokens and is padded with 0 **in
  front** (as the authors' script does), so the LSTM's last step, which the classifier reads,
  is the end of the review.
- Labels: ``pos`` = 1, ``neg`` = 0. All reviews are pooled (the official 25k/25k split is not
  used) and a seeded permutation holds back ``test_fraction`` (25%) for testing; the training
  set is the first ``n_train`` of the rest (1000 for Fig. 4d; 37,500 is all of it).

Reading and tokenizing 50k files takes about a minute, so the padded token tensor is cached in
``<root>/aclImdb/grokrewarm_cache/`` in a file named by the settings (vocabulary size, length,
tokenizer version) and reused when the folders hold the same number of files.

In this module, in order:

- the tokenizer: ``tokenize``, ``build_vocabulary``, ``encode`` (text to padded token ids);
- the download: the on-disk layout, what is missing and how to get it, ``download_imdb``;
- the dataset: the pooled reviews as tokens (``tokenize_imdb``, cached) and ``split_imdb``;
- the generated stand-in: ``write_imdb_format``, a small generated review set in the real layout
  for tests and offline smoke runs (it marks the folder as generated, and figures say so);
- the model: ``ImdbLSTM``: embedding 64, 2-layer LSTM with hidden size 128 (batch first, zero
  initial state), a linear read-out of the last step to one logit;
- the task: ``ImdbTask``: binary cross-entropy on the logit (``TensorTask`` ``loss="bce"``),
  accuracy ``(logit > 0) == label``.
"""

from __future__ import annotations

import os
import re
import tarfile
import tempfile
import urllib.error
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from grokrewarm.domains.data_root import (
    DATA_DIR_ENV,
    DOWNLOAD_PROBE_TIMEOUT_S,
    DatasetMissingError,
    resolve_data_root,
)
from grokrewarm.domains.lazy_rich.tensor_task import TensorTask
from grokrewarm.domains.task import split_batches
from grokrewarm.lifecycle.reachability import url_reachable

# Review text to token ids: words, the vocabulary, front-padded id rows.
TOKENIZER_VERSION = 1  # bump when tokenize() changes, so old caches are not reused
PAD = 0
BREAK_PATTERN = re.compile(r"<br\s*/?>", flags=re.IGNORECASE)
WORD_PATTERN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")


def tokenize(text: str) -> list[str]:
    """Lowercase words of a review: ``<br />`` becomes a space, then ``WORD_PATTERN``'s matches
    (punctuation and markup are dropped, inner apostrophes kept)."""
    return WORD_PATTERN.findall(BREAK_PATTERN.sub(" ", text.lower()))


def build_vocabulary(token_lists: list[list[str]], vocab_size: int) -> list[str]:
    """The ``vocab_size`` most frequent words, most frequent first, ties alphabetical."""
    counts = Counter(word for tokens in token_lists for word in tokens)
    return sorted(counts, key=lambda word: (-counts[word], word))[:vocab_size]


def encode(tokens: list[str], index: dict[str, int], max_length: int) -> Tensor:
    """The first ``max_length`` in-vocabulary token ids, padded with ``PAD`` in front."""
    ids = [index[word] for word in tokens if word in index][:max_length]
    out = torch.full((max_length,), PAD, dtype=torch.long)
    if ids:
        out[max_length - len(ids) :] = torch.tensor(ids, dtype=torch.long)
    return out


# Where the IMDb reviews live on disk, what is missing, and fetching the archive.
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


# The labelled reviews pooled as padded token ids (cached), and the seeded train/test split.
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


GENERATED_MARKER = "GENERATED_BY_GROKREWARM"
GENERATED_REVIEWS_PER_FOLDER = 8  # the offline stand-in: 32 short reviews


def is_generated(root: str | os.PathLike | None = None) -> bool:
    """Whether ``<root>/aclImdb`` was written by ``write_imdb_format`` (not the real data)."""
    return (resolve_data_root(root) / IMDB_FOLDER / GENERATED_MARKER).is_file()


def write_imdb_format(
    root: str | os.PathLike,
    n_per_folder: int,
    seed: int = 0,
    n_words: int = 300,
    n_cues: int = 20,
    cue_rate: float = 0.1,
    length: tuple[int, int] = (20, 120),
) -> list[tuple[str, int]]:
    """Write ``n_per_folder`` generated reviews into each of ``aclImdb/{train,test}/{pos,neg}/``.

    Words: ``n_words`` neutral words ``w0``... drawn with Zipf-like frequencies (``1/(k+1)``),
    each token replaced with probability ``cue_rate`` by one of ``n_cues`` cue words of its
    label (``goodK`` for pos, ``badK`` for neg), so the label is learnable from the words. Text
    has capitals, punctuation and ``<br />`` breaks, as real reviews do. Files are named
    ``<id>_<rating>.txt`` as in the archive (ids zero-padded). Returns ``(text, label)`` in the
    pool order.
    """
    if n_per_folder < 1:
        raise ValueError(f"n_per_folder must be >= 1, got {n_per_folder}")
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, n_words + 1)
    weights /= weights.sum()
    base = Path(root) / IMDB_FOLDER
    written = []
    for split, label_name, label in IMDB_SUBFOLDERS:
        folder = base / split / label_name
        folder.mkdir(parents=True, exist_ok=True)
        cue = "good" if label == 1 else "bad"
        for i in range(n_per_folder):
            n = int(rng.integers(length[0], length[1] + 1))
            words = [f"w{k}" for k in rng.choice(n_words, size=n, p=weights)]
            for j in np.flatnonzero(rng.random(n) < cue_rate):
                words[j] = f"{cue}{rng.integers(n_cues)}"
            if words:
                words[0] = words[0].capitalize()
            for j in rng.choice(n, size=min(3, n), replace=False):
                words[j] += rng.choice([",", ".", "!", " <br /><br />"])
            text = " ".join(words)
            rating = int(rng.integers(7, 11)) if label == 1 else int(rng.integers(1, 5))
            # zero-padded ids, so the sorted file order is the order written
            (folder / f"{i:05d}_{rating}.txt").write_text(text, encoding="utf-8")
            written.append((text, label))
    (base / GENERATED_MARKER).write_text("generated by grokrewarm's write_imdb_format\n")
    return written


def generated_imdb(vocab_size: int = 1000, max_length: int = 500) -> dict:
    """``tokenize_imdb``'s output for generated reviews written in the real layout to a temporary
    folder and read back by the real path: the offline stand-in for the smoke budget."""
    with tempfile.TemporaryDirectory(prefix="imdb_generated_") as folder:
        write_imdb_format(folder, GENERATED_REVIEWS_PER_FOLDER, length=(5, 20))
        return tokenize_imdb(folder, vocab_size, max_length)


# The 2-layer LSTM sentiment classifier of Omnigrok Fig. 4.
class ImdbLSTM(nn.Module):
    """Embedding, a ``num_layers`` LSTM (batch first, zero initial state) and a linear read-out
    of the last step's hidden state to one logit per review (shape ``[n]``).

    PyTorch's default initialisation (embedding ``N(0, 1)``, LSTM and linear uniform in
    ``+-1/sqrt(fan)``); the padding index is an ordinary, trained embedding, as in the authors'
    script (no ``padding_idx``). Omnigrok's alpha is ``init_scale``, applied after building.
    """

    def __init__(
        self,
        vocab_size: int = 1001,
        embedding_dim: int = 64,
        hidden_dim: int = 128,
        num_layers: int = 2,
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, num_layers=num_layers, batch_first=True)
        self.readout = nn.Linear(hidden_dim, 1)

    def forward(self, tokens: Tensor) -> Tensor:
        states, _ = self.lstm(self.embedding(tokens))
        return self.readout(states[:, -1]).squeeze(-1)


# IMDb reviews as a training-stack task (``SupervisedTask`` of ``grokrewarm.domains.task``).
class ImdbTask(TensorTask):
    """Omnigrok Fig. 4: IMDb reviews as padded token ids, binary cross-entropy on one logit,
    accuracy ``(logit > 0) == label``.

    ``n_train`` reviews for training (1000 in Fig. 4d), the held-out 25% for testing
    (``split_seed`` picks the split, ``seed`` the batch order), minibatches of ``batch_size``.
    ``eval_size`` evaluates only the first ``eval_size`` reviews of each split (CPU budgets;
    ``None``: all of them), in batches of ``eval_batch_size``. ``model_kwargs`` gives the model
    its vocabulary size (the words found, plus padding). ``dataset``: ``"imdb"`` reads the
    reviews under ``data_dir``; ``"generated"`` is the offline stand-in (``generated_imdb``).
    """

    def __init__(
        self,
        n_train: int | None = 1000,
        vocab_size: int = 1000,
        max_length: int = 500,
        test_fraction: float = 0.25,
        data_dir: str | None = None,
        download: bool = False,
        batch_size: int | None = 50,
        seed: int = 0,
        split_seed: int | None = None,
        eval_size: int | None = None,
        eval_batch_size: int = 1000,
        dataset: str = "imdb",
    ) -> None:
        if dataset == "imdb":
            data = tokenize_imdb(data_dir, vocab_size, max_length, download)
        elif dataset == "generated":
            data = generated_imdb(vocab_size, max_length)
        else:
            raise ValueError(f"dataset must be 'imdb' or 'generated', got {dataset!r}")
        split_seed = seed if split_seed is None else split_seed
        x_train, y_train, x_test, y_test = split_imdb(
            data["tokens"], data["labels"], n_train, test_fraction, split_seed
        )
        super().__init__(
            x_train, y_train, x_test, y_test, loss="bce", batch_size=batch_size, seed=seed
        )
        if eval_size is not None and eval_size < 1:
            raise ValueError(f"eval_size must be >= 1 or null (all), got {eval_size}")
        if eval_batch_size < 1:
            raise ValueError(f"eval_batch_size must be >= 1, got {eval_batch_size}")
        self.vocabulary = data["vocabulary"]
        self.eval_size = eval_size
        self.eval_batch_size = eval_batch_size

    def model_kwargs(self) -> dict:
        return {"vocab_size": len(self.vocabulary) + 1}

    def eval_batches(self) -> dict[str, list[tuple[Tensor, Tensor]]]:
        capped = {
            split: (x[: self.eval_size], y[: self.eval_size])
            for split, (x, y) in self.eval_splits().items()
        }
        return split_batches(capped, self.eval_batch_size)
