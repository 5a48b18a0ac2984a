import pytest
import torch
from torch import nn

from grokrewarm.domains.lazy_rich.teacher_student import (
    TeacherStudentTask,
    make_teacher_student,
    teacher_student_mlp,
)


def test_architecture_is_5_100_100_5_tanh_with_biases():
    task = make_teacher_student(seed=0)
    layers = list(task.student)
    assert [type(layer) for layer in layers] == [nn.Linear, nn.Tanh, nn.Linear, nn.Tanh, nn.Linear]
    shapes = [tuple(p.shape) for p in task.student.parameters()]
    assert shapes == [(100, 5), (100,), (100, 100), (100,), (5, 100), (5,)]


def test_labels_come_from_the_teacher_on_gaussian_inputs():
    task = make_teacher_student(seed=0)
    assert task.x_train.shape == (100, 5) and task.x_test.shape == (100, 5)
    with torch.no_grad():
        assert torch.equal(task.y_train, task.teacher(task.x_train))
        assert torch.equal(task.y_test, task.teacher(task.x_test))
    inputs = torch.cat([task.x_train, task.x_test])
    assert inputs.mean().item() == pytest.approx(0.0, abs=0.1)  # 1000 N(0, 1) draws
    assert inputs.std().item() == pytest.approx(1.0, abs=0.1)
    assert not any(p.requires_grad for p in task.teacher.parameters())
    assert all(p.requires_grad for p in task.student.parameters())


def test_student_is_scaled_and_differs_from_the_teacher():
    standard = make_teacher_student(seed=4, student_init_scale=1.0)
    scaled = make_teacher_student(seed=4, student_init_scale=2.0)
    for p1, p2 in zip(standard.student.parameters(), scaled.student.parameters(), strict=True):
        assert torch.allclose(p2, 2.0 * p1)  # biases included (Omnigrok)
    for p1, p2 in zip(standard.teacher.parameters(), scaled.teacher.parameters(), strict=True):
        assert torch.equal(p1, p2)
    assert torch.equal(standard.x_train, scaled.x_train)
    teacher_weight, student_weight = standard.teacher[0].weight, standard.student[0].weight
    assert not torch.allclose(teacher_weight, student_weight)


def test_task_is_a_function_of_the_seed_and_leaves_the_global_rng_alone():
    state = torch.get_rng_state()
    first, again, other = (make_teacher_student(seed=s) for s in (7, 7, 8))
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(first.x_test, again.x_test) and torch.equal(first.y_test, again.y_test)
    assert torch.equal(first.student[2].weight, again.student[2].weight)
    assert not torch.equal(first.x_test, other.x_test)
    assert not torch.equal(first.teacher[0].weight, other.teacher[0].weight)


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
