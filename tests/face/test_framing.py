import cv2
import numpy as np
import pytest

from talkinghead.face.framing import apply_framing, frame_matte, plan_framing
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


# --- `frame` mode: --aspect / --resolution ------------------------------------------------

FRAME_CASES = [("16:9", None, "shoulders"), ("9:16", None, "shoulders"), ("1:1", None, "head"),
               ("4:5", None, "chest"), ("16:9", (640, 360), "head"), ("source", (1080, 1920),
                                                                        "shoulders")]


def _measured(canvas):
    from talkinghead.face.landmarks import detect_face

    face = detect_face(canvas)
    right, left = face.eye_centers
    brows = face.points[17:27, 1].min()
    return (right + left) / 2, face.points[8, 1] - brows


@pytest.fixture(scope="module")
def shared_faces(shared_data):
    """Each shared portrait's pixels and face, found once for all the framing cases."""
    from talkinghead.face.landmarks import detect_face
    from talkinghead.media.image import load_portrait

    found = {}
    for path in sorted((shared_data / "images").iterdir()):
        pixels = load_portrait(path).pixels
        found[path] = (pixels, detect_face(pixels))
    return found


@pytest.mark.shared_data
@pytest.mark.parametrize("aspect, resolution, framing", FRAME_CASES)
def test_frame_mode_puts_the_face_where_the_rule_says(shared_faces, aspect, resolution,
                                                      framing):
    from talkinghead.face.framing import FACE_SHARE, frame_rule, frame_size

    settings = RenderSettings(aspect=aspect, resolution=resolution, framing=framing)
    for path, (pixels, face) in shared_faces.items():
        image_size = (pixels.shape[1], pixels.shape[0])
        framing_plan = plan_framing(image_size, face, settings)
        canvas, _ = apply_framing(pixels, face, framing_plan)
        width, height = frame_size(settings)
        assert canvas.shape == (height, width, 3), path.name
        scale, left, top = frame_rule(face, (width, height), framing, image_size)
        right_eye, left_eye = face.eye_centers
        expected_eyes = ((right_eye + left_eye) / 2 - (left, top)) * scale
        eyes, face_height = _measured(canvas)
        tolerance = 0.02 * height + 2
        assert np.abs(eyes - expected_eyes).max() < tolerance, path.name
        assert abs(face_height / height - FACE_SHARE[framing]) < 0.04, path.name
        window_fits = width / scale <= image_size[0] and height / scale <= image_size[1]
        if window_fits:  # the picture covers the frame: it was slid inside, never padded
            assert left >= 0 and top >= 0
            assert left + width / scale <= image_size[0] + 1e-6
            assert top + height / scale <= image_size[1] + 1e-6


@pytest.mark.shared_data
def test_padding_only_where_the_picture_does_not_reach(shared_data):
    import cv2

    from talkinghead.face.landmarks import detect_face
    from talkinghead.media.image import load_portrait

    pixels = load_portrait(shared_data / "images" / "happy.png").pixels  # 256 x 256
    face = detect_face(pixels)
    settings = RenderSettings(resolution=(640, 360), framing="head", pad="color:#00ff00")
    plan = plan_framing((256, 256), face, settings)
    canvas, _ = apply_framing(pixels, face, plan)
    scale, (left, top) = plan.scale, plan.source_rect[:2]
    matrix = np.array([[scale, 0, -left * scale], [0, scale, -top * scale]])
    covered = cv2.warpAffine(np.ones((256, 256), np.float32), matrix, (640, 360)) > 0.999
    green = np.all(canvas == (0, 255, 0), axis=2)
    assert green[~covered].mean() > 0.95 and not green[covered].any()
    assert covered.mean() < 0.9  # this case does need padding


def test_aspect_without_resolution_uses_720_on_the_short_side():
    from talkinghead.face.framing import frame_size

    assert frame_size(RenderSettings(aspect="16:9")) == (1280, 720)
    assert frame_size(RenderSettings(aspect="9:16")) == (720, 1280)
    assert frame_size(RenderSettings(aspect="4:5")) == (720, 900)
    assert frame_size(RenderSettings(aspect="1:1", resolution=(512, 512))) == (512, 512)


@pytest.mark.parametrize("values", [
    {"preprocess": "crop"}, {"preprocess": "resize"}, {"preprocess": "full"},
    {"aspect": "16:9", "pad": "edge"}, {"aspect": "9:16", "framing": "chest", "pad": "edge"},
])
@pytest.mark.parametrize("matte_scale", [1.0, 0.5])
def test_a_matte_is_framed_like_the_picture(sample_pixels, sample_face, values, matte_scale):
    """A matte framed by frame_matte lands where apply_framing puts the picture's pixels, and
    is clear where the picture does not reach (the padding of an aspect)."""
    height, width = sample_pixels.shape[:2]
    yy, xx = np.mgrid[:height, :width]
    marker = (np.hypot(xx - width * 0.3, yy - height * 0.6) < width * 0.15).astype(np.float32)
    settings = RenderSettings(**values)
    framing = plan_framing((width, height), sample_face, settings)
    picture = np.repeat((marker * 255).astype(np.uint8)[:, :, None], 3, axis=2)
    framed_picture, _ = apply_framing(picture, sample_face, framing)
    matte = marker if matte_scale == 1 else cv2.resize(
        marker, None, fx=matte_scale, fy=matte_scale, interpolation=cv2.INTER_AREA)
    framed = frame_matte(matte, framing, matte_scale)
    assert framed.shape == framed_picture.shape[:2]
    inside = framed_picture[:, :, 0] > 250
    outside = framed_picture[:, :, 0] < 5
    assert inside.sum() > 100
    assert framed[inside].mean() > 0.9 and framed[outside].mean() < 0.1
    centre = np.array(np.nonzero(inside)).mean(axis=1)
    matte_centre = np.array(np.nonzero(framed > 0.5)).mean(axis=1)
    assert np.abs(centre - matte_centre).max() < 1.5  # pixels (or half of one at half scale)
    if framing.mode == "frame":  # the padding beyond the picture is clear, not the edge's
        covered = cv2.warpAffine(np.ones((height, width), np.float32), np.array(
            [[framing.scale, 0, -framing.source_rect[0] * framing.scale],
             [0, framing.scale, -framing.source_rect[1] * framing.scale]]),
            framing.canvas_size, borderValue=0)
        assert framed[covered == 0].max() == 0
