import json
from dataclasses import fields

import numpy as np
import pytest

from talkinghead.errors import SettingsError
from talkinghead.motion.export import (
    FORMAT,
    VERSION,
    plan_from_dict,
    read_plan_json,
    write_plan_json,
)
from talkinghead.motion.plan import plan_motion
from talkinghead.motion.types import MotionPlan
from talkinghead.settings import RenderSettings

MAMA = [("SIL", 0.3), ("M", 0.1), ("AA", 0.3), ("W", 0.1), ("UW", 0.3), ("F", 0.1),
        ("AA", 0.2), ("SIL", 0.4)]


def test_round_trip_keeps_every_channel(speech_of, tmp_path):
    plan = plan_motion(speech_of(MAMA), RenderSettings(), 45, 7)
    path = tmp_path / "motion.json"
    write_plan_json(plan, path)
    data = json.loads(path.read_text())
    assert data["format"] == FORMAT and data["version"] == VERSION and data["frames"] == 45
    assert data["channels"]["jaw_open"]["unit"] and len(data["channels"]["blink"]["values"]) == 45
    back = read_plan_json(path)
    assert back.fps == 25 and back.n_frames == 45
    for f in fields(MotionPlan):
        if f.name != "fps":
            assert np.allclose(getattr(back, f.name), getattr(plan, f.name), atol=1e-4), f.name
    assert not list(tmp_path.glob(".*partial"))


def test_missing_channels_rest_and_unknown_ones_are_ignored():
    plan = plan_from_dict({"fps": 30, "channels": {"jaw_open": [0.1, 0.5, 2.0],
                                                   "eyebrow_wiggle": [1, 2, 3]}})
    assert plan.fps == 30 and plan.n_frames == 3
    assert plan.jaw_open.tolist() == pytest.approx([0.1, 0.5, 1.5])  # clipped to its range
    assert plan.lips_closed.max() == 0 and plan.head_yaw.max() == 0


@pytest.mark.parametrize("data, message", [
    ({"format": "other", "fps": 25}, "not a motion plan"),
    ({"fps": 25, "version": VERSION + 1}, "newer"),
    ({"fps": 0}, "fps"),
    ({"fps": 25, "channels": {"jaw_open": [0.1, "x"]}}, "list of numbers"),
    ({"fps": 25, "frames": 3, "channels": {"jaw_open": [0.1]}}, "1 values for 3"),
])
def test_bad_files_are_settings_errors(data, message):
    with pytest.raises(SettingsError, match=message):
        plan_from_dict(data)


def test_unreadable_file_is_a_settings_error(tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(SettingsError, match="cannot read"):
        read_plan_json(tmp_path / "bad.json")
