"""One-dimensional filters of motion tracks and spectra, on OpenCV.

The same as scipy.ndimage's functions of the same names and arguments (the same windows, the
same borders: `mode` "nearest", "constant" (zeros), or "wrap" for the Gaussian and
correlation), computed by OpenCV, which every render has loaded already: importing
scipy.ndimage costs a quarter of a second of CPU in every process (its array-API layer imports
numpy.f2py and numpy.testing), a tenth of a short render.
`tests/test_filters.py` holds them to scipy's results.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import cv2
import numpy as np

BORDERS: Final = {"nearest": cv2.BORDER_REPLICATE, "constant": cv2.BORDER_CONSTANT}
GAUSSIAN_TRUNCATE: Final = 4.0  # the kernel reaches this many sigmas, as scipy's does


def correlate1d(x: np.ndarray, weights: np.ndarray, mode: str = "nearest") -> np.ndarray:
    """Each sample replaced by the `weights`-weighted sum of the samples around it, the middle
    weight (index len // 2) on the sample itself."""
    kernel = np.asarray(weights, np.float64)
    before = len(kernel) // 2
    if mode == "wrap":  # OpenCV's filters have no such border: the track is padded periodically
        padded = np.pad(np.asarray(x), (before, len(kernel) - 1 - before), mode="wrap")
        return correlate1d(padded, kernel)[before:before + len(x)]
    return _along_rows(x, lambda rows: cv2.sepFilter2D(
        rows, -1, kernel, np.ones(1), anchor=(before, 0), borderType=BORDERS[mode]))


def gaussian_filter1d(x: np.ndarray, sigma: float, mode: str = "nearest") -> np.ndarray:
    """`x` smoothed by a Gaussian of `sigma` samples (reaching GAUSSIAN_TRUNCATE sigmas)."""
    radius = int(GAUSSIAN_TRUNCATE * float(sigma) + 0.5)
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    return correlate1d(x, kernel / kernel.sum(), mode)


def uniform_filter1d(x: np.ndarray, size: int, axis: int = -1,
                     mode: str = "nearest") -> np.ndarray:
    """The mean of the `size` samples around each (size // 2 before it), along `axis` (the
    last, or 1 of a 2-D array)."""
    if axis not in (-1, x.ndim - 1):
        raise ValueError("uniform_filter1d filters along the last axis")
    return _along_rows(x, lambda rows: cv2.blur(rows, (size, 1), borderType=BORDERS[mode]))


def maximum_filter1d(x: np.ndarray, size: int, mode: str = "nearest") -> np.ndarray:
    """The largest of the `size` samples around each (size // 2 before it)."""
    window = np.ones((1, size), np.uint8)
    return _along_rows(x, lambda rows: cv2.dilate(rows, window, borderType=BORDERS[mode]))


def _along_rows(x: np.ndarray, operation: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """`operation` on `x` as rows of an image (a 1-D track is one row); same shape out."""
    x = np.asarray(x)
    if x.size == 0:
        return x.copy()
    rows = np.ascontiguousarray(x.reshape(-1, x.shape[-1]) if x.ndim > 1 else x[None, :])
    return np.asarray(operation(rows)).reshape(x.shape)
