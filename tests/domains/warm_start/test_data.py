import pickle
from collections import Counter

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from torchvision.datasets import CIFAR10

from grokrewarm.domains.data_root import DATA_DIR_ENV, DatasetMissingError
from grokrewarm.domains.warm_start.data import (
    _CIFAR10WithoutChecksums,
    channel_statistics,
    load_cifar10,
    load_digits_images,
    normalize_images,
    warm_start_split,
    write_cifar10_format,
)


def test_generated_cifar_files_come_back_through_torchvision(tmp_path):
    written = write_cifar10_format(tmp_path, n_train=23, n_test=7, seed=1)
    loaded = load_cifar10(tmp_path, verify_checksums=False)
    x_train, y_train, x_test, y_test = loaded
    assert x_train.shape == (23, 3, 32, 32) and x_test.shape == (7, 3, 32, 32)
    assert x_train.dtype == torch.uint8 and y_train.dtype == torch.int64
    for got, expected in zip(loaded, written, strict=True):
        assert torch.equal(got, expected)  # every pixel in its channel and position, every label
    assert not torch.equal(written[0], write_cifar10_format(tmp_path / "b", 23, 7, seed=2)[0])


def test_generated_cifar_has_the_official_file_layout(tmp_path):
    x_train, _, x_test, y_test = write_cifar10_format(tmp_path, n_train=6, n_test=2, seed=4)
    folder = tmp_path / "cifar-10-batches-py"
    batches = []
    for i in range(1, 6):
        with open(folder / f"data_batch_{i}", "rb") as file:
            batches.append(pickle.load(file, encoding="latin1"))
    assert [len(batch["labels"]) for batch in batches] == [2, 1, 1, 1, 1]
    assert batches[0]["data"].shape == (2, 3072) and batches[0]["data"].dtype == np.uint8
    # a row is the red, then green, then blue 32x32 plane: pixel (row 31, col 0) of blue
    assert batches[0]["data"][1, 2 * 1024 + 31 * 32 + 0] == x_train[1, 2, 31, 0]
    # torchvision's own item view: an HWC PIL image and the label
    image, label = _CIFAR10WithoutChecksums(tmp_path, train=False)[1]
    assert np.array_equal(np.asarray(image), x_test[1].permute(1, 2, 0).numpy())
    assert label == y_test[1]


def test_generated_files_fail_the_official_checksums_with_advice(tmp_path):
    write_cifar10_format(tmp_path, n_train=5, n_test=1)
    with pytest.raises(RuntimeError, match="verify_checksums=False"):
        load_cifar10(tmp_path)


def test_missing_cifar_names_folder_command_and_env_var(tmp_path):
    root = tmp_path / "nowhere"
    with pytest.raises(DatasetMissingError) as error:
        load_cifar10(root)
    message = str(error.value)
    assert isinstance(error.value, FileNotFoundError)
    assert f"{root.resolve() / 'cifar-10-batches-py'}/" in message
    assert DATA_DIR_ENV in message
    assert f"torchvision.datasets.CIFAR10('{root}', download=True)" in message
    assert CIFAR10.url in message
    assert "data_batch_1" in message and "batches.meta" in message


def test_partially_present_cifar_lists_only_the_missing_file(tmp_path):
    write_cifar10_format(tmp_path, n_train=5, n_test=1)
    (tmp_path / "cifar-10-batches-py" / "test_batch").unlink()
    with pytest.raises(DatasetMissingError, match="Missing files: test_batch\n"):
        load_cifar10(tmp_path, verify_checksums=False)


def test_root_from_env_var_then_working_directory(tmp_path, monkeypatch):
    written = write_cifar10_format(tmp_path / "from_env", n_train=5, n_test=2, seed=7)
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from_env"))
    assert torch.equal(load_cifar10(verify_checksums=False)[2], written[2])
    monkeypatch.delenv(DATA_DIR_ENV)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatasetMissingError, match=str(tmp_path / "data" / "cifar-10-batches-py")):
        load_cifar10()


