"""Pass 6: expression scale. `--expression-scale` multiplies how far the mouth moves.

Jaw, width, rounding, lift and teeth scale; contacts do not (a seal is a seal, at any scale).
The jaw may go past 1 for an exaggerated style, up to JAW_MAX; the renderer treats 1 as a
wide-open "AA".
"""

from __future__ import annotations

from typing import Final

import numpy as np

from .types import MouthTrack

JAW_MAX: Final = 1.5


def scale_expression(track: MouthTrack, scale: float) -> MouthTrack:
    return track.with_(
        jaw=np.clip(track.jaw * scale, 0.0, JAW_MAX),
        width=np.clip(track.width * scale, -1.0, 1.0),
        teeth=np.clip(track.teeth * scale, 0.0, 1.0),
        rounding=np.clip(track.rounding * scale, 0.0, 1.0),
        lift=np.clip(track.lift * scale, 0.0, 1.0),
    )
