"""The lazy-rich tasks as training-stack tasks: data, batches, losses and extra metrics."""

import pytest
import torch
from torch.nn import functional as F

from grokrewarm.domains.lazy_rich.eigenvector_labels import make_eigenvector_data
from grokrewarm.domains.lazy_rich.mnist import OmnigrokMLP, write_mnist_format
from grokrewarm.domains.lazy_rich.modular_mlp import ModularAdditionMLP, modular_addition_data
from grokrewarm.domains.lazy_rich.polynomial import make_polynomial_data
from grokrewarm.domains.lazy_rich.tasks import (
    EigenvectorLabelTask,
    MnistTask,
    ModularAdditionMLPTask,
    PolynomialTask,
    TeacherStudentTask,
    TensorTask,
    committee_machine,
)
from grokrewarm.domains.lazy_rich.teacher_student import teacher_student_mlp
from grokrewarm.domains.warm_start.data import DatasetMissingError
from grokrewarm.method.laziness import CenteredOutputScale
from grokrewarm.method.laziness_diagnostics import empirical_ntk, ntk_alignment


def test_polynomial_task_is_the_data_builders_full_batch_with_mse():
    task = PolynomialTask(n_train=30, n_test=40, dim=8, seed=3)
    data = make_polynomial_data(30, 40, 8, seed=3)
    x, y = task.train_batch(0)
    assert torch.equal(x, data.x_train) and torch.equal(y, data.y_train)
    assert task.train_batch(17)[0] is task.x_train  # full batch every step
    assert task.model_kwargs() == {"dim": 8}
    outputs = torch.randn(30)
    assert task.loss(outputs, y).item() == pytest.approx((outputs - y).square().mean().item())


def test_minibatches_cover_an_epoch_once_in_a_seeded_order():
    x = torch.arange(10.0)[:, None]
    task = TensorTask(x, torch.arange(10.0), x, torch.arange(10.0), batch_size=5, seed=1)
    epoch = torch.cat([task.train_batch(s)[1] for s in (0, 1)])
    assert sorted(epoch.tolist()) == list(range(10))
    again = TensorTask(x, torch.arange(10.0), x, torch.arange(10.0), batch_size=5, seed=1)
    assert torch.equal(again.train_batch(1)[1], task.train_batch(1)[1])


def test_polynomial_extra_metrics_are_eq6_terms_summing_to_the_population_loss():
    torch.manual_seed(0)
    task = PolynomialTask(n_train=50, n_test=20000, dim=6, seed=0)
    model = CenteredOutputScale(committee_machine(dim=6, width=40, eps=0.5), alpha=1.5)
    with torch.no_grad():
        model.model.weight.add_(0.3 * torch.randn_like(model.model.weight))
    terms = task.extra_metrics(model)
    parts = sum(terms[f"decomposition/{k}"] for k in ("variance", "misalignment", "linear_power"))
    assert terms["decomposition/total"].item() == pytest.approx(parts.item(), rel=1e-6)
    # the exact population loss against a large test sample (sampling error ~1-2%)
    sampled = task.loss(model(task.x_test), task.y_test).item()
    assert terms["decomposition/total"].item() == pytest.approx(sampled, rel=0.05)
    # the Hermite variant has no Eq. 6: nothing logged
    hermite = committee_machine(dim=6, width=4, hermite_degree=3)
    assert task.extra_metrics(hermite) == {}


def test_committee_machine_starts_from_given_weights_and_checks_their_shape():
    weight = torch.randn(3, 5)
    machine = committee_machine(dim=5, width=3, eps=0.1, initial_weight=weight)
    assert torch.equal(machine.weight.detach(), weight) and machine.eps == 0.1
    with pytest.raises(ValueError, match="initial_weight has shape"):
        committee_machine(dim=5, width=4, initial_weight=weight)


