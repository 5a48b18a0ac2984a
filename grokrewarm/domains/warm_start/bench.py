"""Image throughput of the device-resident data path against a torchvision DataLoader.

    python -m grokrewarm.domains.warm_start.bench [--images 10000] [--steps 30] [--workers 2]

Both paths read the same CIFAR-10-format files (generated into a temporary folder unless
``--data-dir`` holds the real CIFAR-10), batch 256, on the current device:

- ``device``: ``WarmStartImageTask`` (uint8 images on the device, one gather and one
  normalization per batch);
- ``dataloader``: ``torchvision.datasets.CIFAR10`` with ``ToTensor`` + ``Normalize`` transforms
  and a shuffling ``DataLoader`` (``--workers`` processes, pinned memory on CUDA).

For each path it prints images/s of loading alone and of training steps (forward, backward, Adam)
of the paper's CNN, with the ratio device / dataloader, and the time per CIFAR-10 epoch (50,000
images) of the CNN and of ResNet-18 on the device path. Each number is the best of
``--repeats`` runs (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader
from torchvision import transforms
from torchvision.datasets import CIFAR10

from grokrewarm.domains.warm_start.data import (
    CIFAR10_FILES,
    CIFAR10_FOLDER,
    _CIFAR10WithoutChecksums,
    write_cifar10_format,
)
from grokrewarm.domains.warm_start.models import ConvNet, resnet18_cifar
from grokrewarm.domains.warm_start.task import WarmStartImageTask

BATCH = 256
CIFAR10_TRAIN_IMAGES = 50_000


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def device_batches(root: Path, device: torch.device, checksums: bool) -> Iterator:
    task = WarmStartImageTask(
        dataset="cifar10",
        data_dir=str(root),
        verify_checksums=checksums,
        initial_fraction=1.0,
        batch_size=BATCH,
        probe_size=1,
        train_eval_size=1,
    ).to(device)
    step = 0
    while True:
        yield task.train_batch(step)
        step += 1


def dataloader_batches(root: Path, device: torch.device, workers: int, checksums: bool) -> Iterator:
    reader = CIFAR10 if checksums else _CIFAR10WithoutChecksums
    probe = reader(str(root), train=True)
    mean = (probe.data.reshape(-1, 3).mean(0) / 255).tolist()
    std = (probe.data.reshape(-1, 3).std(0) / 255).tolist()
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])
    loader = DataLoader(
        reader(str(root), train=True, transform=transform),
        batch_size=BATCH,
        shuffle=True,
        drop_last=True,
        num_workers=workers,
        pin_memory=device.type == "cuda",
        persistent_workers=workers > 0,
    )
    while True:
        for images, labels in loader:
            yield images.to(device, non_blocking=True), labels.to(device, non_blocking=True)


def images_per_second(
    batches: Iterator, steps: int, device: torch.device, train: Callable | None
) -> float:
    next(batches)  # warm up (worker start, first permutation, kernels)
    if train is not None:
        train(*next(batches))
    _sync(device)
    start = time.perf_counter()
    for _ in range(steps):
        images, labels = next(batches)
        if train is not None:
            train(images, labels)
    _sync(device)
    return steps * BATCH / (time.perf_counter() - start)


def training_step(model: nn.Module) -> Callable:
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step(images, labels) -> None:
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=10_000, help="generated training images")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--resnet-steps", type=int, default=None, help="default: --steps")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--data-dir", type=Path, default=None, help="real CIFAR-10, if present")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    real = args.data_dir is not None and all(
        (args.data_dir / CIFAR10_FOLDER / name).is_file() for name in CIFAR10_FILES
    )
    root = args.data_dir if real else Path(tempfile.mkdtemp())
    if not real:
        write_cifar10_format(root, args.images, 100)
    print(
        f"device={device} threads={torch.get_num_threads()} batch={BATCH} "
        f"data={'CIFAR-10' if real else f'{args.images} generated CIFAR-format images'} "
        f"workers={args.workers}"
    )

    def paths():
        return {
            "device": lambda: device_batches(root, device, real),
            "dataloader": lambda: dataloader_batches(root, device, args.workers, real),
        }

    results: dict[str, float] = {}
    for _ in range(args.repeats):
        for name, make in paths().items():
            rate = images_per_second(make(), args.steps, device, None)
            results[f"{name} loading"] = max(results.get(f"{name} loading", 0.0), rate)
            model = ConvNet().to(device)
            rate = images_per_second(make(), args.steps, device, training_step(model))
            results[f"{name} + CNN"] = max(results.get(f"{name} + CNN", 0.0), rate)
    resnet = resnet18_cifar().to(device)
    steps = args.resnet_steps or args.steps
    rate = images_per_second(
        device_batches(root, device, real), steps, device, training_step(resnet)
    )
    results["device + ResNet-18"] = rate
    for name, rate in results.items():
        print(f"{name:>22}: {rate:10.0f} images/s")
    ratios = {
        "loading device/dataloader": results["device loading"] / results["dataloader loading"],
        "CNN training device/dataloader": results["device + CNN"] / results["dataloader + CNN"],
        "CNN epoch seconds": CIFAR10_TRAIN_IMAGES / results["device + CNN"],
        "ResNet-18 epoch seconds": CIFAR10_TRAIN_IMAGES / results["device + ResNet-18"],
    }
    for name, value in ratios.items():
        print(f"{name:>32} = {value:.2f}")
    print("target on GPU: CNN training device/dataloader >= 3")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"device": str(device), **results, **ratios}, indent=2))


if __name__ == "__main__":
    main()
