"""Syllable peaks and pauses of any recording, for speech whose phonemes nobody knows.

Measured here independently of `speech/acoustics.py` (which drives the mouth), with plain
signal measures: the level of the vowel band (300-2500 Hz, where the first two formants of
every language's vowels lie) over 30 ms windows every 10 ms, smoothed over 40 ms.

- syllable peaks: local maxima of that level that stand out PEAK_PROMINENCE_DB from the dips
  around them, lie within PEAK_RANGE_DB of the loud speech and are voiced (periodic): the
  nuclei of syllables, sung notes included.
- pauses: stretches of at least 0.3 s whose level stays PAUSE_DEPTH_DB under the loud speech.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from scipy import ndimage, signal

HOP_S: Final = 0.01
WINDOW_S: Final = 0.03
SMOOTH_S: Final = 0.04
BAND_HZ: Final = (300.0, 2500.0)
LOUD_PERCENTILE: Final = 90.0  # the "loud speech" level: this percentile of all windows
PEAK_PROMINENCE_DB: Final = 6.0
PEAK_RANGE_DB: Final = 20.0
PEAK_MIN_GAP_S: Final = 0.1  # syllables come at most ten a second
VOICED_NCCF: Final = 0.5  # normalised autocorrelation at the pitch period (noise ~0.2)
PITCH_LAGS_S: Final = (1 / 500, 1 / 60)
PAUSE_DEPTH_DB: Final = 35.0
PAUSE_MIN_S: Final = 0.3


def band_level_db(samples: np.ndarray, rate: int) -> np.ndarray:
    """Vowel-band level (dB) per 10 ms hop, smoothed over 40 ms."""
    x = np.asarray(samples, dtype=np.float64).reshape(-1)
    sos = signal.butter(4, BAND_HZ, btype="bandpass", fs=rate, output="sos")
    band = signal.sosfiltfilt(sos, x) if len(x) > 30 else x
    hop, window = round(HOP_S * rate), round(WINDOW_S * rate)
    power = ndimage.uniform_filter1d(band**2, window, mode="constant")[::hop]
    level = 10 * np.log10(power + 1e-12)
    return ndimage.uniform_filter1d(level, max(1, round(SMOOTH_S / HOP_S)), mode="nearest")


def syllable_peaks(samples: np.ndarray, rate: int) -> np.ndarray:
    """Times (s) of the syllable peaks (see the module docstring)."""
    level = band_level_db(samples, rate)
    loud = np.percentile(level, LOUD_PERCENTILE)
    peaks, _ = signal.find_peaks(level, prominence=PEAK_PROMINENCE_DB,
                                 distance=max(1, round(PEAK_MIN_GAP_S / HOP_S)),
                                 height=loud - PEAK_RANGE_DB)
    times = peaks * HOP_S
    return np.array([t for t in times if _voiced(samples, rate, t)])


def pauses(samples: np.ndarray, rate: int, min_s: float = PAUSE_MIN_S) -> list[tuple[float, float]]:
    """(start, end) of the pauses of at least `min_s` seconds."""
    level = band_level_db(samples, rate)
    quiet = level < np.percentile(level, LOUD_PERCENTILE) - PAUSE_DEPTH_DB
    edges = np.flatnonzero(np.diff(np.concatenate([[0], quiet.astype(np.int8), [0]])))
    out = []
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        if (end - start) * HOP_S >= min_s:
            out.append((start * HOP_S, min(end * HOP_S, len(samples) / rate)))
    return out


def _voiced(samples: np.ndarray, rate: int, time_s: float) -> bool:
    """Periodic around `time_s`: normalised autocorrelation over the pitch lags."""
    half = round(0.02 * rate)
    centre = round(time_s * rate)
    frame = np.asarray(samples[max(0, centre - half): centre + half], dtype=np.float64)
    lo, hi = round(PITCH_LAGS_S[0] * rate), round(PITCH_LAGS_S[1] * rate)
    if len(frame) < hi + 10:
        return False
    frame = frame - frame.mean()
    best = 0.0
    for lag in range(lo, hi + 1):
        a, b = frame[:-lag], frame[lag:]
        denominator = np.sqrt(np.dot(a, a) * np.dot(b, b))
        if denominator > 0:
            best = max(best, float(np.dot(a, b) / denominator))
    return best >= VOICED_NCCF
