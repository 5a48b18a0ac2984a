"""The warm-starting protocol of Lyle et al. 2025 (Section 5, A.2) as a training task.

Train on a random subset D_init for ``switch_step`` optimizer steps, then on the whole training
set. The data addition is the step ``switch_step``: the re-warm trigger (``rewarm=fixed`` with
``steps: [${task.switch_step}]``), Shrink & Perturb (``intervention=shrink_perturb``) and the
figures all read it from the config, and the batch for any step is a pure function of
``(seed, step)``, so a resumed run trains on exactly the batches an uninterrupted one would.

Both phases last the same number of steps whatever the subset size: we infer from the
paper's axes that each 70-epoch phase is about 14k steps for every initial fraction, i.e. an
"epoch" is a pass's worth of the full data set (|D_total| / batch steps), not of D_init.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from grokrewarm.domains.ordering import SeededBatches
from grokrewarm.domains.task import Accuracy
from grokrewarm.domains.warm_start.data import (
    ImageSplits,
    channel_statistics,
    clutter_images,
    load_cifar10,
    load_digits_images,
    normalize_images,
    warm_start_split,
)

DATASETS = ("cifar10", "digits", "cluttered_digits")
# Phase-2 epochs are seeded from this offset, so no phase-2 epoch reuses a phase-1 order.
PHASE2_EPOCH_OFFSET = 500_000


def load_images(
    dataset: str,
    data_dir: str | os.PathLike | None = None,
    download: bool = False,
    verify_checksums: bool = True,
) -> ImageSplits:
    """``cifar10`` (torchvision's reader; fails fast with instructions when missing),
    ``digits`` (scikit-learn's bundled digits as 32x32 RGB) or ``cluttered_digits`` (the same,
    shrunk, moved, coloured and noised by ``clutter_images``: the offline stand-in of the quick
    budgets, hard enough to show a warm-start gap)."""
    if dataset == "cifar10":
        return load_cifar10(data_dir, download=download, verify_checksums=verify_checksums)
    if dataset == "digits":
        return load_digits_images()
    if dataset == "cluttered_digits":
        x_train, y_train, x_test, y_test = load_digits_images()
        return clutter_images(x_train, seed=0), y_train, clutter_images(x_test, seed=1), y_test
    raise ValueError(f"unknown dataset {dataset!r}; choose one of {DATASETS}")


class WarmStartImageTask(nn.Module):
    """Image classification with data added at ``switch_step`` (the warm-start protocol).

    ``initial_fraction`` of the training set (chosen by ``seed``) is D_init; from ``switch_step``
    on, batches come from all of it. Images stay uint8 on the training device (module buffers)
    and each batch is one gather plus a per-channel standardization there: no DataLoader.
    Evaluation covers the test set and, for speed, a fixed random ``train_eval_size`` subset of
    the training set (``None``: all of it), in batches of ``eval_batch_size``. Cross-entropy,
    argmax accuracy (a ``SupervisedTask`` of ``grokrewarm.domains.task``).
    """

    accuracy: Accuracy = "argmax"

    def __init__(
        self,
        dataset: str = "cifar10",
        initial_fraction: float = 0.1,
        switch_step: int = 13650,
        batch_size: int = 256,
        seed: int = 0,
        data_dir: str | None = None,
        download: bool = False,
        verify_checksums: bool = True,
        probe_size: int = 512,
        train_eval_size: int | None = 10000,
        eval_batch_size: int = 1000,
    ) -> None:
        super().__init__()
        if switch_step < 1:
            raise ValueError(f"switch_step must be >= 1, got {switch_step}")
        if batch_size < 1 or eval_batch_size < 1 or probe_size < 1:
            raise ValueError("batch_size, eval_batch_size and probe_size must be >= 1")
        x_train, y_train, x_test, y_test = load_images(
            dataset, data_dir, download, verify_checksums
        )
        initial, _ = warm_start_split(len(y_train), initial_fraction, seed)
        self.dataset, self.initial_fraction, self.seed = dataset, initial_fraction, seed
        self.switch_step, self.batch_size, self.eval_batch_size = (
            switch_step,
            batch_size,
            eval_batch_size,
        )
        self.num_classes = int(max(y_train.max(), y_test.max())) + 1
        mean, std = channel_statistics(x_train)
        for name, value in {
            "train_images": x_train,
            "train_labels": y_train,
            "test_images": x_test,
            "test_labels": y_test,
            "initial_index": initial,
            "all_index": torch.arange(len(y_train)),
            "channel_mean": mean,
            "channel_std": std,
        }.items():
            self.register_buffer(name, value, persistent=False)
        evaluated = torch.randperm(len(y_train), generator=torch.Generator().manual_seed(seed + 1))
        if train_eval_size is not None:
            evaluated = evaluated[:train_eval_size]
        self.register_buffer("train_eval_index", evaluated.sort().values, persistent=False)
        probe = initial[torch.randperm(len(initial), generator=torch.Generator().manual_seed(seed))]
        self.register_buffer("probe_index", probe[:probe_size], persistent=False)
        # a 10% subset may be smaller than a batch: its batches are all of it
        self.phase_batches = {
            1: SeededBatches(len(initial), batch_size, seed),
            2: SeededBatches(len(y_train), batch_size, seed, epoch_offset=PHASE2_EPOCH_OFFSET),
        }

    def model_kwargs(self) -> dict:
        return {"num_classes": self.num_classes}

    def normalize(self, images: Tensor) -> Tensor:
        return normalize_images(images, self.channel_mean, self.channel_std)

    def loss(self, outputs: Tensor, targets: Tensor) -> Tensor:
        return F.cross_entropy(outputs, targets)

    def phase_and_position(self, step: int) -> tuple[int, int, int]:
        """``(phase, epoch, batch index)`` of optimizer step ``step``; phase 1 is D_init."""
        phase, _, offset = self._phase(step)
        epoch, index = self.phase_batches[phase].position(step - offset)
        return phase, epoch, index

    def _phase(self, step: int) -> tuple[int, Tensor, int]:
        if step < self.switch_step:
            return 1, self.initial_index, 0
        return 2, self.all_index, self.switch_step

    def train_batch(self, step: int) -> tuple[Tensor, Tensor]:
        """The batch of optimizer step ``step``: one reshuffle of the active set per epoch
        (phase 2's epochs seeded from ``PHASE2_EPOCH_OFFSET`` on)."""
        phase, active, offset = self._phase(step)
        rows = active[self.phase_batches[phase].indices(step - offset, active.device)]
        return self.normalize(self.train_images[rows]), self.train_labels[rows]

    def _batches(self, images: Tensor, labels: Tensor, index: Tensor | None = None) -> Iterator:
        total = len(labels) if index is None else len(index)
        for start in range(0, total, self.eval_batch_size):
            rows = slice(start, start + self.eval_batch_size)
            if index is not None:
                rows = index[rows]
            yield self.normalize(images[rows]), labels[rows]

    def eval_batches(self) -> dict[str, Iterator[tuple[Tensor, Tensor]]]:
        return {
            "train": self._batches(self.train_images, self.train_labels, self.train_eval_index),
            "test": self._batches(self.test_images, self.test_labels),
        }

    def probe_inputs(self) -> Tensor:
        """Fixed images from D_init on which the feature-learning metrics are measured."""
        return self.normalize(self.train_images[self.probe_index])
