from types import SimpleNamespace

import numpy as np
import pytest

from talkinghead.errors import NoFaceError
from talkinghead.events import NullSink
from talkinghead.face.landmarks import detect_face


def test_finds_68_landmarks_on_the_sample_portrait(sample_face, sample_pixels):
    pts = sample_face.points
    assert pts.shape == (68, 2)
    x0, y0, x1, y1 = sample_face.box
    inside = (pts[:, 0] > x0 - 20) & (pts[:, 0] < x1 + 20) & (pts[:, 1] > y0 - 20) & (
        pts[:, 1] < y1 + 20)
    assert inside.all()
    right_eye, left_eye = sample_face.eye_centers
    assert right_eye[0] < left_eye[0]  # image-left eye first
    assert 30 < sample_face.interocular < 80  # the face is ~90 px wide in a 300 px image
    mouth_y = pts[48:68, 1].mean()
    assert mouth_y > pts[27:36, 1].mean() > right_eye[1]  # eyes, nose, mouth top to bottom


def test_blank_image_has_no_face():
    with pytest.raises(NoFaceError, match=r"no face found.*front-facing"):
        detect_face(np.full((200, 200, 3), 128, np.uint8))


def test_several_faces_use_the_largest_and_say_so(sample_pixels):
    import cv2

    small = cv2.resize(sample_pixels, (200, 200))
    canvas = np.full((300, 520, 3), 200, np.uint8)
    canvas[:, :300] = sample_pixels
    canvas[50:250, 310:510] = small
    sink = NullSink(notices_to_stderr=False)
    face = detect_face(canvas, sink)
    assert face.faces_found == 2
    assert face.box[0] < 300  # the full-size face on the left
    assert any("2 faces" in n for n in sink.notices)


def test_transformed_moves_points_and_box(sample_face):
    moved = sample_face.transformed(2.0, 2.0, -10.0, 5.0)
    np.testing.assert_allclose(moved.points, sample_face.points * 2 + [-10, 5])
    assert moved.interocular == pytest.approx(2 * sample_face.interocular)


def test_another_landmark_model_can_be_chosen(monkeypatch, tmp_path):
    """$TALKINGHEAD_LANDMARK_MODEL names another predictor file (the README's licence note)."""
    from talkinghead.errors import TalkingHeadError
    from talkinghead.face.landmarks import LANDMARK_MODEL, landmark_model, model_file

    monkeypatch.delenv("TALKINGHEAD_LANDMARK_MODEL", raising=False)
    assert landmark_model() == model_file(LANDMARK_MODEL)
    own = tmp_path / "licensed_68.dat"
    own.write_bytes(b"a predictor")
    monkeypatch.setenv("TALKINGHEAD_LANDMARK_MODEL", str(own))
    assert landmark_model() == own
    monkeypatch.setenv("TALKINGHEAD_LANDMARK_MODEL", str(tmp_path / "missing.dat"))
    with pytest.raises(TalkingHeadError, match="TALKINGHEAD_LANDMARK_MODEL"):
        landmark_model()


def test_the_fallback_detector_scans_a_bounded_picture(monkeypatch):
    """A picture with no face pays for the slow CNN detector in full: it scans at most
    CNN_MAX_SIDE_PX on a side (about 1.5 s on one core), upsampled only where that fits, and
    the boxes it finds come back in the picture's own pixels."""
    from talkinghead.face import landmarks

    scanned = []

    class FakeCnn:
        def __call__(self, image, upsample):
            scanned.append((image.shape[:2], upsample))
            height, width = image.shape[:2]
            box = SimpleNamespace(left=lambda: width // 4, top=lambda: height // 4,
                                  right=lambda: width // 2, bottom=lambda: height // 2)
            return [SimpleNamespace(rect=box, confidence=1.0)]

    monkeypatch.setattr(landmarks, "_cnn_detector", FakeCnn)
    big = np.zeros((800, 600, 3), np.uint8)
    [(left, _, right, _)] = landmarks._cnn_boxes(big)
    [(shape, upsample)] = scanned
    assert max(shape) <= landmarks.CNN_MAX_SIDE_PX and upsample == 0
    assert (left, right) == pytest.approx((150, 300), abs=2)  # back in the picture's pixels
    small = np.zeros((200, 160, 3), np.uint8)
    landmarks._cnn_boxes(small)
    assert scanned[-1] == ((200, 160), landmarks.HOG_UPSAMPLE)
