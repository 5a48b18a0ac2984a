"""The task contract (``grokrewarm.domains.task``) and the one seeded batching helper
(``grokrewarm.domains.ordering.SeededBatches``), checked on every task class a config can build."""

from __future__ import annotations

import pytest
import torch
import yaml
from torch import nn

from grokrewarm.compose import CONF_DIR
from grokrewarm.domains.grokking.task import ModularArithmeticTask
from grokrewarm.domains.lazy_rich.eigenvector_labels import EigenvectorLabelTask
from grokrewarm.domains.lazy_rich.imdb import ImdbTask
from grokrewarm.domains.lazy_rich.mnist import MnistTask
from grokrewarm.domains.lazy_rich.modular_mlp import ModularAdditionMLPTask
from grokrewarm.domains.lazy_rich.polynomial import PolynomialTask
from grokrewarm.domains.lazy_rich.qm9 import Qm9Task
from grokrewarm.domains.lazy_rich.teacher_student import TeacherStudentTask
from grokrewarm.domains.lazy_rich.tensor_task import TensorTask
from grokrewarm.domains.ordering import SeededBatches, epoch_permutation
from grokrewarm.domains.task import (
    HasEvalSplits,
    HasExtraMetrics,
    SupervisedTask,
    check_task,
    count_correct,
    split_batches,
)
from grokrewarm.domains.warm_start.data import write_cifar10_format
from grokrewarm.domains.warm_start.task import WarmStartImageTask
from grokrewarm.method.rewarm import RewarmController
from grokrewarm.method.schedules import ConstantSchedule
from grokrewarm.training.module import RewarmModule


@pytest.fixture(scope="module")
def cifar_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    write_cifar10_format(root, 100, 30, seed=3)  # random images: every one unique
    return str(root)


# class -> (small minibatched kwargs given a seed and a data folder, declared accuracy)
TASKS = {
    ModularArithmeticTask: (
        lambda seed, _: dict(p=13, train_fraction=0.5, batch_size=16, seed=seed),
        "argmax",
    ),
    PolynomialTask: (
        lambda seed, _: dict(n_train=30, n_test=10, dim=8, batch_size=7, seed=seed),
        "none",
    ),
    EigenvectorLabelTask: (
        lambda seed, _: dict(j=3, n_train=20, n_test=10, dim=7, batch_size=6, seed=seed),
        "none",
    ),
    ModularAdditionMLPTask: (
        lambda seed, _: dict(p=7, train_fraction=0.5, batch_size=5, seed=seed),
        "onehot",
    ),
    TeacherStudentTask: (
        lambda seed, _: dict(n_train=12, n_test=4, batch_size=5, seed=seed),
        "none",
    ),
    MnistTask: (
        lambda seed, _: dict(n_train=50, dataset="digits", batch_size=8, seed=seed),
        "argmax",
    ),
    ImdbTask: (
        lambda seed, _: dict(
            n_train=8, max_length=16, dataset="generated", batch_size=3, seed=seed, split_seed=0
        ),
        "logit",
    ),
    Qm9Task: (
        lambda seed, _: dict(n_train=10, n_test=5, dataset="generated", batch_size=3, seed=seed),
        "none",
    ),
    # switch_step=1: from step 1 on, batches are drawn from the whole (seed-independent) set
    WarmStartImageTask: (
        lambda seed, root: dict(
            dataset="cifar10",
            data_dir=root,
            verify_checksums=False,
            initial_fraction=0.2,
            switch_step=1,
            batch_size=16,
            seed=seed,
            probe_size=8,
            train_eval_size=20,
        ),
        "argmax",
    ),
}


def _build(cls, seed: int, root: str):
    return cls(**TASKS[cls][0](seed, root))


def _epoch_steps(task) -> range:
    """The steps of one epoch over the seed-independent training set."""
    if isinstance(task, WarmStartImageTask):
        return range(1, 1 + task.phase_batches[2].batches_per_epoch)
    return range(task.batches.batches_per_epoch)


def _positions(task, step: int) -> list[int]:
    """Where step's examples sit in the task's training set, matched by content."""
    inputs, targets = task.train_batch(step)
    if isinstance(task, Qm9Task):  # graph batches: the targets name the molecules
        pool, rows = task.y[: task.n_train], targets
    elif isinstance(task, WarmStartImageTask):
        pool, rows = task.normalize(task.train_images), inputs
    elif isinstance(task, ModularArithmeticTask):
        pool, rows = task.train_tokens, inputs
    else:
        pool, rows = task.x_train, inputs
    pool, rows = pool.reshape(len(pool), -1), rows.reshape(len(rows), -1)
    match = (rows[:, None] == pool[None]).all(-1)
    assert match.sum(1).eq(1).all(), "each batch row is exactly one training example"
    return match.int().argmax(1).tolist()


