"""Knobs that move any network between lazy (kernel) and rich (feature-learning) training.

Two ways to make training lazier, which Kumar et al. (2024, Section 5.1 and App. 8.2, Fig. 7)
show have the same effect on grokking:

- output scale ``alpha`` on the centred predictor ``alpha * (f(x; theta) - f(x; theta_0))``
  (Kumar et al. 2024, App. 8.1, Eq. 7, after Chizat et al. 2019), with the learning rate
  rescaled by ``1 / alpha^2``: ``CenteredOutputScale`` and ``lazy_learning_rate``
  (``OutputScale`` is the uncentred ``alpha * f(x)``);
- initialisation scale: every parameter multiplied by a constant at initialisation (Liu et al.
  2023, "Omnigrok", Section 2: ``alpha = w / w_0``): ``scale_initialization_``.
"""

from __future__ import annotations

import copy
import math

import torch
from torch import Tensor, nn


class OutputScale(nn.Module):
    """``alpha * f(x)``: the uncentred output scale (Chizat et al. 2019's lazy-training knob).

    Unlike ``CenteredOutputScale`` the initial function is kept, so ``alpha = 1`` is exactly the
    unwrapped model (the original experiment) and large ``alpha`` scales the initial output too.
    Gradients are ``alpha * df/dtheta``, the NTK ``alpha^2`` times the model's.

    ``lr_power``: the training stack multiplies the LR by ``1 / alpha^lr_power``
    (``lazy_learning_rate``). 2 (default) is Kumar et al.'s rescaling, right for (S)GD. Adam's
    step does not grow with the gradient's scale, so there the initial function-space velocity
    is ``alpha * lr``: ``lr_power = 1`` keeps it independent of ``alpha``; 0 leaves the LR alone.
    """

    def __init__(self, model: nn.Module, alpha: float, lr_power: float = 2.0):
        super().__init__()
        if not (math.isfinite(alpha) and alpha > 0):
            raise ValueError(f"alpha must be a finite positive number, got {alpha}")
        if not (math.isfinite(lr_power) and lr_power >= 0):
            raise ValueError(f"lr_power must be a finite number >= 0, got {lr_power}")
        self.alpha = float(alpha)
        self.lr_power = float(lr_power)
        self.model = model

    def forward(self, *args, **kwargs) -> Tensor:
        return self.alpha * self.model(*args, **kwargs)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha:g}, lr_power={self.lr_power:g}"


class CenteredOutputScale(OutputScale):
    """``alpha * (f(x) - f_0(x))``: the centred, output-scaled predictor of Kumar et al. Eq. 7.

    ``f_0`` is a frozen copy of ``model`` taken when the wrapper is built, so the output is exactly
    zero at initialisation and large ``alpha`` does not blow up the initial loss (App. 8.1).

    The copy's parameters are turned into buffers: they are not in ``parameters()`` (so optimizers,
    weight norms, NTKs and parameter-change metrics see only the live model), but they are in
    ``state_dict()`` under ``initial_model.*`` and follow ``.to(device)``/``.double()``. A resumed
    run therefore gets back the original ``f_0``; re-wrapping a restored model would wrongly take
    the restored weights as ``f_0``. Buffers the model already had (e.g. BatchNorm statistics) stay
    buffers of the copy and update in train mode like the live model's.

    Gradients: ``d/dtheta [alpha (f - f_0)] = alpha * df/dtheta`` at every ``theta`` (``f_0`` does
    not depend on ``theta``), so the NTK of the wrapper is ``alpha^2`` times the model's NTK. That
    is why the learning rate must shrink as ``1 / alpha^2`` (``lazy_learning_rate``) to keep the
    initial function-space velocity independent of ``alpha``; ``lr_power`` as ``OutputScale``.

    Weight decay pulls ``theta`` towards 0, that is ``f`` towards ``f(.; 0)``, not towards ``f_0``:
    under the centring the decay moves the trained function away from zero by ``-f_0``.
    """

    def __init__(self, model: nn.Module, alpha: float, lr_power: float = 2.0):
        super().__init__(model, alpha, lr_power)
        self.initial_model = _frozen_copy(model)

    def forward(self, *args, **kwargs) -> Tensor:
        return self.alpha * (self.model(*args, **kwargs) - self.initial_model(*args, **kwargs))


def _frozen_copy(model: nn.Module) -> nn.Module:
    """Deep copy of ``model`` whose parameters are re-registered as (persistent) buffers."""
    reference = copy.deepcopy(model)
    for module in reference.modules():
        for name, param in list(module.named_parameters(recurse=False)):
            delattr(module, name)
            module.register_buffer(name, param.detach())
    return reference


def lazy_learning_rate(eta0: float, alpha: float, power: float = 2.0) -> float:
    """``eta = eta0 / alpha^2`` (Kumar et al. 2024, App. 8.1); ``eta0 / alpha^power`` in general
    (``power = 1`` is the analogue for Adam, see ``CenteredOutputScale``).

    The rescaling "keeps the initial derivative df/dt at t=0 independent of alpha" for the centred
    predictor of Eq. 7, whose NTK is ``alpha^2`` times the unscaled one. In the authors' released
    code for the polynomial task (Fig. 1) the committee machine ``(alpha/N) sum_i phi(w_i . x)`` is
    trained with full-batch GD at ``eta = N / alpha^2``, i.e. ``eta0 = N``: the extra factor ``N``
    undoes the ``1/N`` mean-field readout, whose NTK (Eq. 5) carries ``alpha^2 / N``.
    """
    if not alpha > 0:
        raise ValueError(f"alpha must be positive, got {alpha}")
    return eta0 / alpha**power


@torch.no_grad()
def scale_initialization_(model: nn.Module, alpha: float) -> nn.Module:
    """Multiply every parameter of ``model`` in place by ``alpha``; returns ``model``.

    Omnigrok's initialisation scale (Liu et al. 2023, Section 2: "initialized by multiplying a
    factor alpha = w / w_0 to the standard initialization"). Biases are included: the authors'
    code multiplies every entry of the state dict (weights and biases) and their weight norm ``w``
    is the global norm of all parameters, so this multiplies that norm by exactly ``|alpha|``.
    Buffers are left alone.
    """
    for param in model.parameters():
        param.mul_(alpha)
    return model
