"""Find the face and its 68 landmarks with dlib.

The HOG detector is fast and good on photos; the MMOD CNN detector (also shipped
by `face-recognition-models`) is slower but finds painted and turned faces the
HOG detector misses, so it is the fallback. Detection runs on a copy scaled to
at most `DETECT_MAX_SIDE_PX` (the CNN on one of at most `CNN_MAX_SIDE_PX`: its cost
grows with the pixels it scans, and a picture with no face pays it in full);
landmarks are predicted on the full image.
"""

from __future__ import annotations

import importlib.util
import os
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import numpy as np

from ..errors import NoFaceError, TalkingHeadError
from ..events import NullSink, ProgressSink
from ..media.files import atomic_path

LANDMARK_MODEL = "shape_predictor_68_face_landmarks.dat"
LANDMARK_MODEL_VARIABLE = "TALKINGHEAD_LANDMARK_MODEL"  # another predictor file (see README)
CNN_DETECTOR_MODEL = "mmod_human_face_detector.dat"
DETECT_MAX_SIDE_PX = 800  # larger images gain nothing for a face that fills 30-70% of the frame
HOG_UPSAMPLE = 1  # finds faces down to about 40 px at the detection scale
HOG_MIN_SCORE = -0.3  # dlib HOG scores of real faces here: 0.8-2.7; below this, try the CNN
CNN_MIN_CONFIDENCE = 0.3
# The CNN finds faces down to ~80 px, ~40 px upsampled once. At most this side it scans
# in ~1.2 s on one core (an 800 px picture upsampled: ~10 s), and still finds faces down to
# 16% of the picture's longer side (the guidelines ask for 30-70% of the frame).
CNN_MAX_SIDE_PX = 512
MIN_FACE_PX = 32  # narrower faces cannot be animated usefully

# Index ranges of the 68-point (iBUG 300-W) layout, used across the renderer.
JAW = slice(0, 17)
RIGHT_BROW = slice(17, 22)  # image left
LEFT_BROW = slice(22, 27)
NOSE = slice(27, 36)
RIGHT_EYE = slice(36, 42)
LEFT_EYE = slice(42, 48)
OUTER_LIPS = slice(48, 60)
INNER_LIPS = slice(60, 68)
LANDMARK_COUNT: Final = 68

GUIDELINES = (
    "use a clear, front-facing portrait where the face takes 30-70% of the frame, "
    "is well lit and not covered"
)


@dataclass(frozen=True)
class FaceGeometry:
    """The chosen face: 68 landmarks (x, y in pixels) and its detector box."""

    points: np.ndarray  # (68, 2) float64
    box: tuple[float, float, float, float]  # x0, y0, x1, y1
    faces_found: int = 1

    @property
    def eye_centers(self) -> tuple[np.ndarray, np.ndarray]:
        return self.points[RIGHT_EYE].mean(axis=0), self.points[LEFT_EYE].mean(axis=0)

    @property
    def interocular(self) -> float:
        right, left = self.eye_centers
        return float(np.linalg.norm(left - right))

    def transformed(self, scale_x: float, scale_y: float,
                    offset_x: float, offset_y: float) -> FaceGeometry:
        """The same face after `x' = x * scale_x + offset_x` (and likewise y)."""
        scale = np.array([scale_x, scale_y])
        offset = np.array([offset_x, offset_y])
        x0, y0, x1, y1 = self.box
        box = (x0 * scale_x + offset_x, y0 * scale_y + offset_y,
               x1 * scale_x + offset_x, y1 * scale_y + offset_y)
        return FaceGeometry(self.points * scale + offset, box, self.faces_found)


FACE_RECORD_VERSION: Final = 1


def face_to_record(face: FaceGeometry) -> dict[str, Any]:
    """The face as JSON values: how the job folder's face.json and a RunPod request store it."""
    return {"version": FACE_RECORD_VERSION, "points": face.points.tolist(),
            "box": list(face.box), "faces_found": face.faces_found}


def face_from_record(record: object) -> FaceGeometry:
    """A face stored by `face_to_record` (records without a version are version 1); raises
    ValueError saying what is wrong with it."""
    if not isinstance(record, dict):
        raise ValueError("the face must be an object of points, box and faces_found")
    version = record.get("version", FACE_RECORD_VERSION)
    if not isinstance(version, int) or version > FACE_RECORD_VERSION:
        raise ValueError(f"face record version {version!r} is newer than this talkinghead "
                         f"reads ({FACE_RECORD_VERSION}); upgrade talkinghead")
    try:
        points = np.asarray(record["points"], dtype=np.float64)
        box = tuple(float(v) for v in record["box"])
        faces_found = int(record["faces_found"])
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"the face needs points, box and faces_found ({e})") from e
    if points.shape != (LANDMARK_COUNT, 2) or not np.isfinite(points).all():
        raise ValueError(f"the face's points must be {LANDMARK_COUNT} finite [x, y] pairs")
    if len(box) != 4 or not all(np.isfinite(box)):
        raise ValueError("the face's box must have 4 finite numbers")
    if faces_found < 1:
        raise ValueError("the face's faces_found must be at least 1")
    return FaceGeometry(points, (box[0], box[1], box[2], box[3]), faces_found)


