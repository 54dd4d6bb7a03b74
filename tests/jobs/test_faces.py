"""A portrait seen before takes its face from the store, unless other code or another model
found it, or the record is damaged."""

from __future__ import annotations

import json

import numpy as np
import pytest

from talkinghead.events import NullSink
from talkinghead.face import landmarks
from talkinghead.face.landmarks import FaceGeometry
from talkinghead.jobs import faces
from talkinghead.jobs.faces import FACES_FOLDER, find_face
from talkinghead.jobs.store import JobStore

PIXELS = np.zeros((8, 8, 3), np.uint8)  # never looked at: detection is counted, not run


class Notices(NullSink):
    def __init__(self) -> None:
        super().__init__(notices_to_stderr=False)
        self.said: list[str] = []

    def notice(self, message: str) -> None:
        self.said.append(message)


@pytest.fixture
def detections(monkeypatch) -> list[int]:
    """Each call of the detector, which finds two faces and says so."""
    calls: list[int] = []

    def detect(pixels, sink=None):
        calls.append(1)
        sink.notice(landmarks.several_faces_notice(2))
        return FaceGeometry(np.arange(136, dtype=np.float64).reshape(68, 2), (1, 2, 30, 40), 2)

    monkeypatch.setattr(faces, "detect_face", detect)
    return calls


def test_a_portrait_seen_before_is_not_searched_again(tmp_path, detections) -> None:
    store = JobStore(tmp_path)
    first, second = Notices(), Notices()
    found = find_face(store, "abc", PIXELS, first)
    again = find_face(store, "abc", PIXELS, second)
    assert detections == [1]
    assert np.array_equal(again.points, found.points) and again.box == found.box
    assert second.said == first.said == ["found 2 faces; animating the largest"]
    find_face(store, "another portrait", PIXELS, NullSink())
    assert detections == [1, 1]


def test_other_code_or_model_or_a_damaged_record_finds_it_anew(tmp_path, monkeypatch,
                                                               detections) -> None:
    store = JobStore(tmp_path)
    find_face(store, "abc", PIXELS, NullSink())
    record = tmp_path / FACES_FOLDER / "abc.json"
    monkeypatch.setattr(faces, "code_fingerprint", lambda: "other code")
    find_face(store, "abc", PIXELS, NullSink())
    assert detections == [1, 1]
    assert json.loads(record.read_text())["found_by"].startswith("other code ")
    model = tmp_path / "other.dat"
    model.write_bytes(b"another predictor")
    monkeypatch.setenv(landmarks.LANDMARK_MODEL_VARIABLE, str(model))
    find_face(store, "abc", PIXELS, NullSink())
    assert detections == [1, 1, 1]
    record.write_text("{not json")
    find_face(store, "abc", PIXELS, NullSink())
    assert detections == [1, 1, 1, 1]
    find_face(store, "abc", PIXELS, NullSink())
    assert detections == [1, 1, 1, 1]  # kept again once found
