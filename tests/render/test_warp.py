import numpy as np
import pytest

from talkinghead.framing import apply_framing, plan_framing
from talkinghead.render.rig import FramePose
from talkinghead.render.warp import WarpEngine
from talkinghead.settings import RenderSettings


def prepared(pixels, face, preprocess, enhance=True):
    settings = RenderSettings(preprocess=preprocess, enhance=enhance)
    framing = plan_framing((pixels.shape[1], pixels.shape[0]), face, settings)
    canvas, framed = apply_framing(pixels, face, framing)
    engine = WarpEngine()
    return engine, engine.prepare(canvas, framed, framing.roi, settings), canvas, framing


def test_rest_pose_reproduces_the_portrait(sample_pixels, sample_face):
    engine, state, canvas, _ = prepared(sample_pixels, sample_face, "crop")
    frame = engine.render_frame(state, FramePose())
    assert np.abs(frame.astype(int) - canvas).mean() < 0.5


def test_full_mode_leaves_everything_outside_the_head_region_untouched(sample_pixels,
                                                                        sample_face):
    engine, state, canvas, framing = prepared(sample_pixels, sample_face, "full")
    frame = engine.render_frame(state, FramePose(jaw_open=1, yaw=0.1, blink=1))
    x0, y0, x1, y1 = framing.roi
    outside = np.ones(canvas.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    np.testing.assert_array_equal(frame[outside], canvas[outside])
    assert np.abs(frame.astype(int) - canvas).max() > 50  # and the head did move


def test_opening_a_closed_mouth_paints_a_dark_interior(sample_pixels, sample_face):
    engine, state, canvas, _ = prepared(sample_pixels, sample_face, "crop")
    rig = state.rig
    rig_closed = type(rig)(**{**rig.__dict__, "rest_gaps": np.zeros(3)})  # treat as closed
    state.rig = rig_closed
    frame = engine.render_frame(state, FramePose(jaw_open=0.8))
    centre = np.round((rig.rest[62] + rig.rest[66]) / 2 + rig.v * 0.25 * rig.mouth_width)
    x, y = int(centre[0]), int(centre[1])
    assert frame[y - 1:y + 2, x - 1:x + 2].mean() < canvas[y - 1:y + 2, x - 1:x + 2].mean()


@pytest.mark.parametrize("enhance", [True, False])
def test_frames_are_rgb_uint8_of_canvas_size(sample_pixels, sample_face, enhance):
    engine, state, canvas, _ = prepared(sample_pixels, sample_face, "resize", enhance)
    frame = engine.render_frame(state, FramePose(jaw_open=0.5, roll=0.05))
    assert frame.shape == canvas.shape and frame.dtype == np.uint8
