"""Pass 8: head motion. Slow drift plus nods on emphasised syllables, in a style chosen by number.

`pose_style` (0-45) picks a repeatable character: how far the head moves, how fast it drifts,
how much it nods versus sways, how roll follows yaw. The character is drawn from a random
generator seeded by the style number alone, so style 7 is the same character for every clip;
style 0 is the neutral middle of every range. The seed only changes the particular path.

Motion follows speech: the head drifts more while talking and calms in pauses; loudness onsets
(stressed syllables) give short nods, as speakers beat time with their heads. The pose starts
and ends at the portrait's own pose, and a final Gaussian removes any frame-to-frame jitter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from .. import filters
from .emphasis import loudness_rise, strong_peaks
from .frames import FrameSpeech
from .types import freeze_arrays

# Drift standard deviation at amplitude 1 (radians; translation in inter-ocular distances):
# yaw ~3.3 degrees, pitch ~2.2, roll ~1.1. Sized so that the natural preset's head (the eye
# corners' midpoint) moves by 8-15% of the inter-ocular distance (standard deviation) over a
# clip, as real speakers' do on the same speech (HDTF clips, `benchmarks/liveliness.py`).
DRIFT_STD: Final = {"yaw": 0.058, "pitch": 0.038, "roll": 0.02, "x": 0.023, "y": 0.016}
# A few seconds of smooth noise can wander far, or hardly at all, by chance: a clip's drift is
# scaled into 0.8-1.2 of its standard deviation (RMS), but never up by more than 1.5x, so that a
# clip too short to drift does not start to twitch.
DRIFT_RMS_RANGE: Final = (0.8, 1.2)
MAX_DRIFT_BOOST: Final = 1.5
NOD_PITCH: Final = 0.06  # radians of chin-down for the strongest emphasis
NOD_DROP: Final = 0.02  # inter-ocular distances the head sinks with a nod
ROLL_PER_YAW: Final = 0.3  # roll per unit of yaw at roll_follow = 1
X_FOLLOWS_YAW: Final = 0.4  # share of the sideways shift that follows the turn (a turning head
# moves its face sideways too)
NOD_SWAY: Final = 0.4  # sideways turn with a nod, as a share of the nod, for swaying styles
LIMITS: Final = {"yaw": 0.3, "pitch": 0.25, "roll": 0.12, "x": 0.15, "y": 0.12}  # soft limits
PAUSE_CALM: Final = 0.45  # drift amplitude in pauses, relative to speech
ACTIVITY_SMOOTH_S: Final = 0.5  # how slowly the head settles into and out of pauses
EMPHASIS_SMOOTH_S: Final = 0.04  # loudness smoothing before looking for onsets
EMPHASIS_QUANTILE: Final = 70.0  # onsets below this percentile of onset strength are no nods
FADE_S: Final = 0.6  # rise from, and return to, the rest pose at the start and end
JITTER_SMOOTH_S: Final = 0.08  # final smoothing: 2 frames at 25 fps
STILL_SCALE: Final = 0.02  # `--still` keeps 2% of the motion: alive, not moving (the head
# moves by less than 0.5% of the inter-ocular distance)
STREAM: Final = 0x4EAD  # separates this pass's random numbers from the other passes'
STYLE_STREAM: Final = 0x57E1


@dataclass(frozen=True)
class HeadStyle:
    """A motion character. Ranges: the bounds drawn from; style 0 takes their middles."""

    amplitude: float  # 0.6-1.3: overall size of the motion
    drift_s: float  # 0.5-1.4: time scale of the slow drift (smaller = livelier)
    nod: float  # 0.3-1.0: weight of emphasis nods
    sway: float  # 0.0-1.0: sideways turn that goes with each nod
    nod_s: float  # 0.12-0.25: time to the bottom of a nod
    nod_gap_s: float  # 0.35-0.9: shortest time between two nods
    roll_follow: float  # -0.5-0.5: roll that goes with yaw (head tilts into a turn or away)


STYLE_RANGES: Final[dict[str, tuple[float, float]]] = {
    "amplitude": (0.6, 1.3), "drift_s": (0.5, 1.4), "nod": (0.3, 1.0), "sway": (0.0, 1.0),
    "nod_s": (0.12, 0.25), "nod_gap_s": (0.35, 0.9), "roll_follow": (-0.5, 0.5),
}


@dataclass(frozen=True, eq=False)
class HeadMotion:
    yaw: np.ndarray
    pitch: np.ndarray
    roll: np.ndarray
    x: np.ndarray
    y: np.ndarray

    def __post_init__(self) -> None:
        freeze_arrays(self)


def head_style(pose_style: int) -> HeadStyle:
    """The character of style `pose_style`: the same for every clip and every seed."""
    if pose_style == 0:
        return HeadStyle(**{k: (lo + hi) / 2 for k, (lo, hi) in STYLE_RANGES.items()})
    rng = np.random.default_rng(np.random.SeedSequence([STYLE_STREAM, int(pose_style)]))
    return HeadStyle(**{k: float(rng.uniform(lo, hi)) for k, (lo, hi) in STYLE_RANGES.items()})


def plan_head(frames: FrameSpeech, pose_style: int, scale: float, still: bool,
              seed: int) -> HeadMotion:
    """Head pose per frame for `frames`, in the character of `pose_style`, sized by `scale`."""
    fps, n = frames.fps, frames.n_frames
    style = head_style(pose_style)
    rng = np.random.default_rng(np.random.SeedSequence([seed % (1 << 64), STREAM, pose_style]))
    activity = filters.gaussian_filter1d(frames.speech.astype(np.float64),
                                         ACTIVITY_SMOOTH_S * fps, mode="nearest")
    energy = PAUSE_CALM + (1 - PAUSE_CALM) * activity
    axes = {axis: _smooth_noise(rng, n, style.drift_s * fps) * std * energy
            for axis, std in DRIFT_STD.items()}
    axes["roll"] = axes["roll"] + ROLL_PER_YAW * style.roll_follow * axes["yaw"]
    axes["x"] = ((1 - X_FOLLOWS_YAW) * axes["x"]
                 + X_FOLLOWS_YAW * axes["yaw"] * (DRIFT_STD["x"] / DRIFT_STD["yaw"]))

    nods = _nods(frames, style, fps)
    side = rng.choice([-1.0, 1.0]) * style.sway * NOD_SWAY
    axes["pitch"] = axes["pitch"] - NOD_PITCH * style.nod * nods  # chin down (pitch > 0 lifts)
    axes["y"] = axes["y"] + NOD_DROP * style.nod * nods
    axes["yaw"] = axes["yaw"] + side * NOD_PITCH * style.nod * _alternate(nods, fps)

    size = style.amplitude * scale * (STILL_SCALE if still else 1.0)
    fade = _fade(n, FADE_S * fps)  # smooth itself, so applying it last adds no jitter
    out = {}
    for axis, values in axes.items():
        values = filters.gaussian_filter1d(values, JITTER_SMOOTH_S * fps, mode="nearest") * fade
        limit = LIMITS[axis]
        out[axis] = limit * np.tanh(size * values / limit)
    return HeadMotion(**out)


def _smooth_noise(rng: np.random.Generator, n: int, sigma: float) -> np.ndarray:
    """Gaussian-filtered white noise with unit standard deviation (by theory, not measured on
    the sample, which would blow up the motion of short clips), its RMS then brought into
    DRIFT_RMS_RANGE."""
    pad = int(3 * sigma) + 1
    white = rng.standard_normal(n + 2 * pad)
    smooth = filters.gaussian_filter1d(white, sigma, mode="wrap")[pad : pad + n]
    smooth *= np.sqrt(2.0 * np.sqrt(np.pi) * sigma)
    rms = float(np.sqrt(np.mean(smooth**2))) if n else 0.0
    if rms <= 0:
        return smooth
    lo, hi = DRIFT_RMS_RANGE
    return smooth * min(hi / rms, max(1.0, min(lo / rms, MAX_DRIFT_BOOST)))


def _nods(frames: FrameSpeech, style: HeadStyle, fps: int) -> np.ndarray:
    """0..1 nod depth per frame: a quick dip after each strong loudness onset."""
    n = frames.n_frames
    onset = loudness_rise(frames, EMPHASIS_SMOOTH_S) * frames.speech
    peaks, strength = strong_peaks(onset, EMPHASIS_QUANTILE, round(style.nod_gap_s * fps))
    impulses = np.zeros(n)
    impulses[peaks] = 0.4 + 0.6 * strength
    tau = style.nod_s * fps
    t = np.arange(int(6 * tau) + 1)
    kernel = (t / tau) * np.exp(1.0 - t / tau)  # rises to 1 at tau, settles back smoothly
    return np.convolve(impulses, kernel)[:n]


def _alternate(nods: np.ndarray, fps: int) -> np.ndarray:
    """Nods with a slowly alternating sign, so sways go left, then right, not always one way."""
    phase = np.sin(2 * np.pi * np.arange(len(nods)) / (fps * 5.0))
    return nods * phase


def _fade(n: int, length: float) -> np.ndarray:
    t = np.arange(n, dtype=np.float64)
    rise = np.clip(t / max(length, 1.0), 0, 1)
    fall = np.clip((n - 1 - t) / max(length, 1.0), 0, 1)
    ramp = np.minimum(rise, fall)
    return ramp * ramp * (3 - 2 * ramp)
