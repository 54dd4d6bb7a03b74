"""Pass 2: coarticulation. Each frame's shape is pulled towards its neighbours' by dominance.

For the continuous channels (jaw_open, mouth_width, lip_round, upper_lip_raise, teeth, tongue)
every frame is a dominance-weighted mean of the targets of nearby frames, weighted again by a
kernel that reaches further ahead than behind: speakers shape the mouth for the next sound early
(anticipation, strongest for lip rounding) and release the last one quickly. Contacts (lip
closure, lip tuck) spread as a weighted maximum instead, so the lips start to close a frame
before a "B" without the seal itself being diluted. Finally two minimum shapes, so that short
sounds still show at 25 fps (Rhubarb's minimum shape duration, in spirit): a vowel keeps at
least part of its own opening between two closures (jaw floor, closure cap), and a tongue
consonant keeps the lips apart (a floor on the jaw, a cap on the closure spreading from a
neighbouring "m" or "b"), so that "t", "n", "s" never seal.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from .. import filters
from .types import MouthTrack
from .visemes import Visemes

# Reach of the influence of a frame's target (Gaussian time constants, seconds):
# (ahead = anticipation of what comes next, behind = carry-over of what came before).
REACH_S: Final[dict[str, tuple[float, float]]] = {
    "jaw_open": (0.040, 0.032),  # at 25 fps: next frame weighs 0.37, previous 0.21
    "mouth_width": (0.055, 0.040),  # lip rounding is anticipated furthest
    "teeth": (0.035, 0.030),
    "tongue": (0.035, 0.030),
    "lip_round": (0.055, 0.040),
    "upper_lip_raise": (0.045, 0.035),
    "lips_closed": (0.045, 0.030),  # contacts: the frame before a seal is ~45% closed
    "lower_lip_tuck": (0.045, 0.030),
}
VOWEL_KEEP: Final = 0.6  # a vowel frame keeps at least this share of its own jaw target
APART_JAW: Final = 0.22  # a tongue consonant's frame opens the jaw at least this far (above
# the shapes' own 0.18-0.2: on a narrow or small mouth, such as ../shared/data/images/sad.png,
# 0.18 left a slit that read as sealed on a third of them; 0.22 on a fifth, as on wider mouths)
# ...
APART_MAX_CLOSURE: Final = 0.2  # ... and its lips close at most this far
VOWEL_MAX_CLOSURE: Final = 0.3  # a vowel's frame lets the closure of a neighbouring "m" reach
# this far, no further: "mom", "baby" part the lips for their vowel even when it lasts a frame
CONTINUOUS: Final = ("jaw_open", "mouth_width", "lip_round", "upper_lip_raise", "teeth", "tongue")


def coarticulate(visemes: Visemes, fps: int) -> MouthTrack:
    """Blend per-frame targets across neighbouring frames (dominance model + contact spread)."""
    targets, dominance = visemes.targets, visemes.dominance
    out = {}
    for channel in CONTINUOUS:
        kernel = _kernel(*REACH_S[channel], fps)
        value = getattr(targets, channel).astype(np.float64)
        weight = getattr(dominance, channel).astype(np.float64)
        num = filters.correlate1d(weight * value, kernel, mode="nearest")
        den = filters.correlate1d(weight, kernel, mode="nearest")
        out[channel] = num / np.maximum(den, 1e-9)
    for channel in ("lips_closed", "lower_lip_tuck"):
        out[channel] = _weighted_max(getattr(targets, channel), _kernel(*REACH_S[channel], fps))
    out["jaw_open"] = np.maximum(out["jaw_open"], VOWEL_KEEP * visemes.vowel_jaw)
    vowel = visemes.vowel_jaw > 0
    out["lips_closed"] = np.where(vowel & (visemes.targets.lips_closed < 1),
                                  np.minimum(out["lips_closed"], VOWEL_MAX_CLOSURE),
                                  out["lips_closed"])
    apart = visemes.apart.astype(np.float64)
    out["jaw_open"] = np.maximum(out["jaw_open"], APART_JAW * apart)
    out["lips_closed"] = np.minimum(out["lips_closed"], 1.0 - (1.0 - APART_MAX_CLOSURE) * apart)
    return MouthTrack(**out)


def _kernel(ahead_s: float, behind_s: float, fps: int) -> np.ndarray:
    """Weights for offsets -r..r frames (index r is the frame itself; positive = future)."""
    radius = max(1, int(np.ceil(2.0 * max(ahead_s, behind_s) * fps)))
    offsets = np.arange(-radius, radius + 1) / fps
    reach = np.where(offsets > 0, ahead_s, behind_s)
    return np.exp(-((offsets / reach) ** 2))


def _weighted_max(values: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """out[t] = max_j kernel[j] * values[t + j - r]: a soft dilation towards the contact."""
    radius = len(kernel) // 2
    padded = np.pad(np.asarray(values, dtype=np.float64), radius)
    n = len(values)
    shifted = [kernel[j] * padded[j : j + n] for j in range(len(kernel))]
    return np.max(shifted, axis=0)
