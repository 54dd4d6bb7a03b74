"""The job folder's saved inputs: exact round trip, older plans, damage reported clearly."""

from __future__ import annotations

import json
from dataclasses import fields

import numpy as np
import pytest

from talkinghead.errors import TalkingHeadError
from talkinghead.face.landmarks import FaceGeometry
from talkinghead.jobs.inputs import (
    FACE_FILE,
    PLAN_FILE,
    ChunkInputs,
    inputs_saved,
    load_inputs,
    save_inputs,
)
from talkinghead.motion.types import MotionPlan


def _inputs(frames: int = 12) -> ChunkInputs:
    rng = np.random.default_rng(3)
    arrays = {f.name: rng.uniform(0, 1, frames).astype(np.float32)
              for f in fields(MotionPlan) if f.name != "fps"}
    canvas = rng.integers(0, 256, (40, 30, 3), dtype=np.uint8)
    face = FaceGeometry(rng.uniform(0, 30, (68, 2)), (1.0, 2.0, 28.0, 35.0), 1)
    return ChunkInputs(canvas, face, (0, 0, 30, 40), MotionPlan(fps=30, **arrays))


def test_saved_inputs_load_back_exactly(tmp_path):
    saved = _inputs()
    save_inputs(tmp_path, saved)
    assert inputs_saved(tmp_path) and not list(tmp_path.glob("*.partial"))
    loaded = load_inputs(tmp_path)
    assert np.array_equal(loaded.canvas, saved.canvas) and loaded.roi == saved.roi
    assert np.array_equal(loaded.face.points, saved.face.points)
    for f in fields(MotionPlan):
        assert np.array_equal(getattr(loaded.plan, f.name), getattr(saved.plan, f.name))


def test_a_folder_saved_before_a_channel_and_the_versions_existed_reads_them_as_rest(tmp_path):
    save_inputs(tmp_path, _inputs())
    with np.load(tmp_path / PLAN_FILE) as plan:
        older = {name: plan[name] for name in plan.files
                 if name not in ("lip_round", "upper_lip_raise", "version")}
    np.savez(tmp_path / PLAN_FILE, **older)
    face = json.loads((tmp_path / FACE_FILE).read_text())
    del face["version"]
    (tmp_path / FACE_FILE).write_text(json.dumps(face))
    loaded = load_inputs(tmp_path)
    assert not loaded.plan.lip_round.any() and not loaded.plan.upper_lip_raise.any()
    assert np.array_equal(loaded.plan.jaw_open, older["jaw_open"])
    assert np.array_equal(loaded.face.points, np.array(face["points"]))


def test_a_folder_from_a_newer_version_is_refused(tmp_path):
    save_inputs(tmp_path, _inputs())
    with np.load(tmp_path / PLAN_FILE) as plan:
        newer = {**{name: plan[name] for name in plan.files}, "version": np.array(99)}
    np.savez(tmp_path / PLAN_FILE, **newer)
    with pytest.raises(TalkingHeadError, match="version 99 is newer"):
        load_inputs(tmp_path)


def test_a_damaged_folder_says_so(tmp_path):
    save_inputs(tmp_path, _inputs())
    (tmp_path / PLAN_FILE).write_bytes(b"not a zip")
    with pytest.raises(TalkingHeadError, match="is damaged"):
        load_inputs(tmp_path)
