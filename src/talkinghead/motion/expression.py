"""Pass 6: expression scale. `--expression-scale` multiplies how far the mouth moves.

jaw_open, mouth_width, lip_round, upper_lip_raise and teeth scale; contacts do not (a seal is a
seal, at any scale). The jaw may go past 1 for an exaggerated style, up to JAW_MAX; the
renderer treats 1 as a wide-open "AA".
"""

from __future__ import annotations

from typing import Final

import numpy as np

from .types import MouthTrack

JAW_MAX: Final = 1.5


def scale_expression(track: MouthTrack, scale: float) -> MouthTrack:
    return track.with_(
        jaw_open=np.clip(track.jaw_open * scale, 0.0, JAW_MAX),
        mouth_width=np.clip(track.mouth_width * scale, -1.0, 1.0),
        teeth=np.clip(track.teeth * scale, 0.0, 1.0),
        lip_round=np.clip(track.lip_round * scale, 0.0, 1.0),
        upper_lip_raise=np.clip(track.upper_lip_raise * scale, 0.0, 1.0),
    )
