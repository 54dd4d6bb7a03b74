import numpy as np
import pytest

from talkinghead.motion.types import MotionPlan, MouthTrack


def _plan(n=6):
    arrays = [np.arange(n, dtype=float) + i for i in range(12)]
    return MotionPlan(25, *arrays)


def test_plan_arrays_are_float32_read_only_copies():
    source = np.zeros(3)
    plan = MotionPlan(25, *([source] * 12))
    source[0] = 1
    assert plan.jaw_open[0] == 0 and plan.jaw_open.dtype == np.float32
    with pytest.raises(ValueError):
        plan.jaw_open[0] = 1


def test_slice_follows_python_rules():
    plan = _plan()
    assert plan.slice(4, 100).n_frames == 2
    assert plan.slice(0, 0).n_frames == 0
    assert plan.slice(1, 3).head_y.tolist() == [12.0, 13.0]


def test_mouth_track_rest_and_with():
    track = MouthTrack.rest(4)
    assert track.n_frames == 4 and track.jaw_open.max() == 0
    assert track.with_(jaw_open=np.ones(4)).jaw_open.min() == 1
    with pytest.raises(ValueError):
        track.with_(jaw_open=np.ones(5))
