import numpy as np
import pytest

from talkinghead.motion.blinks import DURATION_S, MIN_INTERVAL_S, plan_blinks
from talkinghead.motion.frames import speech_to_frames

FPS = 25


def _frames(speech_of, seconds=120.0, phrase_s=2.6, pause_s=0.5):
    phones, t = [], 0.0
    while t < seconds:
        phones += [("AA", phrase_s), ("SIL", pause_s)]
        t += phrase_s + pause_s
    speech = speech_of(phones)
    return speech_to_frames(speech, FPS, int(speech.duration_s * FPS))


def _blinks(blink):
    """(start, stop) frame runs where the eyelid moves."""
    moving = np.concatenate([[False], blink > 0.02, [False]])
    edges = np.flatnonzero(np.diff(moving.astype(int)))
    return list(zip(edges[::2], edges[1::2], strict=False))


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_rate_spacing_and_shape(speech_of, seed):
    frames = _frames(speech_of)
    blink = plan_blinks(frames, seed)
    runs = _blinks(blink)
    minutes = frames.n_frames / FPS / 60
    assert 10 <= len(runs) / minutes <= 20
    peaks = np.array([a + np.argmax(blink[a:b]) for a, b in runs])
    assert np.diff(peaks).min() >= MIN_INTERVAL_S * FPS
    for a, b in runs:
        assert blink[a:b].max() == pytest.approx(1.0)
        assert DURATION_S[0] * FPS - 2 <= b - a <= DURATION_S[1] * FPS + 1


def test_blinks_prefer_pauses(speech_of):
    frames = _frames(speech_of)
    blink = plan_blinks(frames, 7)
    peaks = [a + np.argmax(blink[a:b]) for a, b in _blinks(blink)]
    in_pause = np.mean([frames.speech[p] == 0 for p in peaks])
    assert in_pause > 0.6  # pauses are 16% of the time


def test_same_seed_same_blinks_other_seed_other_blinks(speech_of):
    frames = _frames(speech_of, seconds=30)
    assert np.array_equal(plan_blinks(frames, 5), plan_blinks(frames, 5))
    assert not np.array_equal(plan_blinks(frames, 5), plan_blinks(frames, 6))


def test_short_clip_has_no_cut_off_blink(speech_of):
    frames = _frames(speech_of, seconds=0.5, phrase_s=0.4, pause_s=0.1)
    blink = plan_blinks(frames, 0)
    assert blink[-1] < 0.5
