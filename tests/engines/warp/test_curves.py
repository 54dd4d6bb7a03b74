import numpy as np

from talkinghead.engines.warp.curves import spline


def test_passes_through_every_knot_and_stays_between_them():
    kx, ky = np.array([0.0, 0.3, 0.6, 1.0]), np.array([0.0, -4.0, -3.5, 0.0])
    np.testing.assert_allclose(spline(kx, ky, kx), ky, atol=1e-4)
    x = np.linspace(0, 1, 201)
    y = spline(kx, ky, x)
    assert y.min() > -4.5 and y.max() <= 1e-9  # no wild overshoot for a lid-like curve
    assert np.abs(np.diff(y, 2)).max() < 0.01  # smooth: no corner at the knots


def test_unsorted_and_coinciding_knots():
    y = spline(np.array([1.0, 0.0, 0.5, 0.5]), np.array([0.0, 0.0, 2.0, 2.0]), np.array([0.5]))
    assert np.isfinite(y).all() and abs(y[0] - 2.0) < 1e-3  # a closed mouth's corners meet


def test_slopes_at_the_knots_are_central_differences_weighted_for_spacing():
    kx, ky = np.array([0.0, 1.0, 3.0, 4.0, 7.0]), np.array([0.0, 2.0, 1.0, 3.0, 0.0])
    step = 1e-5
    slopes = (spline(kx, ky, kx + step) - spline(kx, ky, kx - step)) / (2 * step)
    inner = slice(1, -1)  # the end knots are clamped: the curve is flat outside them
    np.testing.assert_allclose(slopes[inner], np.gradient(ky, kx)[inner], rtol=1e-4)
