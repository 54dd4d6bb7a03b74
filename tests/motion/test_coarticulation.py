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
    assert track.lips_closed[5:7].min() == 1
    assert 0.2 < track.lips_closed[4] < 0.8  # anticipation
    assert track.lips_closed[3] < 0.1
    assert track.lips_closed[4] > track.lips_closed[7] > 0  # fast release


def test_rounding_is_anticipated():
    track = _track(("IY", 5), ("W", 2), ("IY", 5))
    assert track.mouth_width[4] < SHAPES["IY"].mouth_width - 0.2
    assert track.mouth_width[4] < track.mouth_width[8]  # anticipation reaches further than carry


def test_short_vowel_between_closures_still_opens():
    track = _track(("M", 2), ("AA", 1), ("M", 2))
    assert track.jaw_open[2] >= VOWEL_KEEP * SHAPES["AA"].jaw_open - 1e-6


def test_tongue_consonant_takes_the_jaw_of_its_vowels():
    track = _track(("AA", 4), ("T", 1), ("AA", 4))
    assert track.jaw_open[4] > 0.5 * SHAPES["AA"].jaw_open


def test_steady_phone_keeps_its_target():
    track = _track(("AE", 10))
    assert np.allclose(track.jaw_open, SHAPES["AE"].jaw_open)
    assert np.allclose(track.mouth_width, SHAPES["AE"].mouth_width)


def test_tongue_consonant_beside_a_bilabial_keeps_the_lips_apart():
    from talkinghead.motion.coarticulation import APART_JAW, APART_MAX_CLOSURE

    track = _track(("AA", 4), ("M", 1), ("T", 1), ("AA", 4))
    assert track.lips_closed[4] == 1
    assert track.lips_closed[5] <= APART_MAX_CLOSURE + 1e-6
    assert track.jaw_open[5] >= APART_JAW - 1e-6


def test_one_frame_vowel_between_bilabials_parts_the_lips():
    from talkinghead.motion.coarticulation import VOWEL_MAX_CLOSURE

    track = _track(("M", 2), ("UW", 1), ("M", 2))
    assert track.lips_closed[1] == 1 and track.lips_closed[3] == 1
    assert track.lips_closed[2] <= VOWEL_MAX_CLOSURE + 1e-6


def test_rounding_and_lift_are_coarticulated_channels():
    track = _track(("IY", 5), ("UW", 5), ("SH", 3), ("IY", 5))
    assert track.lip_round[:3].max() < 0.05 and track.lip_round[7] > 0.6
    assert track.lip_round[4] > 0.1  # anticipated
    assert track.upper_lip_raise[11] > 0.25