def test_digits_shapes_split_and_label_balance():
    x_train, y_train, x_test, y_test = load_digits_images(image_size=32, seed=0)
    assert x_train.shape == (1347, 3, 32, 32) and x_test.shape == (450, 3, 32, 32)
    assert x_train.dtype == torch.uint8 and y_train.dtype == torch.int64
    assert torch.equal(x_train[:, 0], x_train[:, 2]) and torch.equal(x_test[:, 1], x_test[:, 0])
    assert (int(x_train.min()), int(x_train.max())) == (0, 255)
    per_class = torch.bincount(torch.from_numpy(load_digits().target))
    test_counts = torch.bincount(y_test, minlength=10)
    assert test_counts.tolist() == [round(0.25 * int(n)) for n in per_class]  # stratified
    assert (torch.bincount(y_train, minlength=10) + test_counts).tolist() == per_class.tolist()


def test_digits_are_the_real_sklearn_images_and_split_depends_on_seed():
    x_train, _, x_test, _ = load_digits_images(image_size=8, seed=3)
    digits = torch.from_numpy(load_digits().images)
    expected = Counter(tuple(row) for row in (digits * 255 / 16).round().reshape(-1, 64).tolist())
    got = Counter(tuple(row) for row in torch.cat([x_train, x_test])[:, 0].reshape(-1, 64).tolist())
    assert got == expected
    big_train = load_digits_images(image_size=32, seed=3)[0]
    shrunk = torch.nn.functional.avg_pool2d(big_train[:, :1].float(), 4)
    correlation = torch.corrcoef(torch.stack([shrunk.flatten(), x_train[:, :1].float().flatten()]))
    assert correlation[0, 1] > 0.95  # the 32x32 images are upsampled versions of the 8x8 ones
    assert torch.equal(load_digits_images(image_size=8, seed=3)[2], x_test)
    assert not torch.equal(load_digits_images(image_size=8, seed=4)[2], x_test)


def test_warm_start_split_sizes_disjoint_and_seeded():
    initial, rest = warm_start_split(1000, 0.1, seed=0)
    assert (len(initial), len(rest)) == (100, 900)
    assert torch.equal(torch.cat([initial, rest]).sort().values, torch.arange(1000))
    assert torch.equal(initial, initial.sort().values)
    assert torch.equal(warm_start_split(1000, 0.1, seed=0)[0], initial)
    assert not torch.equal(warm_start_split(1000, 0.1, seed=1)[0], initial)
    initial_all, rest_none = warm_start_split(50, 1.0, seed=0)
    assert torch.equal(initial_all, torch.arange(50)) and len(rest_none) == 0
    assert len(warm_start_split(10, 0.01, seed=0)[0]) == 1  # never an empty D_init


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.5])
def test_warm_start_split_rejects_fractions_outside_0_1(fraction):
    with pytest.raises(ValueError, match=r"initial_fraction must be in \(0, 1\]"):
        warm_start_split(100, fraction, seed=0)


@pytest.mark.parametrize(
    ("n_train", "fraction", "error"),
    [(0, 0.5, ValueError), (100, "0.5", TypeError), (100, True, TypeError)],
)
def test_warm_start_split_rejects_bad_types(n_train, fraction, error):
    with pytest.raises(error):
        warm_start_split(n_train, fraction, seed=0)


def _identity_labelled(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Random images whose label is their own index, so a batch's labels say which rows it holds."""
    generator = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (n, 3, 4, 4), dtype=torch.uint8, generator=generator)
    return images, torch.arange(n)


def test_channel_statistics_and_normalization():
    images, _ = _identity_labelled(50)
    images[:, 1] = 7  # a constant channel
    mean, std = channel_statistics(images)
    as_float = images.double()
    assert torch.allclose(mean.double(), as_float.mean(dim=(0, 2, 3)), atol=1e-5)
    assert torch.allclose(std.double(), as_float.std(dim=(0, 2, 3), correction=0), atol=1e-5)
    assert mean[1] == 7 and std[1] == 0
    images[:, 1] = torch.arange(16, dtype=torch.uint8).reshape(4, 4)
    mean, std = channel_statistics(images)
    x = normalize_images(images, mean, std)
    expected = (images[3, 2, 1, 0].item() - mean[2]) / std[2]
    assert torch.isclose(x[3, 2, 1, 0], expected)
    assert torch.allclose(x.mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-5)
    assert torch.allclose(x.std(dim=(0, 2, 3), correction=0), torch.ones(3), atol=1e-5)
