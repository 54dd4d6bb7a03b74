import numpy as np

from talkinghead.motion.coarticulation import VOWEL_KEEP, coarticulate
from talkinghead.motion.frames import FramePhone
from talkinghead.motion.visemes import SHAPES, viseme_targets


def _track(*phones, n=None):
    spans, t = [], 0.0
    for label, frames in phones:
        spans.append(FramePhone(label, t, t + frames))
        t += frames
    return coarticulate(viseme_targets(tuple(spans), n or int(np.ceil(t))), 25)


def test_lips_start_closing_a_frame_before_a_bilabial():
    track = _track(("AA", 5), ("M", 2), ("AA", 5))
    assert track.closure[5:7].min() == 1
    assert 0.2 < track.closure[4] < 0.8  # anticipation
    assert track.closure[3] < 0.1 and track.closure[4] > track.closure[7] > 0  # fast release


def test_rounding_is_anticipated():
    track = _track(("IY", 5), ("W", 2), ("IY", 5))
    assert track.width[4] < SHAPES["IY"].width - 0.2
    assert track.width[4] < track.width[8]  # anticipation reaches further than carry-over


def test_short_vowel_between_closures_still_opens():
    track = _track(("M", 2), ("AA", 1), ("M", 2))
    assert track.jaw[2] >= VOWEL_KEEP * SHAPES["AA"].jaw - 1e-6


def test_tongue_consonant_takes_the_jaw_of_its_vowels():
    track = _track(("AA", 4), ("T", 1), ("AA", 4))
    assert track.jaw[4] > 0.5 * SHAPES["AA"].jaw


def test_steady_phone_keeps_its_target():
    track = _track(("AE", 10))
    assert np.allclose(track.jaw, SHAPES["AE"].jaw) and np.allclose(track.width, SHAPES["AE"].width)
