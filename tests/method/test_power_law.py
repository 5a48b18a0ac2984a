"""Log-log power-law fits (Omnigrok App. C: time to generalize ~ 1 / weight decay)."""

import math

import numpy as np
import pytest

from grokrewarm.method.power_law import fit_power_law


def test_exact_inverse_law_gives_slope_minus_one_and_its_prefactor():
    gamma = np.array([0.1, 0.3, 1.0, 3.0, 10.0])
    fit = fit_power_law(gamma, 500.0 / gamma)
    assert fit.exponent == pytest.approx(-1.0, abs=1e-12)
    assert fit.prefactor == pytest.approx(500.0, rel=1e-12)
    assert fit.n_points == 5 and fit.r2 == pytest.approx(1.0)
    assert fit(2.0) == pytest.approx(250.0)


def test_least_squares_slope_matches_the_hand_computed_value():
    # log10 y = 2, 1, log10(2) at log10 x = 0, 1, 2: slope = (-(2 - m) + (log10 2 - m)) / 2 with
    # m the mean, i.e. (log10(2) - 2) / 2 = -0.849485; the intercept is m - slope * 1.
    fit = fit_power_law([1.0, 10.0, 100.0], [100.0, 10.0, 2.0])
    assert fit.exponent == pytest.approx((math.log10(2) - 2) / 2, abs=1e-9)
    mean = (2 + 1 + math.log10(2)) / 3
    assert math.log10(fit.prefactor) == pytest.approx(mean - fit.exponent, abs=1e-9)
    assert 0.9 < fit.r2 < 1.0


def test_unreached_and_nonpositive_points_are_left_out():
    x = [0.5, 1.0, 2.0, 4.0, 8.0]
    y = [math.nan, 40.0, 20.0, 0.0, math.inf]  # only (1, 40) and (2, 20) count
    fit = fit_power_law(x, y)
    assert fit.n_points == 2
    assert fit.exponent == pytest.approx(-1.0) and fit.prefactor == pytest.approx(40.0)


def test_a_single_distinct_x_cannot_be_fitted():
    fit = fit_power_law([1.0, 1.0], [3.0, 5.0])
    assert math.isnan(fit.exponent) and math.isnan(fit.prefactor) and fit.n_points == 2
    with pytest.raises(ValueError, match="one length"):
        fit_power_law([1.0, 2.0], [1.0])
