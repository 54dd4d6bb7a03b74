import numpy as np

from talkinghead.motion.expression import JAW_MAX, scale_expression
from talkinghead.motion.types import MouthTrack


def test_scale_multiplies_shapes_not_contacts():
    half = np.full(4, 0.5)
    track = MouthTrack(jaw_open=half, mouth_width=-half, lips_closed=half, lower_lip_tuck=half,
                       teeth=half, tongue=half, lip_round=half, upper_lip_raise=half)
    out = scale_expression(track, 1.6)
    assert np.allclose(out.jaw_open, 0.8) and np.allclose(out.mouth_width, -0.8)
    assert np.allclose(out.teeth, 0.8)
    assert np.array_equal(out.lips_closed, track.lips_closed)
    assert np.array_equal(out.tongue, track.tongue)


def test_jaw_may_pass_one_up_to_the_limit():
    track = MouthTrack.rest(3).with_(jaw_open=np.array([0.6, 0.9, 1.0]))
    out = scale_expression(track, 2.0)
    assert out.jaw_open[0] == np.float32(1.2) and out.jaw_open.max() == JAW_MAX
