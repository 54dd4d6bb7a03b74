"""The person matte on the bundled sample portrait (an astronaut on a pale studio backdrop)."""

import numpy as np
import pytest

from talkinghead.face.landmarks import JAW
from talkinghead.face.matte import grabcut_seeds, person_matte

CORNER_PX = 20


@pytest.fixture(scope="module")
def alpha(sample_pixels, sample_face) -> np.ndarray:
    return person_matte(sample_pixels, sample_face)


def test_the_matte_is_a_float_alpha_of_the_image_size(alpha, sample_pixels):
    assert alpha.shape == sample_pixels.shape[:2]
    assert alpha.dtype == np.float32
    assert alpha.min() >= 0.0 and alpha.max() <= 1.0


def test_the_face_is_opaque(alpha, sample_face):
    right_eye, left_eye = sample_face.eye_centers
    chin_y = sample_face.points[JAW][8, 1]
    x0, x1 = int(right_eye[0]), int(left_eye[0])
    y0, y1 = int(right_eye[1]), int(chin_y - 0.2 * sample_face.interocular)
    assert alpha[y0:y1, x0:x1].min() > 0.95


def test_the_backdrop_is_clear_and_the_body_below_the_chin_kept(alpha, sample_face):
    top_left, top_right = alpha[:CORNER_PX, :CORNER_PX], alpha[:CORNER_PX, -CORNER_PX:]
    assert top_left.max() < 0.05 and top_right.max() < 0.05
    assert alpha[-CORNER_PX:, -CORNER_PX:].max() < 0.05  # right of the suit's shoulder
    chin = sample_face.points[JAW][8]
    below = alpha[int(chin[1]) + 30 :, int(chin[0]) - 20 : int(chin[0]) + 20]
    assert below.min() > 0.95  # neck ring and suit


def test_the_edge_is_soft(alpha):
    soft = (alpha > 0.1) & (alpha < 0.9)
    opaque, clear = (alpha >= 0.9).sum(), (alpha <= 0.1).sum()
    assert opaque > 0 and clear > 0
    assert 100 < soft.sum() < 0.1 * alpha.size  # a band along the edge, not a haze


def test_the_same_picture_gives_the_same_matte(alpha, sample_pixels, sample_face):
    np.testing.assert_array_equal(person_matte(sample_pixels.copy(), sample_face), alpha)


def test_seeds_hold_the_face_and_leave_the_border_to_the_background(sample_pixels, sample_face):
    labels = grabcut_seeds(sample_pixels.shape, sample_face)
    nose = np.round(sample_face.points[30]).astype(int)
    assert labels[nose[1], nose[0]] == 1  # sure person
    assert labels[0, 0] == 0 and labels[0, -1] == 0  # sure background
    assert set(np.unique(labels)) <= {0, 1, 2, 3}


def test_foreground_colours_undo_the_backdrop_in_a_soft_edge():
    from talkinghead.face.matte import foreground_colours

    height, width = 40, 120
    alpha = np.tile(np.clip((np.arange(width) - 40) / 40, 0, 1), (height, 1)).astype(np.float32)
    person, backdrop = np.array([220.0, 120.0, 40.0]), np.array([20.0, 40.0, 230.0])
    picture = (alpha[..., None] * person + (1 - alpha[..., None]) * backdrop + 0.5)
    colours = foreground_colours(picture.astype(np.uint8), alpha, iod=20.0)
    edge = (alpha > 0.05) & (alpha < 1)
    # The backdrop is averaged over pixels under 5% alpha, which hold up to 5% of the person
    # (~10 levels here); divided back through alpha, a few levels of that remain at the edge.
    tinted = np.abs(picture[edge] - person).max()
    assert tinted > 100 and np.abs(colours[edge].astype(float) - person).max() <= 6
    assert np.abs(colours[alpha <= 0.05].astype(float) - person).max() <= 3  # spread out
    np.testing.assert_array_equal(colours[alpha >= 1], picture.astype(np.uint8)[alpha >= 1])
