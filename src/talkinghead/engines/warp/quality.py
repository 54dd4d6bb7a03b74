"""Image measures the renderer itself uses: its enhancement matches the warped face's
sharpness to the source's own detail. (The measures that judge a render, for tests and
benchmarks, live in the development package `talkinghead_dev.quality`.)"""

from __future__ import annotations

import cv2
import numpy as np


def gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image


def sharpness(image: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Variance of the Laplacian (of the grey image), over `mask` where one is given."""
    lap = cv2.Laplacian(gray(image).astype(np.float32), cv2.CV_32F)
    values = lap[mask] if mask is not None else lap
    return float(values.var())
