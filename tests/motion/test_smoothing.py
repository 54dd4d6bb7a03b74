import numpy as np

from talkinghead.motion.smoothing import smooth_mouth
from talkinghead.motion.types import MouthTrack


def _track(jaw, lips_closed=None, mouth_width=None):
    n = len(jaw)
    zeros = np.zeros(n)
    return MouthTrack(np.asarray(jaw, float), zeros if mouth_width is None else mouth_width,
                      zeros if lips_closed is None else lips_closed, zeros, np.full(n, 0.5), zeros,
                      zeros, zeros)


def test_flapping_is_damped():
    jaw = np.tile([0.2, 0.6], 20)
    out = smooth_mouth(_track(jaw), 25).jaw_open
    swing = np.abs(np.diff(out[5:-5])).max()
    assert swing < 0.6 * 0.4


def test_one_frame_vowel_survives():
    jaw = np.zeros(11)
    jaw[5] = 0.6
    assert smooth_mouth(_track(jaw), 25).jaw_open[5] > 0.45


def test_sealed_lips_hold_the_jaw_and_hide_the_teeth():
    closure = np.zeros(10)
    closure[4] = 1
    out = smooth_mouth(_track(np.full(10, 0.6), closure), 25)
    assert out.jaw_open[4] <= 0.07 and out.teeth[4] == 0 and out.lips_closed[4] == 1
    assert out.jaw_open[0] > 0.55


def test_ranges_are_clipped():
    out = smooth_mouth(_track(np.full(5, 1.4), mouth_width=np.full(5, -1.3)), 25)
    assert out.jaw_open.max() <= 1 and out.mouth_width.min() >= -1
