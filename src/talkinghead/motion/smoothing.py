"""Pass 5: smoothing and consistency between the mouth channels.

A light zero-phase Gaussian takes the edge off frame-to-frame flapping (an open-shut alternation
at 25 fps loses ~40% of its swing) while a one-frame vowel keeps ~80% of its height; zero
phase, so it adds no lag to the lip-sync. (Coarticulation and the pause gate have already
removed most flapping; stronger smoothing here would eat short vowels.) Contacts are not
smoothed: coarticulation already shaped them. Then the channels are made consistent: sealed
lips hide the teeth and tongue and hold the jaw nearly shut, and every channel is clipped.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from .. import filters
from .types import MouthTrack

SMOOTH_SIGMA_S: Final = 0.02  # half a frame at 25 fps
SEALED_JAW_SHARE: Final = 0.1  # the jaw keeps 10% of its opening behind closed lips
# ... and follows the square of the closure: lips that are only starting to close (the frame
# before a seal, a tongue consonant next to an "m") leave the jaw nearly where it was.
SMOOTHED: Final = ("jaw_open", "mouth_width", "lip_round", "upper_lip_raise", "teeth", "tongue")


def smooth_mouth(track: MouthTrack, fps: int) -> MouthTrack:
    """Zero-phase smoothing of jaw, width, teeth and tongue; contacts win over openings."""
    sigma = SMOOTH_SIGMA_S * fps
    smooth = {name: filters.gaussian_filter1d(getattr(track, name).astype(np.float64), sigma,
                                              mode="nearest")
              for name in SMOOTHED}
    closure = np.clip(track.lips_closed, 0.0, 1.0)
    tuck = np.clip(track.lower_lip_tuck, 0.0, 1.0) * (1.0 - closure)
    open_share = 1.0 - closure
    jaw_share = SEALED_JAW_SHARE + (1 - SEALED_JAW_SHARE) * (1.0 - closure**2)
    return MouthTrack(
        jaw_open=np.clip(smooth["jaw_open"] * jaw_share, 0, 1),
        mouth_width=np.clip(smooth["mouth_width"], -1.0, 1.0),
        lips_closed=closure,
        lower_lip_tuck=tuck,
        teeth=np.clip(smooth["teeth"] * open_share, 0.0, 1.0),
        tongue=np.clip(smooth["tongue"] * open_share, 0.0, 1.0),
        lip_round=np.clip(smooth["lip_round"], 0.0, 1.0),
        upper_lip_raise=np.clip(smooth["upper_lip_raise"] * open_share, 0.0, 1.0),
    )
