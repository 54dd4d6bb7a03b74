"""Pass 4: pauses. Outside speech the mouth goes back to the portrait's own rest shape.

Voice activity (already bridged over in-word gaps by the speech stage) decides what is a pause,
so breaths, clicks and room tone cannot make the mouth flap. The mouth eases into a pause over
a frame or two after the last sound and starts to open a frame before the first one, as people
prepare to speak.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Final

import numpy as np

from .frames import FrameSpeech
from .types import MouthTrack

EASE_OUT_S: Final = 0.06  # closing into a pause: the last frame keeps ~half its shape at 25 fps
EASE_IN_S: Final = 0.05  # opening before speech starts


def relax_pauses(track: MouthTrack, frames: FrameSpeech) -> MouthTrack:
    """Fade every mouth channel to rest (0) in non-speech frames, with short eases."""
    gate = speech_gate(frames.speech, frames.fps)
    return MouthTrack(**{f.name: gate * getattr(track, f.name) for f in fields(track)})


def speech_gate(speech: np.ndarray, fps: int) -> np.ndarray:
    """1 in speech, 0 in pauses, with Gaussian-shaped shoulders around each speech run."""
    speech = np.asarray(speech, dtype=np.float64)
    radius = max(1, int(np.ceil(2.0 * max(EASE_OUT_S, EASE_IN_S) * fps)))
    gate = speech.copy()
    padded = np.pad(speech, radius)
    n = len(speech)
    for offset in range(1, radius + 1):
        t = offset / fps
        speech_before = padded[radius - offset : radius - offset + n]  # offset frames ago
        speech_after = padded[radius + offset : radius + offset + n]  # offset frames ahead
        gate = np.maximum(gate, np.exp(-((t / EASE_OUT_S) ** 2)) * speech_before)
        gate = np.maximum(gate, np.exp(-((t / EASE_IN_S) ** 2)) * speech_after)
    return gate
