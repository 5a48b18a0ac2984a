"""Power-law fits on log-log axes (Omnigrok App. C: time to generalize ``t ~ gamma^k``, k = -1).

``fit_power_law(x, y)`` fits ``y = c * x**k`` by least squares on ``(log x, log y)``, using only the
points where both are finite and positive (a run that never reaches the threshold has ``y = NaN``
and is left out). Fewer than two distinct ``x`` values give NaN for ``k`` and ``c``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PowerLawFit:
    exponent: float  # k (the log-log slope)
    prefactor: float  # c
    n_points: int  # points used
    r2: float  # coefficient of determination in log space (NaN if undefined)

    def __call__(self, x: np.ndarray | float) -> np.ndarray | float:
        return self.prefactor * np.asarray(x, dtype=float) ** self.exponent


def fit_power_law(x, y) -> PowerLawFit:
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y must have one length, got {x.size} and {y.size}")
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    log_x, log_y = np.log(x[keep]), np.log(y[keep])
    n = int(keep.sum())
    if np.unique(log_x).size < 2:
        return PowerLawFit(math.nan, math.nan, n, math.nan)
    slope, intercept = np.polyfit(log_x, log_y, 1)
    residual = log_y - (intercept + slope * log_x)
    total = ((log_y - log_y.mean()) ** 2).sum()
    r2 = 1.0 - (residual**2).sum() / total if total > 0 else math.nan
    return PowerLawFit(float(slope), float(math.exp(intercept)), n, float(r2))
