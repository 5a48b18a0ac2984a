"""Image data for the warm-starting experiments (Lyle et al. 2025, Section 5 and A.2).

CIFAR-10 is read from its official python-pickle files by torchvision's own ``CIFAR10`` class.
These machines cannot download it, so two offline stand-ins exist: ``write_cifar10_format``
writes a small generated set in the real on-disk format (to exercise the real loading path), and
``load_digits_images`` turns scikit-learn's bundled 8x8 digits into 32x32 RGB images (real images,
so a quick run can show a warm-start gap, which random pixels cannot).

Images stay ``uint8 [N, 3, H, W]`` until a batch is drawn (``normalize_images``); the warm-start
task (``grokrewarm.domains.warm_start.task``) keeps them on the training device.
"""

from __future__ import annotations

import numbers
import os
import pickle
import urllib.error
from pathlib import Path

import numpy as np
import torch
from torch import Tensor
from torchvision.datasets import CIFAR10

from grokrewarm.domains.data_root import (
    DATA_DIR_ENV,
    DOWNLOAD_PROBE_TIMEOUT_S,
    DatasetMissingError,
    resolve_data_root,
)
from grokrewarm.lifecycle.reachability import url_reachable

CIFAR10_FOLDER = CIFAR10.base_folder  # "cifar-10-batches-py"
CIFAR10_FILES = tuple(
    [name for name, _ in CIFAR10.train_list + CIFAR10.test_list] + [CIFAR10.meta["filename"]]
)
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

ImageSplits = tuple[Tensor, Tensor, Tensor, Tensor]


class _CIFAR10WithoutChecksums(CIFAR10):
    """torchvision's CIFAR-10 reader with every expected md5 set to ``None``.

    torchvision checks the md5 of all six batches and of ``batches.meta`` in ``__init__``, so
    files written by ``write_cifar10_format`` never pass. Its ``check_integrity(path, None)`` only
    checks that the file exists, and the checksum tables are class attributes meant to be set per
    subclass, so this keeps torchvision's reading code intact and changes nothing global.
    """

    train_list = [[name, None] for name, _ in CIFAR10.train_list]
    test_list = [[name, None] for name, _ in CIFAR10.test_list]
    meta = {**CIFAR10.meta, "md5": None}


def _missing_cifar10_message(root: Path, missing: list[str], reason: str) -> str:
    return (
        f"CIFAR-10 not found: {reason}.\n"
        f"  Missing files: {', '.join(missing)}\n"
        f"  They must be in: {root.resolve() / CIFAR10_FOLDER}/\n"
        f"  To get them, on a machine with network access run\n"
        f"    python -c \"import torchvision; torchvision.datasets.CIFAR10('{root}', "
        f'download=True)"\n'
        f"  or download {CIFAR10.url} and extract it inside {root}/ (it unpacks to "
        f"{CIFAR10_FOLDER}/).\n"
        f"  The data root is the `root` argument, else ${DATA_DIR_ENV}, else ./data."
    )


def load_cifar10(
    root: str | os.PathLike | None = None,
    download: bool = False,
    verify_checksums: bool = True,
) -> ImageSplits:
    """CIFAR-10 as ``(x_train, y_train, x_test, y_test)``: uint8 ``[N, 3, 32, 32]`` and int64.

    Reads ``<root>/cifar-10-batches-py/`` with ``torchvision.datasets.CIFAR10``. Missing files
    raise ``DatasetMissingError`` naming the folder, the download command and the environment
    variable; with ``download=True`` one download is tried first, failing within
    ``DOWNLOAD_PROBE_TIMEOUT_S`` when the host cannot be reached. ``verify_checksums=False`` skips
    torchvision's md5 check, which files from ``write_cifar10_format`` cannot pass.
    """
    root = resolve_data_root(root)
    folder = root / CIFAR10_FOLDER
    missing = [name for name in CIFAR10_FILES if not (folder / name).is_file()]
    if missing and not download:
        raise DatasetMissingError(_missing_cifar10_message(root, missing, "download is off"))
    if missing:
        if not url_reachable(CIFAR10.url, DOWNLOAD_PROBE_TIMEOUT_S):
            reason = f"download failed: {CIFAR10.url} is unreachable (no network?)"
            raise DatasetMissingError(_missing_cifar10_message(root, missing, reason))
        try:
            CIFAR10(root, train=True, download=True)
        except (urllib.error.URLError, OSError, RuntimeError) as error:
            reason = f"download failed: {error}"
            raise DatasetMissingError(_missing_cifar10_message(root, missing, reason)) from error
    reader = CIFAR10 if verify_checksums else _CIFAR10WithoutChecksums
    try:
        train, test = reader(root, train=True), reader(root, train=False)
    except RuntimeError as error:
        raise RuntimeError(
            f"{folder}: all CIFAR-10 files are present but their md5 checksums do not match the "
            "official release. Re-download them, or pass verify_checksums=False if they were "
            "written by write_cifar10_format."
        ) from error
    return (*_as_tensors(train.data, train.targets), *_as_tensors(test.data, test.targets))


