"""Pass: brows rise on pitch accents, knit on low loud passages, rest in silence."""

from __future__ import annotations

import numpy as np

from talkinghead.motion.brows import plan_brows
from talkinghead.motion.frames import FrameSpeech

FPS = 25


def frames(pitch: np.ndarray, speech: np.ndarray, loudness: np.ndarray | None = None
           ) -> FrameSpeech:
    n = len(pitch)
    loud = 0.8 * speech if loudness is None else loudness
    zeros = np.zeros(n)
    return FrameSpeech(FPS, (), loud, speech.astype(float), zeros, zeros, zeros,
                       speech.astype(float), pitch)


def talking(n: int) -> np.ndarray:
    speech = np.zeros(n)
    speech[25:-25] = 1
    return speech


def test_a_pitch_accent_raises_the_brows_and_they_settle_after_it():
    n = 150
    pitch = np.zeros(n)
    pitch[70:78] = 5.0  # a rise of 5 semitones on a steady voice
    brows = plan_brows(frames(pitch, np.ones(n)), 1.0)
    peak = int(np.argmax(brows))
    assert 64 <= peak <= 80, "the raise peaks on the accent"
    assert brows[peak] > 0.8
    assert brows[peak + 25] < 0.5 * brows[peak], "a second later it has settled"


def test_silence_leaves_the_brows_at_rest():
    n = 100
    brows = plan_brows(frames(np.zeros(n), np.zeros(n), np.zeros(n)), 1.0)
    assert np.abs(brows).max() < 1e-6


def test_a_low_loud_passage_knits_the_brows():
    n = 150
    pitch = np.zeros(n)
    pitch[60:100] = -6.0
    pitch[:60] = pitch[100:] = 1.0
    brows = plan_brows(frames(pitch, np.ones(n), np.full(n, 0.9)), 1.0)
    assert brows[75:85].min() < 0 < brows[20:40].max()


def test_expression_scale_scales_the_brows():
    n = 150
    pitch = np.zeros(n)
    pitch[70:78] = 5.0
    track = frames(pitch, talking(n))
    np.testing.assert_allclose(plan_brows(track, 0.5), 0.5 * plan_brows(track, 1.0), atol=1e-6)
