"""Pass 9: brows. They rise with pitch accents and stressed syllables, and rest in pauses.

Speakers lift their brows on the words they accent: the voice jumps up in pitch on a loud
syllable. So the pass looks for accents and gives each a quick raise and a slow fall:

- the rise of the pitch over its local baseline (the voiced pitch around it, ACCENT_BASELINE_S
  wide; the baseline follows the slow fall of pitch over a phrase) on loud voiced frames, and
  loudness onsets (stressed syllables), make an accent strength per frame;
- its peaks, at least ACCENT_GAP_S apart and above the clip's ACCENT_QUANTILE, become raises
  that peak on the accent (RISE_S) and settle over FALL_S, sized by the accent's strength;
- while talking the brows sit a little raised (SPEAKING_LIFT); in pauses they settle to the
  portrait's own rest;
- low, loud passages (pitch under the baseline: effort, finality) knit them slightly (KNIT).

The amplitudes are set so that the brows' height over the eye corners varies as much as a real
speaker's on the same speech (`benchmarks/liveliness.py`). No random numbers: the same speech
gives the same brows.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from .. import filters
from .emphasis import loudness_rise, strong_peaks
from .frames import FrameSpeech

ACCENT_BASELINE_S: Final = 0.8  # Gaussian sigma of the local pitch baseline
ACCENT_FULL_ST: Final = 4.0  # semitones over the baseline that make a full pitch accent
ONSET_SMOOTH_S: Final = 0.04  # loudness smoothing before looking for onsets
ONSET_FULL: Final = 0.15  # loudness rise per frame (at 25 fps) of a fully stressed syllable
ACCENT_GAP_S: Final = 0.9  # shortest time between two raises
ACCENT_QUANTILE: Final = 50.0  # accents weaker than this percentile of the clip's are no raise
ACCENT_RAISE: Final = 1.6  # brow_raise of the strongest accent (a tenth of the IOD)
RISE_S: Final = 0.15  # the brows reach the top of a raise on the accent, rising this long
FALL_S: Final = 0.35  # and settle back with this time constant
SPEAKING_LIFT: Final = 0.1  # brows slightly raised while talking
LIFT_SMOOTH_S: Final = 0.4  # how slowly they settle into and out of pauses
KNIT: Final = 0.5  # brow_raise of -KNIT on the lowest, loudest passages
KNIT_FULL_ST: Final = 4.0  # semitones under the baseline that knit fully
KNIT_SMOOTH_S: Final = 0.3
RAISE_LIMIT: Final = 1.6  # soft limit of the sum of overlapping raises


def plan_brows(frames: FrameSpeech, scale: float) -> np.ndarray:
    """Brow raise per frame (MotionPlan.brow_raise), sized by `scale` (--expression-scale)."""
    fps, n = frames.fps, frames.n_frames
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    rise = _pitch_over_baseline(frames)
    loud = frames.loudness.astype(np.float64)
    speech = frames.speech.astype(np.float64)
    accent = np.maximum(np.clip(rise / ACCENT_FULL_ST, 0, 1) * loud, _onsets(frames)) * speech
    raises = _raises(accent, fps)
    lift = SPEAKING_LIFT * filters.gaussian_filter1d(speech, LIFT_SMOOTH_S * fps, mode="nearest")
    low = np.clip(-rise / KNIT_FULL_ST, 0, 1) * loud * speech
    knit = KNIT * filters.gaussian_filter1d(low, KNIT_SMOOTH_S * fps, mode="nearest")
    brows = RAISE_LIMIT * np.tanh((raises + lift) / RAISE_LIMIT) - knit
    return (scale * brows).astype(np.float32)


def _pitch_over_baseline(frames: FrameSpeech) -> np.ndarray:
    """Semitones each voiced frame's pitch stands over the voiced pitch around it (0 unvoiced)."""
    pitch = frames.pitch.astype(np.float64)
    voiced = (frames.voicing >= 0.5) & (frames.speech > 0)
    sigma = ACCENT_BASELINE_S * frames.fps
    weight = filters.gaussian_filter1d(voiced.astype(np.float64), sigma, mode="constant")
    total = filters.gaussian_filter1d(np.where(voiced, pitch, 0.0), sigma, mode="constant")
    baseline = total / np.maximum(weight, 1e-6)
    return np.where(voiced, pitch - baseline, 0.0)


def _onsets(frames: FrameSpeech) -> np.ndarray:
    """0..1 per frame: how sharply the loudness rises (a stressed syllable's start)."""
    per_frame_at_25 = loudness_rise(frames, ONSET_SMOOTH_S) * frames.fps / 25.0
    return np.clip(per_frame_at_25 / ONSET_FULL, 0, 1)


def _raises(accent: np.ndarray, fps: int) -> np.ndarray:
    """A raise for each strong accent peak: up to the peak in RISE_S, then a slow fall."""
    n = len(accent)
    peaks, strength = strong_peaks(accent, ACCENT_QUANTILE, round(ACCENT_GAP_S * fps))
    rise = max(1, round(RISE_S * fps))
    t = np.arange(-rise, int(5 * FALL_S * fps) + 1, dtype=np.float64)
    up = np.clip(1 + t / rise, 0, 1)
    kernel = np.where(t < 0, up * up * (3 - 2 * up), np.exp(-t / (FALL_S * fps)))
    impulses = np.zeros(n)
    impulses[peaks] = ACCENT_RAISE * (0.5 + 0.5 * strength)
    return np.convolve(impulses, kernel)[rise : rise + n]  # kernel[0] is `rise` frames early
