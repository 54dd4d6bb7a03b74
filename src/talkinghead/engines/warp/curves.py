"""Smooth curves through a few landmarks, for lid and lip outlines.

Straight segments between landmarks put corners into an outline that a viewer reads as
polygonal; a cubic Hermite spline with Catmull-Rom slopes passes through every landmark
with no kinks and no overshoot to speak of for the 4 or 5 points of an outline.
"""

from __future__ import annotations

import numpy as np

KNOT_SEPARATION = 1e-6  # coinciding knots (a closed mouth's corners) are nudged apart by this


def spline(knots_x: np.ndarray, knots_y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The curve through (knots_x, knots_y) evaluated at `x` (clamped to the end knots).

    Curves are drawn at every pixel of a mouth or lid, so each segment's cubic is
    written out once as polynomial coefficients and evaluated by Horner's rule."""
    order = np.argsort(knots_x, kind="stable")
    kx = np.asarray(knots_x, np.float64)[order]
    ky = np.asarray(knots_y, np.float64)[order]
    kx = np.maximum.accumulate(kx + np.arange(len(kx)) * KNOT_SEPARATION)
    coefficients = _segment_cubics(kx, ky)  # (4, segments): c0 + c1 t + c2 t^2 + c3 t^3
    i = np.searchsorted(kx, x, side="right") - 1
    np.clip(i, 0, len(kx) - 2, out=i)
    t = (x - kx.take(i)) / np.diff(kx).take(i)
    np.clip(t, 0, 1, out=t)
    c0, c1, c2, c3 = (row.take(i) for row in coefficients)
    return ((c3 * t + c2) * t + c1) * t + c0


def _segment_cubics(kx: np.ndarray, ky: np.ndarray) -> np.ndarray:
    """Per segment between knots, the Hermite cubic in its own t (0 .. 1) as the coefficients
    of 1, t, t^2 and t^3; the slopes at the knots are numpy.gradient's (central differences
    weighted for uneven spacing, one-sided at the ends)."""
    h = np.diff(kx)
    secant = np.diff(ky) / h
    slopes = np.empty_like(ky)
    slopes[0], slopes[-1] = secant[0], secant[-1]
    left, right = h[:-1], h[1:]
    slopes[1:-1] = (secant[:-1] * right + secant[1:] * left) / (left + right)
    y0, y1 = ky[:-1], ky[1:]
    m0, m1 = slopes[:-1] * h, slopes[1:] * h  # slopes per unit of t
    return np.array([y0, m0, 3 * (y1 - y0) - 2 * m0 - m1, 2 * (y0 - y1) + m0 + m1])