def _as_tensors(images_hwc: np.ndarray, labels: list[int]) -> tuple[Tensor, Tensor]:
    images = torch.from_numpy(np.ascontiguousarray(images_hwc)).permute(0, 3, 1, 2).contiguous()
    return images, torch.as_tensor(labels, dtype=torch.int64)


def write_cifar10_format(
    root: str | os.PathLike, n_train: int, n_test: int, seed: int = 0
) -> ImageSplits:
    """Write random images in CIFAR-10's python-pickle layout under ``<root>/cifar-10-batches-py``.

    Same files and keys as the official release (five ``data_batch_*`` holding the training images
    in order, ``test_batch``, ``batches.meta``; ``data`` is uint8 ``[n, 3072]``, each row the red,
    green then blue 32x32 planes). Returns what was written, in ``load_cifar10``'s format, so a
    test can compare. Load it with ``load_cifar10(root, verify_checksums=False)``.
    """
    if n_train < 1 or n_test < 1:
        raise ValueError(f"n_train and n_test must be >= 1, got {n_train}, {n_test}")
    rng = np.random.default_rng(seed)
    train_images = rng.integers(0, 256, size=(n_train, 3, 32, 32), dtype=np.uint8)
    test_images = rng.integers(0, 256, size=(n_test, 3, 32, 32), dtype=np.uint8)
    train_labels = rng.integers(0, len(CIFAR10_CLASSES), size=n_train)
    test_labels = rng.integers(0, len(CIFAR10_CLASSES), size=n_test)

    folder = Path(root) / CIFAR10_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    train_names = [name for name, _ in CIFAR10.train_list]
    chunks = np.array_split(np.arange(n_train), len(train_names))
    for number, (name, rows) in enumerate(zip(train_names, chunks, strict=True), start=1):
        label = f"training batch {number} of {len(train_names)}"
        _write_batch(folder / name, label, train_images[rows], train_labels[rows])
    _write_batch(folder / CIFAR10.test_list[0][0], "testing batch 1 of 1", test_images, test_labels)
    meta = {
        CIFAR10.meta["key"]: list(CIFAR10_CLASSES),
        "num_cases_per_batch": len(chunks[0]),
        "num_vis": 3 * 32 * 32,
    }
    with open(folder / CIFAR10.meta["filename"], "wb") as file:
        pickle.dump(meta, file)
    return (
        torch.from_numpy(train_images),
        torch.from_numpy(train_labels),
        torch.from_numpy(test_images),
        torch.from_numpy(test_labels),
    )


def _write_batch(path: Path, batch_label: str, images: np.ndarray, labels: np.ndarray) -> None:
    batch = {
        "batch_label": batch_label,
        "labels": [int(label) for label in labels],
        "data": images.reshape(len(images), -1),
        "filenames": [f"generated_{i:05d}.png" for i in range(len(images))],
    }
    with open(path, "wb") as file:
        pickle.dump(batch, file)


def load_digits_images(
    image_size: int = 32, test_fraction: float = 0.25, seed: int = 0
) -> ImageSplits:
    """scikit-learn's bundled 8x8 digits (1,797 real images) as uint8 ``[N, 3, S, S]`` splits.

    Pixel values 0..16 are scaled to 0..255, images are upsampled bilinearly to ``S x S`` (smooth
    strokes rather than 4x4 blocks, closer to natural images) and the grey channel is repeated
    three times, so CIFAR-10 models run unchanged. The split is stratified by class and fixed by
    ``seed``. The offline stand-in for CIFAR-10 in quick runs.
    """
    from sklearn.datasets import load_digits  # optional dependency: only this loader needs it

    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    if image_size < 8:
        raise ValueError(f"image_size must be >= 8 (the digits are 8x8), got {image_size}")
    digits = load_digits()
    grey = torch.from_numpy(digits.images).float().unsqueeze(1) * (255.0 / 16.0)
    resized = torch.nn.functional.interpolate(
        grey, size=(image_size, image_size), mode="bilinear", align_corners=False
    )
    images = resized.round().clamp(0, 255).to(torch.uint8).expand(-1, 3, -1, -1).contiguous()
    labels = torch.from_numpy(digits.target).to(torch.int64)

    generator = torch.Generator().manual_seed(seed)
    test_rows = []
    for label in labels.unique():
        rows = (labels == label).nonzero().squeeze(1)
        rows = rows[torch.randperm(len(rows), generator=generator)]
        test_rows.append(rows[: round(test_fraction * len(rows))])
    is_test = torch.zeros(len(labels), dtype=torch.bool)
    is_test[torch.cat(test_rows)] = True
    return images[~is_test], labels[~is_test], images[is_test], labels[is_test]


