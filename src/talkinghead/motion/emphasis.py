"""Where speech is emphasised: rises of loudness, and the strongest peaks of a strength track.

Shared by the passes that beat time with the speech (head nods, brow raises), so that both read
emphasis the same way.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .frames import FrameSpeech


def loudness_rise(frames: FrameSpeech, smooth_s: float) -> np.ndarray:
    """Per frame, how much the loudness (smoothed over `smooth_s` seconds) rose into it; 0
    where it fell. Its peaks are the starts of stressed syllables."""
    loud = ndimage.gaussian_filter1d(frames.loudness.astype(np.float64), smooth_s * frames.fps,
                                     mode="nearest")
    return np.maximum(np.diff(loud, prepend=loud[0]), 0.0)


def strong_peaks(strength: np.ndarray, quantile: float, gap_frames: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The peaks of `strength` (>= 0) above the `quantile` percentile of its positive values,
    at least `gap_frames` apart: their frames, and their heights over the highest one's."""
    none = (np.zeros(0, dtype=np.intp), np.zeros(0))
    if not strength.any():
        return none
    from scipy import signal  # here, not at the top: see speech/sphinx.py

    threshold = np.percentile(strength[strength > 0], quantile)
    peaks, props = signal.find_peaks(strength, height=threshold, distance=max(1, gap_frames))
    if not peaks.size:
        return none
    return peaks, props["peak_heights"] / np.max(props["peak_heights"])
