"""Smooth curves through a few landmarks, for lid and lip outlines.

Straight segments between landmarks put corners into an outline that a viewer reads as
polygonal; a cubic Hermite spline with Catmull-Rom slopes passes through every landmark
with no kinks and no overshoot to speak of for the 4 or 5 points of an outline.
"""

from __future__ import annotations

import numpy as np

KNOT_SEPARATION = 1e-6  # coinciding knots (a closed mouth's corners) are nudged apart by this


def spline(knots_x: np.ndarray, knots_y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The curve through (knots_x, knots_y) evaluated at `x` (clamped to the end knots)."""
    order = np.argsort(knots_x, kind="stable")
    kx = np.asarray(knots_x, np.float64)[order]
    ky = np.asarray(knots_y, np.float64)[order]
    kx = np.maximum.accumulate(kx + np.arange(len(kx)) * KNOT_SEPARATION)
    slopes = np.gradient(ky, kx)
    i = np.clip(np.searchsorted(kx, x, side="right") - 1, 0, len(kx) - 2)
    h = kx[i + 1] - kx[i]
    t = np.clip((x - kx[i]) / h, 0, 1)
    h00, h10 = 2 * t**3 - 3 * t**2 + 1, t**3 - 2 * t**2 + t
    h01, h11 = -2 * t**3 + 3 * t**2, t**3 - t**2
    return h00 * ky[i] + h10 * h * slopes[i] + h01 * ky[i + 1] + h11 * h * slopes[i + 1]
