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

    def detect(pixels, sink=None, detector_file=None):
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


def test_dlib_face_detector_is_saved_by_the_first_render_and_read_back_after(
        tmp_path, monkeypatch, sample_portrait_path) -> None:
    import dlib
    from PIL import Image

    portrait = np.asarray(Image.open(sample_portrait_path).convert("RGB"))
    saved = faces.detector_file(JobStore(tmp_path))
    load = landmarks.face_detector.__wrapped__  # as a new process would, without the cache
    built = load(saved)
    assert saved.is_file() and saved.parent.name == faces.MODELS_FOLDER

    def detections(detector) -> list:
        rects, scores, _ = detector.run(portrait, landmarks.HOG_UPSAMPLE, landmarks.HOG_MIN_SCORE)
        return [(r.left(), r.top(), r.right(), r.bottom(), score)
                for r, score in zip(rects, scores, strict=True)]

    real_builder = dlib.get_frontal_face_detector
    monkeypatch.setattr(dlib, "get_frontal_face_detector", lambda: pytest.fail("built again"))
    read = load(saved)
    assert len(detections(built)) == 1 and detections(read) == detections(built)

    saved.write_bytes(saved.read_bytes()[:1000])  # damaged: built again, and saved again
    monkeypatch.setattr(dlib, "get_frontal_face_detector", real_builder)
    assert detections(load(saved)) == detections(built)
    monkeypatch.setattr(dlib, "get_frontal_face_detector", lambda: pytest.fail("built again"))
    assert detections(load(saved)) == detections(built)


def test_a_store_that_cannot_keep_the_detector_still_finds_faces(tmp_path) -> None:
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    detector = landmarks.face_detector.__wrapped__(blocked / "detector.svm")
    assert detector is not None and not (blocked / "detector.svm").exists()
