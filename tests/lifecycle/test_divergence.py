"""NonFiniteGuard: the first non-finite loss is remembered on the device and raised on check."""

import math

import pytest
import torch

from grokrewarm.lifecycle import NonFiniteGuard, NonFiniteLoss


def test_finite_losses_pass_every_check():
    guard = NonFiniteGuard("train/loss", check_every=2)
    for step in range(10):
        guard.observe(torch.tensor(1.0 / (step + 1)), step)
        guard.maybe_check(step)
    guard.check()


def test_the_first_non_finite_step_is_named_even_after_later_ones():
    guard = NonFiniteGuard("train/loss", unit="frame", check_every=100)
    losses = [0.5, 0.4, math.nan, 2.0, math.inf]
    for frame, loss in zip(range(4, 24, 4), losses, strict=True):
        guard.observe(torch.tensor(loss), frame)
        guard.maybe_check(frame)  # 100 never divides these frames: no check until asked
    with pytest.raises(NonFiniteLoss, match=r"'train/loss' became non-finite at frame 12") as e:
        guard.check()
    assert (e.value.at, e.value.unit, e.value.loss_name) == (12, "frame", "train/loss")


def test_maybe_check_raises_only_on_its_interval():
    guard = NonFiniteGuard("loss", check_every=5)
    guard.observe(torch.tensor(-math.inf), 3)
    guard.maybe_check(4)  # not a multiple of 5: no sync, no raise
    with pytest.raises(NonFiniteLoss, match="at step 3"):
        guard.maybe_check(5)


def test_check_every_must_be_positive():
    with pytest.raises(ValueError, match="check_every"):
        NonFiniteGuard("loss", check_every=0)
