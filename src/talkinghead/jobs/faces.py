"""Faces found before, kept in the job store by the portrait's content hash.

Creators render the same narrator portrait with one voice-over after another. Finding its face
costs about a second of CPU, most of it loading dlib's models, so a portrait seen before takes
its face from `faces/<sha256>.json` instead, as long as the same code and landmark model found
it. The file is a cache: a damaged or unwritable one only means the face is found anew.
A new portrait's face is found with dlib's HOG detector as saved in `models/` by the first
render (a third of the loading time: `face.landmarks.face_detector`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

import numpy as np

from ..errors import TalkingHeadError
from ..events import ProgressSink
from ..face.landmarks import (
    FaceGeometry,
    detect_face,
    face_from_record,
    face_to_record,
    landmark_model_identity,
    several_faces_notice,
)
from ..media.files import atomic_path
from ..version import code_fingerprint
from .store import JobStore

FACES_FOLDER: Final = "faces"
MODELS_FOLDER: Final = "models"  # dlib's face detector, saved (face.landmarks.face_detector)


def find_face(store: JobStore, image_sha256: str, pixels: np.ndarray,
              sink: ProgressSink) -> FaceGeometry:
    """The face of the portrait with these `pixels` and content hash: as found before, or
    found now (`face.landmarks.detect_face`) and kept for next time."""
    path = store.home / FACES_FOLDER / f"{image_sha256}.json"
    finder = _finder()
    try:
        record = json.loads(path.read_text())
        if record["found_by"] == finder:
            face = face_from_record(record["face"])
            if face.faces_found > 1:
                sink.notice(several_faces_notice(face.faces_found))
            return face
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not seen before, found by other code, or damaged: find it again
    face = detect_face(pixels, sink, detector_file(store))
    try:
        with atomic_path(path) as partial:
            partial.write_text(json.dumps({"found_by": finder, "face": face_to_record(face)}))
    except (OSError, TalkingHeadError):
        pass  # a full or read-only store costs the next render of this portrait a second
    return face


def detector_file(store: JobStore) -> Path:
    """Where the store keeps dlib's HOG face detector, saved by the installed dlib."""
    import dlib

    return store.home / MODELS_FOLDER / f"dlib-{dlib.__version__}-frontal_face_detector.svm"


def _finder() -> str:
    """What found a face: this code, and the landmark model file (path, size, date)."""
    return " ".join(map(str, [code_fingerprint(), *landmark_model_identity()]))