def clutter_images(
    images: Tensor, seed: int = 0, min_size: int = 18, noise_std: float = 0.15
) -> Tensor:
    """Harder versions of grey uint8 ``[N, C, S, S]`` images: each is shrunk to a random size in
    ``[min_size, S]``, placed at a random position, drawn in a random light colour on a random
    dark background, with Gaussian pixel noise (``noise_std`` of the pixel range). Fixed by
    ``seed``.

    Plain digits are too easy to show a warm-start gap (10% of them already gives 94% test
    accuracy); cluttered, the small CNN reaches about 55% from all of them and about 50% when
    warm-started from 10% (see the ``quick`` budget), so there is a gap to close.
    """
    n, _, side, _ = images.shape
    if not 1 <= min_size <= side:
        raise ValueError(f"min_size must be in [1, {side}], got {min_size}")
    generator = torch.Generator().manual_seed(seed)
    grey = images[:, :1].float() / 255.0
    sizes = torch.randint(min_size, side + 1, (n,), generator=generator)
    corners = (torch.rand(n, 2, generator=generator) * (side + 1 - sizes[:, None])).long()
    background = 0.3 * torch.rand(n, 3, 1, 1, generator=generator)
    stroke = 0.6 + 0.4 * torch.rand(n, 3, 1, 1, generator=generator)
    mask = torch.zeros(n, 1, side, side)
    for i, (size, (top, left)) in enumerate(zip(sizes.tolist(), corners.tolist(), strict=True)):
        shrunk = torch.nn.functional.interpolate(
            grey[i : i + 1], size=(size, size), mode="bilinear", align_corners=False
        )
        mask[i, :, top : top + size, left : left + size] = shrunk[0]
    pixels = background * (1 - mask) + stroke * mask
    pixels = pixels + noise_std * torch.randn(pixels.shape, generator=generator)
    return (pixels.clamp(0, 1) * 255).round().to(torch.uint8)


def warm_start_split(n_train: int, initial_fraction: float, seed: int) -> tuple[Tensor, Tensor]:
    """Sorted indices of D_init (a random ``initial_fraction`` of the training set) and the rest.

    Section 5: train on D_init, then add the rest of the data. D_init holds
    ``max(1, round(initial_fraction * n_train))`` examples chosen by ``seed``; a fraction of 1
    (the paper's 100% baseline) leaves the rest empty.
    """
    if isinstance(n_train, bool) or not isinstance(n_train, numbers.Integral) or n_train < 1:
        raise ValueError(f"n_train must be an integer >= 1, got {n_train!r}")
    if isinstance(initial_fraction, bool) or not isinstance(initial_fraction, numbers.Real):
        raise TypeError(f"initial_fraction must be a number, got {initial_fraction!r}")
    if not 0.0 < initial_fraction <= 1.0:
        raise ValueError(f"initial_fraction must be in (0, 1], got {initial_fraction}")
    n_initial = max(1, round(initial_fraction * n_train))
    order = torch.randperm(int(n_train), generator=torch.Generator().manual_seed(seed))
    return order[:n_initial].sort().values, order[n_initial:].sort().values


def channel_statistics(images: Tensor) -> tuple[Tensor, Tensor]:
    """Per-channel mean and standard deviation of uint8 ``[N, C, H, W]`` images, in pixel units.

    Exact: computed in float64 from each channel's 256-bin histogram, so no float copy of the
    whole data set is made (CIFAR-10 as float32 would be 600 MB).
    """
    means, stds = [], []
    values = torch.arange(256, dtype=torch.float64, device=images.device)
    for channel in range(images.shape[1]):
        counts = torch.bincount(images[:, channel].reshape(-1), minlength=256).double()
        mean = (counts * values).sum() / counts.sum()
        means.append(mean)
        stds.append(((counts * (values - mean).square()).sum() / counts.sum()).sqrt())
    return torch.stack(means).float(), torch.stack(stds).float()


def normalize_images(images: Tensor, mean: Tensor, std: Tensor) -> Tensor:
    """uint8 ``[n, C, H, W]`` to float32, standardized with per-channel ``mean`` and ``std``.

    As ``x / std - mean / std`` in one fused multiply-add (about 30% faster on a CPU than
    subtracting then dividing)."""
    scale = std.reciprocal().view(1, -1, 1, 1)
    return torch.addcmul(-mean.view(1, -1, 1, 1) * scale, images.float(), scale)
