"""Teacher-student regression (Liu et al. 2023 "Omnigrok", Section 3; Kumar et al. 2024,
App. 8.3.1, Fig. 8).

Teacher and student are both 5-100-100-5 tanh MLPs with PyTorch's default initialisation and
biases, from different seeds; the student's parameters (biases included) are multiplied by
``init_scale`` (Omnigrok's alpha; 2.0 gives grokking with AdamW lr 3e-4 and small weight decay,
per the authors' code). 100 train and 100 test inputs ``x ~ N(0, I_5)``, labelled by the teacher.
Kumar et al. keep this setup and vary the output scale instead (``CenteredOutputScale``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from grokrewarm.method.laziness import scale_initialization_

DEFAULT_IN_FEATURES = 5
DEFAULT_HIDDEN = 100
DEFAULT_OUT_FEATURES = 5
DEFAULT_N_TRAIN = 100
DEFAULT_N_TEST = 100
DEFAULT_STUDENT_INIT_SCALE = 2.0


def teacher_student_mlp(
    in_features: int = DEFAULT_IN_FEATURES,
    hidden: int = DEFAULT_HIDDEN,
    out_features: int = DEFAULT_OUT_FEATURES,
) -> nn.Sequential:
    """``in - hidden - hidden - out`` MLP with tanh, PyTorch default init (uses the global RNG)."""
    return nn.Sequential(
        nn.Linear(in_features, hidden),
        nn.Tanh(),
        nn.Linear(hidden, hidden),
        nn.Tanh(),
        nn.Linear(hidden, out_features),
    )


def _seeded_mlp(seed: int, **sizes) -> nn.Sequential:
    # fork_rng: the default init draws from the global RNG; seed it without disturbing the caller's
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return teacher_student_mlp(**sizes)


@dataclass(frozen=True)
class TeacherStudentData:
    """A teacher, a scaled student, and the teacher-labelled train and test sets (the data of
    the training task ``tasks.TeacherStudentTask``)."""

    teacher: nn.Sequential
    student: nn.Sequential
    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor


def make_teacher_student(
    seed: int = 0,
    student_init_scale: float = DEFAULT_STUDENT_INIT_SCALE,
    n_train: int = DEFAULT_N_TRAIN,
    n_test: int = DEFAULT_N_TEST,
    in_features: int = DEFAULT_IN_FEATURES,
    hidden: int = DEFAULT_HIDDEN,
    out_features: int = DEFAULT_OUT_FEATURES,
) -> TeacherStudentData:
    """Build the data from one ``seed``; teacher, student and inputs get independent child seeds.

    Labels are computed without gradient; the teacher's parameters have ``requires_grad=False``.
    """
    if n_train < 1 or n_test < 1:
        raise ValueError(f"n_train and n_test must be >= 1, got {n_train}, {n_test}")
    teacher_seed, student_seed, data_seed = (
        int(child.generate_state(1)[0]) for child in np.random.SeedSequence(seed).spawn(3)
    )
    sizes = {"in_features": in_features, "hidden": hidden, "out_features": out_features}
    teacher = _seeded_mlp(teacher_seed, **sizes).requires_grad_(False)
    student = scale_initialization_(_seeded_mlp(student_seed, **sizes), student_init_scale)
    generator = torch.Generator().manual_seed(data_seed)
    x_train = torch.randn(n_train, in_features, generator=generator)
    x_test = torch.randn(n_test, in_features, generator=generator)
    with torch.no_grad():
        y_train, y_test = teacher(x_train), teacher(x_test)
    return TeacherStudentData(teacher, student, x_train, y_train, x_test, y_test)
