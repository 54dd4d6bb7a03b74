import numpy as np

from talkinghead.framing import apply_framing, plan_framing
from talkinghead.settings import RenderSettings


def test_crop_is_a_square_around_the_face_at_size(sample_pixels, sample_face):
    settings = RenderSettings(preprocess="crop", size=512)
    framing = plan_framing((300, 300), sample_face, settings)
    canvas, face = apply_framing(sample_pixels, sample_face, framing)
    assert canvas.shape == (512, 512, 3)
    assert framing.roi == (0, 0, 512, 512)
    centre = face.points.mean(axis=0)
    assert 150 < centre[0] < 362 and 150 < centre[1] < 400


def test_resize_keeps_the_whole_picture(sample_pixels, sample_face):
    framing = plan_framing((300, 300), sample_face, RenderSettings(preprocess="resize"))
    canvas, face = apply_framing(sample_pixels, sample_face, framing)
    assert canvas.shape == (256, 256, 3)
    np.testing.assert_allclose(face.points, sample_face.points * 256 / 300)


def test_full_keeps_the_picture_rounded_to_even_and_animates_only_the_head(sample_pixels,
                                                                            sample_face):
    odd = sample_pixels[:299, :297]
    framing = plan_framing((297, 299), sample_face, RenderSettings(preprocess="full"))
    canvas, face = apply_framing(odd, sample_face, framing)
    assert canvas.shape == (298, 296, 3)
    x0, y0, x1, y1 = framing.roi
    assert 0 <= x0 < face.points[:, 0].min() and face.points[:, 0].max() < x1 <= 296
    assert 0 <= y0 < face.points[:, 1].min() and face.points[:, 1].max() < y1 <= 298
    assert (x1 - x0) * (y1 - y0) < 296 * 298  # not the whole picture
    np.testing.assert_array_equal(canvas, odd[:298, :296])
