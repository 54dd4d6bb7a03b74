"""Backdrops and the "over" of a cut-out frame (media/compose.py), on synthetic pictures."""

import numpy as np

from talkinghead.media.compose import (
    Compositor,
    average_nearby,
    blurred_backdrop,
    colour_of,
    fitted_backdrop,
    over,
    solid_backdrop,
)


def test_over_is_the_alpha_blend_rounded():
    rng = np.random.default_rng(0)
    layer = rng.integers(0, 256, (8, 9, 4), dtype=np.uint8)
    backdrop = rng.integers(0, 256, (8, 9, 3), dtype=np.uint8)
    a = layer[:, :, 3:4] / 255
    expected = layer[:, :, :3] * a + backdrop * (1 - a)
    assert np.abs(over(layer, backdrop).astype(float) - expected).max() <= 0.5 + 1e-9
    layer[:, :, 3] = 255
    np.testing.assert_array_equal(over(layer, backdrop), layer[:, :, :3])
    layer[:, :, 3] = 0
    np.testing.assert_array_equal(over(layer, backdrop), backdrop)


def test_the_compositor_blends_only_the_region_and_matches_a_full_blend():
    rng = np.random.default_rng(1)
    first = rng.integers(0, 256, (20, 30, 4), dtype=np.uint8)
    backdrop = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    roi = (5, 4, 25, 16)
    compose = Compositor(backdrop, first, roi)
    moved = first.copy()
    moved[4:16, 5:25] = rng.integers(0, 256, (12, 20, 4), dtype=np.uint8)
    np.testing.assert_array_equal(compose(moved), over(moved, backdrop))


def test_a_colour_fills_the_frame():
    assert colour_of("color:#1a2B3c") == (26, 43, 60)
    frame = solid_backdrop((26, 43, 60), (6, 4))
    assert frame.shape == (4, 6, 3) and (frame == (26, 43, 60)).all()


def test_an_image_covers_the_frame_centred_and_unstretched():
    image = np.zeros((100, 200, 3), np.uint8)
    image[:, :50] = 255  # a white quarter on the left, cut off by the centred crop
    image[40:60, 90:110] = (255, 0, 0)  # a red square at the centre stays square
    frame = fitted_backdrop(image, (100, 100))
    assert frame.shape == (100, 100, 3)
    red = (frame[:, :, 0] > 200) & (frame[:, :, 1] < 50)
    rows, cols = np.nonzero(red)
    assert abs(np.ptp(rows) - np.ptp(cols)) <= 1 and abs(rows.mean() - 49.5) < 1
    assert frame[:, :5].max() < 30  # the white quarter lies outside the crop


def test_the_blurred_background_leaves_the_person_out():
    picture = np.full((60, 80, 3), (0, 0, 200), np.uint8)  # a blue backdrop
    matte = np.zeros((60, 80), np.float32)
    matte[10:60, 25:55] = 1.0
    picture[matte > 0] = (250, 200, 150)  # a bright person
    backdrop = blurred_backdrop(picture, matte)
    assert np.abs(backdrop.astype(int) - (0, 0, 200)).max() <= 1  # no halo of the person


def test_average_nearby_reaches_every_pixel():
    colours = np.zeros((50, 50, 3), np.float32)
    colours[0, 0] = (90, 60, 30)
    where = np.zeros((50, 50), bool)
    where[0, 0] = True
    spread = average_nearby(colours, where, sigma=1.0)
    np.testing.assert_allclose(spread, np.broadcast_to((90, 60, 30), spread.shape), atol=0.5)
