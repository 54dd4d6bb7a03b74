"""Where speech is emphasised: rises of loudness, and the strongest peaks of a strength track.

Shared by the passes that beat time with the speech (head nods, brow raises), so that both read
emphasis the same way.
"""

from __future__ import annotations

import numpy as np

from .. import filters
from .frames import FrameSpeech


def loudness_rise(frames: FrameSpeech, smooth_s: float) -> np.ndarray:
    """Per frame, how much the loudness (smoothed over `smooth_s` seconds) rose into it; 0
    where it fell. Its peaks are the starts of stressed syllables."""
    loud = filters.gaussian_filter1d(frames.loudness.astype(np.float64), smooth_s * frames.fps,
                                     mode="nearest")
    return np.maximum(np.diff(loud, prepend=loud[0]), 0.0)


def strong_peaks(strength: np.ndarray, quantile: float, gap_frames: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The peaks of `strength` (>= 0) above the `quantile` percentile of its positive values,
    at least `gap_frames` apart: their frames, and their heights over the highest one's."""
    none = (np.zeros(0, dtype=np.intp), np.zeros(0))
    if not strength.any():
        return none
    threshold = np.percentile(strength[strength > 0], quantile)
    peaks = local_peaks(strength)
    peaks = keep_apart(peaks[strength[peaks] >= threshold], strength, max(1, gap_frames))
    if not peaks.size:
        return none
    heights = strength[peaks]
    return peaks, heights / np.max(heights)


# The two steps below are scipy.signal.find_peaks(x, height=..., distance=...), which gives the
# same peaks (tests/motion/test_emphasis.py). They are here because importing scipy.signal
# takes half a second (it imports scipy.stats), more than planning the motion of an hour.

def local_peaks(x: np.ndarray) -> np.ndarray:
    """Indices of the local maxima of `x`: samples higher than both neighbours, or, for a flat
    top, its middle (the left one of two middles). The ends are never peaks."""
    rising = np.flatnonzero(np.diff(x) > 0) + 1  # x[i] > x[i - 1]
    peaks = []
    for start in rising:
        end = start
        while end + 1 < len(x) and x[end + 1] == x[start]:
            end += 1
        if end + 1 < len(x) and x[end + 1] < x[start]:
            peaks.append((start + end) // 2)
    return np.asarray(peaks, dtype=np.intp)


def keep_apart(peaks: np.ndarray, x: np.ndarray, gap: int) -> np.ndarray:
    """`peaks` (ascending) without those closer than `gap` samples to a higher one kept."""
    keep = np.ones(len(peaks), dtype=bool)
    for j in np.argsort(x[peaks])[::-1]:  # highest first
        if keep[j]:
            near = np.abs(peaks - peaks[j]) < gap
            near[j] = False
            keep &= ~near
    return peaks[keep]