def test_eigenvector_task_model_is_the_machine_whose_ntk_made_the_labels():
    task = EigenvectorLabelTask(j=3, n_train=20, n_test=10, dim=7, width=2, eps=0.25, seed=4)
    reference = make_eigenvector_data(3, 20, 10, 7, 2, 0.25, seed=4)
    scale = 30**0.5  # label_scale default: sqrt(n_train + n_test)
    assert torch.allclose(task.y_train, reference.y_train * scale)
    model = committee_machine(**task.model_kwargs())
    assert torch.equal(model.weight.detach(), reference.model.weight.detach())
    x = torch.cat([task.x_train, task.x_test])
    labels = torch.cat([task.y_train, task.y_test])
    kernel = empirical_ntk(model, x)
    # y is the 3rd eigenvector of K0: K y = lambda_3 y, and the printed alignment is lambda/||K||
    assert torch.allclose(kernel @ labels, reference.eigenvalue * labels, atol=1e-3)
    alignment = ntk_alignment(kernel, labels, centering="none")
    expected = reference.eigenvalue / torch.linalg.matrix_norm(kernel)
    assert alignment.item() == pytest.approx(expected.item(), rel=1e-4)


def test_modular_task_summed_squared_error_is_p_times_the_mean():
    task = ModularAdditionMLPTask(p=7, train_fraction=0.5, seed=0)
    data = modular_addition_data(7, 0.5, 0)
    assert torch.equal(task.train_batch(0)[1], data.y_train)
    model = ModularAdditionMLP(p=7, width=5)
    x, y = task.train_batch(0)
    by_hand = (model(x) - y).square().sum(1).mean()
    assert task.loss(model(x), y).item() == pytest.approx(by_hand.item(), rel=1e-6)
    mean_task = ModularAdditionMLPTask(p=7, train_fraction=0.5, seed=0, loss="mse")
    assert mean_task.loss(model(x), y).item() == pytest.approx(by_hand.item() / 7, rel=1e-6)


def test_teacher_student_threshold_accuracy_by_hand():
    task = TeacherStudentTask(n_train=6, n_test=4, seed=0, threshold=0.5)
    assert task.accuracy == "none"  # no argmax accuracy for vector regression targets
    student = teacher_student_mlp(**task.model_kwargs())

    class Shifted(torch.nn.Module):  # the teacher's labels plus a known error per sample
        def forward(self, x):
            shift = torch.zeros(len(x), 5)
            shift[::2, 0] = 1.0  # every other sample off by 1.0 > 0.5
            labels = task.y_train if len(x) == 6 else task.y_test
            return labels + shift

    metrics = task.extra_metrics(Shifted())
    assert metrics["train/acc@thr"].item() == pytest.approx(0.5)
    assert metrics["test/acc@thr"].item() == pytest.approx(0.5)
    assert student(task.x_train).shape == (6, 5)
    # the authors' notebook: the mean over the 5 outputs of the squared error, 1.0 / 5 = 0.2
    mse_task = TeacherStudentTask(n_train=6, n_test=4, seed=0, threshold=0.25, error="mse")
    assert mse_task.extra_metrics(Shifted())["train/acc@thr"].item() == 1.0
    mse_task.threshold = 0.15
    assert mse_task.extra_metrics(Shifted())["train/acc@thr"].item() == pytest.approx(0.5)
    with pytest.raises(ValueError, match="error must be"):
        TeacherStudentTask(error="l1")


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


def test_invalid_loss_and_batch_size_are_rejected():
    x = torch.zeros(4, 2)
    with pytest.raises(ValueError, match="loss must be"):
        TensorTask(x, torch.zeros(4), x, torch.zeros(4), loss="l1")
    with pytest.raises(ValueError, match="cross_entropy needs integer"):
        TensorTask(x, torch.zeros(4), x, torch.zeros(4), loss="cross_entropy")
    with pytest.raises(ValueError, match="batch_size"):
        TensorTask(x, torch.zeros(4), x, torch.zeros(4), batch_size=0)


def test_digits_stand_in_is_real_offline_handwriting_in_the_mnist_task():
    task = MnistTask(n_train=100, dataset="digits", batch_size=None)
    assert task.x_train.shape == (100, 64) and task.model_kwargs() == {"in_features": 64}
    assert task.x_train.min() >= 0.0 and task.x_train.max() <= 1.0
    assert set(task.y_test.tolist()) == set(range(10)) and len(task.y_test) == 1797 - 1347
    with pytest.raises(ValueError, match="dataset must be"):
        MnistTask(dataset="cifar")
