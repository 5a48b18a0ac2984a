"""The warm-start protocol as a task: the data addition, determinism, evaluation, real loading."""

import pytest
import torch

from grokrewarm.domains.data_root import DatasetMissingError
from grokrewarm.domains.warm_start.data import (
    clutter_images,
    load_digits_images,
    warm_start_split,
    write_cifar10_format,
)
from grokrewarm.domains.warm_start.task import WarmStartImageTask

N_TRAIN, N_TEST = 100, 30


@pytest.fixture(scope="module")
def cifar_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    write_cifar10_format(root, N_TRAIN, N_TEST, seed=3)
    return root


def _task(root, **kwargs) -> WarmStartImageTask:
    args = dict(
        dataset="cifar10",
        data_dir=str(root),
        verify_checksums=False,
        initial_fraction=0.2,
        switch_step=7,
        batch_size=8,
        seed=1,
        probe_size=16,
        train_eval_size=40,
        eval_batch_size=32,
    )
    return WarmStartImageTask(**{**args, **kwargs})


def _rows(task: WarmStartImageTask, step: int) -> set[int]:
    """The training indices of a batch, recovered by matching normalized images."""
    images, _ = task.train_batch(step)
    every = task.normalize(task.train_images)
    match = (images[:, None] == every[None]).flatten(2).all(-1)
    assert bool(match.any(1).all())
    return set(match.float().argmax(1).tolist())


def test_batches_come_from_d_init_until_the_switch_then_from_all_data(cifar_root):
    task = _task(cifar_root)
    initial = set(warm_start_split(N_TRAIN, 0.2, seed=1)[0].tolist())
    assert len(initial) == 20
    first_epoch = _rows(task, 0) | _rows(task, 1)
    assert first_epoch <= initial and len(first_epoch) == 16  # 2 batches of 8 from 20
    assert set().union(*(_rows(task, step) for step in range(7))) == initial  # 3.5 epochs
    after = [_rows(task, step) for step in range(7, 7 + N_TRAIN // 8)]
    seen = set().union(*after)
    assert sum(len(rows) for rows in after) == 96 and len(seen) == 96  # one epoch, no repeats
    assert not seen <= initial


def test_phase_and_position_of_a_step(cifar_root):
    task = _task(cifar_root)
    assert task.phase_and_position(0) == (1, 0, 0)
    assert task.phase_and_position(5) == (1, 2, 1)  # 2 batches per D_init epoch
    assert task.phase_and_position(7) == (2, 0, 0)
    assert task.phase_and_position(7 + 12 + 3) == (2, 1, 3)  # 12 batches per full epoch


def test_a_batch_is_a_pure_function_of_the_step(cifar_root):
    first, second = _task(cifar_root), _task(cifar_root)
    for step in range(30):
        first.train_batch(step)  # advance one task; the other jumps straight to the step
    for step in (3, 9, 29):
        a, b = first.train_batch(step), second.train_batch(step)
        assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    other_seed = _task(cifar_root, seed=2)
    assert not torch.equal(other_seed.train_batch(9)[1], first.train_batch(9)[1])


def test_fraction_one_trains_on_everything_from_the_start(cifar_root):
    task = _task(cifar_root, initial_fraction=1.0, switch_step=12)
    assert len(set().union(*(_rows(task, step) for step in range(12)))) == 96  # one epoch


def test_evaluation_covers_the_test_set_and_a_fixed_train_subset(cifar_root):
    task = _task(cifar_root)
    batches = task.eval_batches()
    test = list(batches["test"])
    assert [len(y) for _, y in test] == [30]
    assert torch.equal(test[0][1], task.test_labels)
    train = list(batches["train"])
    assert sum(len(y) for _, y in train) == 40
    assert torch.equal(torch.cat([y for _, y in train]), task.train_labels[task.train_eval_index])
    # standardized with the training set's per-channel statistics
    x = torch.cat([x for x, _ in _task(cifar_root, train_eval_size=None).eval_batches()["train"]])
    assert x.mean(dim=(0, 2, 3)).abs().max() < 1e-4
    assert (x.std(dim=(0, 2, 3)) - 1).abs().max() < 1e-2


def test_probe_images_come_from_d_init(cifar_root):
    task = _task(cifar_root)
    initial = set(warm_start_split(N_TRAIN, 0.2, seed=1)[0].tolist())
    assert set(task.probe_index.tolist()) <= initial and len(task.probe_index) == 16


def test_missing_cifar10_fails_fast_with_instructions(tmp_path):
    with pytest.raises(DatasetMissingError, match="cifar-10-batches-py"):
        _task(tmp_path / "empty")


def test_the_task_moves_its_data_with_the_module(cifar_root, device):
    task = _task(cifar_root).to(device)
    images, labels = task.train_batch(8)
    assert images.device.type == labels.device.type == torch.device(device).type
    assert images.dtype == torch.float32 and task.train_images.dtype == torch.uint8
    reference, reference_labels = _task(cifar_root).train_batch(8)  # the same batch on the CPU
    assert torch.equal(labels.cpu(), reference_labels)
    torch.testing.assert_close(images.cpu(), reference)


def test_clutter_images_keeps_labels_and_changes_the_images_deterministically():
    x, _, _, _ = load_digits_images()
    x = x[:50]
    a, b = clutter_images(x, seed=0), clutter_images(x, seed=0)
    assert a.shape == x.shape and a.dtype == torch.uint8
    assert torch.equal(a, b) and not torch.equal(a, clutter_images(x, seed=1))
    assert (a.float() - x.float()).abs().mean() > 20  # moved, coloured, noised
    with pytest.raises(ValueError, match="min_size"):
        clutter_images(x, min_size=40)
