import numpy as np
import pytest

from talkinghead.errors import NoFaceError
from talkinghead.events import NullSink
from talkinghead.face import detect_face


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
