import pytest
import torch

from grokrewarm.domains.lazy_rich.eigenvector_labels import (
    EigenvectorLabelTask,
    kernel_eigenvector,
    make_eigenvector_data,
)
from grokrewarm.domains.lazy_rich.polynomial import committee_machine
from grokrewarm.method.laziness_diagnostics import empirical_ntk, ntk_alignment

F64 = torch.float64


def test_eigenvector_ordering_and_sign_by_hand():
    kernel = torch.diag(torch.tensor([1.0, 5.0, 3.0], dtype=F64))
    for j, (value, index) in enumerate([(5.0, 1), (3.0, 2), (1.0, 0)], start=1):
        eigenvalue, vector = kernel_eigenvector(kernel, j)
        assert eigenvalue.item() == pytest.approx(value)
        assert torch.allclose(vector, torch.eye(3, dtype=F64)[index])  # +e_i, not -e_i


def test_eigenvector_of_a_dense_matrix():
    kernel = torch.tensor([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 1.0]], dtype=F64)
    values = torch.linalg.eigvalsh(kernel).flip(0)  # descending
    for j in (1, 2, 3):
        eigenvalue, vector = kernel_eigenvector(kernel, j)
        assert eigenvalue.item() == pytest.approx(values[j - 1].item())
        assert torch.allclose(kernel @ vector, eigenvalue * vector, atol=1e-12)
        assert vector.norm().item() == pytest.approx(1.0)
        assert vector[vector.abs().argmax()] > 0
    shifted_value, shifted = kernel_eigenvector(kernel, 1, subtract_mean=True)
    centred = kernel - kernel.mean()
    assert torch.allclose(centred @ shifted, shifted_value * shifted, atol=1e-12)
    assert not torch.allclose(shifted, kernel_eigenvector(kernel, 1)[1])


def test_eigenvector_rank_is_validated():
    kernel = torch.eye(3)
    for j in (0, 4):
        with pytest.raises(ValueError, match="1..3"):
            kernel_eigenvector(kernel, j)
    with pytest.raises(ValueError, match="square"):
        kernel_eigenvector(torch.ones(2, 3), 1)


def task(j: int, **kwargs):
    sizes = {"n_train": 20, "n_test": 10, "dim": 8, "width": 3, "seed": 5, "dtype": F64}
    return make_eigenvector_data(j, **(sizes | kwargs))


def test_task_labels_are_the_jth_eigenvector_of_the_models_initial_ntk():
    top, middle = task(1), task(12)
    assert torch.equal(top.x_train, middle.x_train)  # same seed, same inputs and model
    x = torch.cat([middle.x_train, middle.x_test])
    labels = torch.cat([middle.y_train, middle.y_test])
    assert middle.x_train.shape == (20, 8) and middle.y_test.shape == (10,)
    kernel = empirical_ntk(middle.model, x)
    assert torch.allclose(kernel @ labels, middle.eigenvalue * labels, atol=1e-10)
    assert labels.norm().item() == pytest.approx(1.0)
    eigenvalues = torch.linalg.eigvalsh(kernel).flip(0)
    assert middle.eigenvalue.item() == pytest.approx(eigenvalues[11].item())
    assert top.eigenvalue.item() == pytest.approx(eigenvalues[0].item())
    assert middle.alignment_rank == 12


def test_alignment_as_printed_falls_with_j():
    # y^T K y / (||K|| ||y||^2) = lambda_j / ||K||_F for a unit eigenvector y
    alignments = []
    for j in (1, 10, 30):
        t = task(j)
        kernel = empirical_ntk(t.model, torch.cat([t.x_train, t.x_test]))
        labels = torch.cat([t.y_train, t.y_test])
        alignment = ntk_alignment(kernel, labels, centering="none")
        expected = t.eigenvalue / torch.linalg.matrix_norm(kernel)
        assert alignment.item() == pytest.approx(expected.item(), rel=1e-10)
        alignments.append(alignment.item())
    assert alignments[0] > alignments[1] > alignments[2]


def test_task_validation():
    with pytest.raises(ValueError, match="1..30"):
        task(31)
    with pytest.raises(ValueError, match="n_train"):
        task(1, n_test=0)


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