def model_file(name: str) -> Path:
    """A model file shipped by `face-recognition-models`.

    Found through the import system without importing the package, whose
    `__init__` needs `pkg_resources` (gone from recent setuptools).
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise TalkingHeadError("face-recognition-models is not installed: "
                               "pip install face-recognition-models")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / name
    if not path.is_file():
        raise TalkingHeadError(f"model file missing: {path}; reinstall face-recognition-models")
    return path


def landmark_model() -> Path:
    """The 68-point predictor: `$TALKINGHEAD_LANDMARK_MODEL` (a dlib shape predictor file with
    the iBUG 68-point layout, e.g. one licensed for commercial use), else the bundled one."""
    chosen = os.environ.get(LANDMARK_MODEL_VARIABLE)
    if not chosen:
        return model_file(LANDMARK_MODEL)
    path = Path(chosen).expanduser()
    if not path.is_file():
        raise TalkingHeadError(f"{LANDMARK_MODEL_VARIABLE}={chosen} is not a file (give a dlib "
                               "68-point shape predictor file, or unset it)")
    return path


def landmark_model_identity() -> list[str | int]:
    """The landmark model file as a job's identity and a remembered face record it: its path,
    size and modification time (another file, or the same file replaced, is another model)."""
    model = landmark_model().resolve()
    stat = model.stat()
    return [str(model), stat.st_size, stat.st_mtime_ns]


@lru_cache(maxsize=2)
def face_detector(detector_file: Path | None = None) -> Any:  # a dlib fhog_object_detector
    """dlib's HOG face detector. dlib builds it from a copy compiled into itself, in 0.3-0.5 s
    of CPU; from the file it saves, it loads in a millisecond. So with `detector_file` (named
    for the dlib version) it is read from there, or saved there for the next render: a cache,
    where a file that cannot be read or written costs only that time."""
    import dlib

    if detector_file is not None:
        try:
            return dlib.fhog_object_detector(str(detector_file))
        except RuntimeError:  # not saved yet, or damaged: dlib refuses it
            pass
    detector = dlib.get_frontal_face_detector()
    if detector_file is not None:
        with suppress(OSError, RuntimeError, TalkingHeadError):  # full, read-only, ...
            with atomic_path(detector_file) as partial:
                detector.save(str(partial))
    return detector


@lru_cache(maxsize=1)
def landmark_predictor() -> Any:  # a dlib shape_predictor (untyped)
    import dlib

    return dlib.shape_predictor(str(landmark_model()))


@lru_cache(maxsize=1)
def _cnn_detector() -> Any:  # a dlib CNN face detector
    import dlib

    return dlib.cnn_face_detection_model_v1(str(model_file(CNN_DETECTOR_MODEL)))


def _detection_scale(pixels: np.ndarray, max_side_px: int = DETECT_MAX_SIDE_PX
                     ) -> tuple[np.ndarray, float]:
    import cv2

    height, width = pixels.shape[:2]
    scale = min(1.0, max_side_px / max(height, width))
    if scale == 1.0:
        return pixels, 1.0
    small = cv2.resize(pixels, (round(width * scale), round(height * scale)),
                       interpolation=cv2.INTER_AREA)
    return small, scale


def _find_boxes(image: np.ndarray, detector_file: Path | None
                ) -> list[tuple[float, float, float, float]]:
    rects, _, _ = face_detector(detector_file).run(image, HOG_UPSAMPLE, HOG_MIN_SCORE)
    boxes = [(r.left(), r.top(), r.right(), r.bottom()) for r in rects]
    if boxes:
        return boxes
    return _cnn_boxes(image)


def _cnn_boxes(image: np.ndarray) -> list[tuple[float, float, float, float]]:
    """The CNN on at most `CNN_MAX_SIDE_PX`: upsampled once where that fits, else scaled down."""
    upsample = HOG_UPSAMPLE if max(image.shape[:2]) * 2 <= CNN_MAX_SIDE_PX else 0
    small, scale = _detection_scale(image, CNN_MAX_SIDE_PX)
    found = _cnn_detector()(small, upsample)
    return [
        tuple(v / scale for v in (d.rect.left(), d.rect.top(), d.rect.right(), d.rect.bottom()))
        for d in found
        if d.confidence >= CNN_MIN_CONFIDENCE
    ]


def several_faces_notice(faces_found: int) -> str:
    """What a user is told when the portrait has more than one face."""
    return f"found {faces_found} faces; animating the largest"


def detect_face(pixels: np.ndarray, sink: ProgressSink | None = None,
                detector_file: Path | None = None) -> FaceGeometry:
    """Landmarks of the largest face in an RGB image; `NoFaceError` when there is none.
    `detector_file`: where the HOG detector is kept between processes (`face_detector`)."""
    import dlib

    sink = sink or NullSink()
    small, scale = _detection_scale(pixels)
    boxes = [tuple(v / scale for v in box) for box in _find_boxes(small, detector_file)]
    boxes = [b for b in boxes if b[2] - b[0] >= MIN_FACE_PX]
    if not boxes:
        raise NoFaceError(f"no face found in the image: {GUIDELINES}")
    boxes.sort(key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)
    if len(boxes) > 1:
        sink.notice(several_faces_notice(len(boxes)))
    x0, y0, x1, y1 = boxes[0]
    rect = dlib.rectangle(round(x0), round(y0), round(x1), round(y1))
    shape = landmark_predictor()(np.ascontiguousarray(pixels), rect)
    points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
    return FaceGeometry(points=points, box=(x0, y0, x1, y1), faces_found=len(boxes))
