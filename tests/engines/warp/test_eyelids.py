import numpy as np
import pytest

from talkinghead.engines.warp.eyelids import EYE_LIDS
from talkinghead.engines.warp.rig import FramePose


@pytest.fixture
def crop(prepared, sample_pixels, sample_face):
    engine, state, canvas, _ = prepared(sample_pixels, sample_face, "crop")
    return engine, state, canvas


def eye_box(points, upper, lower):
    pts = points[[*upper, *lower]]
    (x0, y0), (x1, y1) = np.floor(pts.min(axis=0)).astype(int), np.ceil(pts.max(axis=0)).astype(int)
    return x0, y0, x1 + 1, y1 + 1


def test_open_eyes_are_untouched(crop):
    engine, state, _ = crop
    np.testing.assert_array_equal(engine.render_frame(state, FramePose(blink=0.0)),
                                  engine.render_frame(state, FramePose()))


def test_a_shut_eye_shows_lid_not_iris(crop):
    engine, state, canvas = crop
    shut = engine.render_frame(state, FramePose(blink=1.0)).astype(float)
    points = state.rig.rest
    for upper, lower in EYE_LIDS:
        centre = np.round((points[list(upper[1:3])].mean(axis=0)
                           + points[list(lower[1:3])].mean(axis=0)) / 2).astype(int)
        x, y = centre
        iris = canvas[y - 1:y + 2, x - 1:x + 2].astype(float)
        lid = shut[y - 1:y + 2, x - 1:x + 2]
        assert lid.mean() > iris.mean() + 30  # skin where the dark iris was
        assert lid.min() > iris.mean()  # no dark iris smeared into the lid


def test_half_closed_lid_covers_the_top_and_leaves_the_bottom_unmoved(crop):
    """The lid slides over the eye: below its edge the iris and white are the source's own
    pixels, not squeezed into the shrinking opening."""
    engine, state, canvas = crop
    half = engine.render_frame(state, FramePose(blink=0.5)).astype(int)
    points = state.rig.rest
    for upper, lower in EYE_LIDS:
        top = points[list(upper[1:3])].mean(axis=0)
        bottom = points[list(lower[1:3])].mean(axis=0)
        x = round((top[0] + bottom[0]) / 2)
        low_y = round(top[1] + 0.85 * (bottom[1] - top[1]))
        high_y = round(top[1] + 0.2 * (bottom[1] - top[1]))
        np.testing.assert_array_equal(half[low_y, x - 1:x + 2], canvas[low_y, x - 1:x + 2])
        assert np.abs(half[high_y, x] - canvas[high_y, x].astype(int)).max() > 10


def test_closure_is_monotonic_in_coverage(crop):
    engine, state, canvas = crop
    changed = [np.count_nonzero(np.abs(engine.render_frame(state, FramePose(blink=b)).astype(int)
                                       - canvas).max(axis=2) > 8)
               for b in (0.25, 0.5, 0.75, 1.0)]
    assert changed == sorted(changed) and changed[0] > 0


def test_a_shut_lid_on_a_shadowed_socket_is_lit_like_the_skin_under_the_eye():
    """Deep-set eyes lit from above (art_1): beside the eye is deep shadow; a lid that dark
    reads as an open, dark eye. The shut lid bulges towards the light: lighter than that."""
    from talkinghead.engines.warp.eyelids import EyeFrame, _closed_lid_colour

    image = np.full((100, 100, 3), 200, np.uint8)  # lit skin
    image[30:56, 10:90] = 60  # the socket's shadow, beside and over the eye
    upper = np.array([[35.0, 50], [45, 45], [55, 45], [65, 50]])
    lower = np.array([[35.0, 50], [45, 54], [55, 54], [65, 50]])
    eye = EyeFrame.of(upper, np.array([0.0, 1.0]))
    colour = _closed_lid_colour(image, eye, lower)
    assert 100 < colour.mean() < 160  # between the shadow and the lit skin
    even = np.full((100, 100, 3), 150, np.uint8)
    np.testing.assert_allclose(_closed_lid_colour(even, eye, lower), 150)  # no change on even skin