def test_every_configured_task_class_is_covered():
    targets = {
        yaml.safe_load(path.read_text())["_target_"] for path in (CONF_DIR / "task").glob("*.yaml")
    }
    assert targets == {f"{cls.__module__}.{cls.__qualname__}" for cls in TASKS}


@pytest.mark.parametrize("cls", list(TASKS), ids=lambda cls: cls.__name__)
def test_tasks_satisfy_the_contract_and_declare_their_accuracy(cls, cifar_root):
    task = _build(cls, 0, cifar_root)
    assert isinstance(task, SupervisedTask) and check_task(task) is task
    assert task.accuracy == TASKS[cls][1]
    for split, batches in task.eval_batches().items():
        assert split in ("train", "test")
        assert sum(len(targets) for _, targets in batches) > 0


@pytest.mark.parametrize("cls", list(TASKS), ids=lambda cls: cls.__name__)
def test_the_seed_sets_the_batch_order_in_every_task(cls, cifar_root):
    first, again, other = (_build(cls, seed, cifar_root) for seed in (1, 1, 2))
    steps = _epoch_steps(first)
    assert len(steps) >= 2
    order = [_positions(first, step) for step in steps]
    flat = [i for batch in order for i in batch]
    assert len(set(flat)) == len(flat)  # an epoch draws no example twice
    assert [_positions(again, step) for step in reversed(steps)] == order[::-1]  # any order
    assert [_positions(other, step) for step in steps] != order


def test_optional_capabilities_are_declared_by_the_methods_a_task_has(cifar_root):
    polynomial = _build(PolynomialTask, 0, cifar_root)
    modular = _build(ModularAdditionMLPTask, 0, cifar_root)
    images = _build(WarmStartImageTask, 0, cifar_root)
    assert isinstance(polynomial, HasExtraMetrics) and not isinstance(modular, HasExtraMetrics)
    assert isinstance(modular, HasEvalSplits) and not isinstance(images, HasEvalSplits)


def test_seeded_batches_by_hand():
    batches = SeededBatches(10, 4, seed=3)  # 2 batches per epoch; 2 examples left out
    assert (batches.batch_size, batches.batches_per_epoch, batches.full_batch) == (4, 2, False)
    for epoch in (0, 1):
        order = epoch_permutation(10, 3, epoch)
        assert torch.equal(batches.indices(2 * epoch), order[:4])
        assert torch.equal(batches.indices(2 * epoch + 1), order[4:8])
    assert batches.position(5) == (2, 1)
    assert batches.indices(0).dtype == torch.int64
    shifted = SeededBatches(10, 4, seed=3, epoch_offset=7)
    assert torch.equal(shifted.indices(1), epoch_permutation(10, 3, 7)[4:8])
    assert torch.equal(SeededBatches(10, None, seed=3).indices(0), epoch_permutation(10, 3, 0))
    assert SeededBatches(10, None, 0).full_batch and SeededBatches(10, 50, 0).batch_size == 10
    with pytest.raises(ValueError, match="batch_size must be >= 1 or null"):
        SeededBatches(10, 0, seed=0)
    with pytest.raises(ValueError, match="step must be >= 0"):
        batches.indices(-1)


def test_seeded_batches_keep_one_order_per_epoch_and_device(device):
    batches = SeededBatches(12, 3, seed=1)
    on_device = batches.indices(5, device)
    assert on_device.device.type == device
    assert torch.equal(on_device.cpu(), batches.indices(5))  # the CPU request re-keys the cache
    assert torch.equal(batches.indices(5, device).cpu(), epoch_permutation(12, 1, 1)[3:6])


def test_count_correct_for_each_declared_kind():
    logits = torch.tensor([[0.0, 1.0], [2.0, 0.0], [0.5, 0.4]])
    assert count_correct("argmax", logits, torch.tensor([1, 1, 0])).item() == 2
    one_hot = torch.tensor([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    assert count_correct("onehot", logits, one_hot).item() == 2
    binary = torch.tensor([2.0, -1.0, 0.5, -3.0])
    assert count_correct("logit", binary, torch.tensor([1, 1, 0, 0])).item() == 2
    assert count_correct("logit", binary[:, None], torch.tensor([1.0, 1.0, 0.0, 0.0])).item() == 2
    assert count_correct("none", logits, one_hot) is None
    with pytest.raises(ValueError, match="unknown accuracy"):
        count_correct("top5", logits, one_hot)


def test_split_batches_slices_whole_splits():
    x, y = torch.arange(10.0)[:, None], torch.arange(10)
    batches = split_batches({"train": (x, y), "test": (x[:3], y[:3])}, batch_size=4)
    assert [b.tolist() for _, b in batches["train"]] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [b.tolist() for _, b in batches["test"]] == [[0, 1, 2]]


def test_check_task_names_what_is_missing_or_unknown():
    class NoLoss:
        accuracy = "argmax"

        def train_batch(self, step): ...

        def eval_batches(self): ...

        def probe_inputs(self): ...

        def model_kwargs(self): ...

    with pytest.raises(TypeError, match="NoLoss is not a SupervisedTask.*lacks loss"):
        check_task(NoLoss())
    x = torch.zeros(4, 2)
    task = TensorTask(x, torch.zeros(4), x, torch.zeros(4))
    task.accuracy = "top5"
    with pytest.raises(ValueError, match="accuracy is 'top5'"):
        check_task(task)
    with pytest.raises(TypeError, match="lacks"):
        RewarmModule(
            nn.Linear(2, 1), NoLoss(), torch.optim.SGD, RewarmController(ConstantSchedule(0.1))
        )


def _evaluate(task: TensorTask, model: nn.Module) -> dict[str, float]:
    module = RewarmModule(model, task, torch.optim.SGD, RewarmController(ConstantSchedule(0.1)))
    return {k: v.item() for k, v in module.evaluate().items()}


class _Fixed(nn.Module):
    def __init__(self, outputs: torch.Tensor) -> None:
        super().__init__()
        self.outputs = outputs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.outputs[: len(x)]


def test_evaluation_logs_the_declared_accuracy_not_one_guessed_from_shapes():
    x = torch.zeros(4, 1)
    outputs = torch.tensor([[0.0, 1.0], [2.0, 0.0], [0.0, 3.0], [1.0, 0.0]])  # classes 1, 0, 1, 0
    one_hot = torch.tensor([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])  # classes 1, 1, 1, 0
    # MSE on one-hot vectors is regression unless the task declares the argmax a class
    regression = _evaluate(TensorTask(x, one_hot, x, one_hot), _Fixed(outputs))
    assert set(regression) == {"train/loss", "test/loss"}
    mse = ((outputs - one_hot) ** 2).mean().item()
    assert regression["train/loss"] == pytest.approx(mse)
    declared = _evaluate(TensorTask(x, one_hot, x, one_hot, accuracy="onehot"), _Fixed(outputs))
    assert declared["train/acc"] == 0.75 and declared["train/loss"] == pytest.approx(mse)
    labels = torch.tensor([1, 1, 1, 0])
    ce = _evaluate(TensorTask(x, labels, x, labels, loss="cross_entropy"), _Fixed(outputs))
    assert ce["test/acc"] == 0.75  # cross-entropy: argmax accuracy
    expected = torch.nn.functional.cross_entropy(outputs, labels).item()
    assert ce["test/loss"] == pytest.approx(expected)
    with pytest.raises(ValueError, match="'argmax' needs integer class labels"):
        TensorTask(x, one_hot, x, one_hot, accuracy="argmax")
    with pytest.raises(ValueError, match="'onehot' needs one-hot"):
        TensorTask(x, labels, x, labels, accuracy="onehot")
    with pytest.raises(ValueError, match="accuracy must be one of"):
        TensorTask(x, labels, x, labels, accuracy="top5")


def test_lazy_rich_tasks_pass_their_seed_to_the_batching():
    """The polynomial and eigenvector tasks once dropped ``seed`` (positionally) and ordered
    every seed's minibatches as seed 0's."""
    for cls in (PolynomialTask, EigenvectorLabelTask):
        task = _build(cls, 5, "")
        assert task.batches.seed == 5
        expected = epoch_permutation(task.batches.n, 5, 0)[: task.batch_size]
        assert torch.equal(task.train_batch(0)[0], task.x_train[expected]), cls.__name__
