from dataclasses import replace

import numpy as np
import pytest

from talkinghead.engines.warp.engine import WarpEngine, frame_pose
from talkinghead.engines.warp.rig import FramePose, pose_points
from talkinghead.face.framing import FramedPortrait, apply_framing, plan_framing
from talkinghead.motion.types import MotionPlan
from talkinghead.settings import RenderSettings


def test_rest_pose_reproduces_the_portrait(prepared, sample_pixels, sample_face):
    engine, state, canvas, _ = prepared(sample_pixels, sample_face, "crop")
    frame = engine.render_frame(state, FramePose())
    np.testing.assert_array_equal(frame, canvas)  # nothing moves, so nothing is resampled


def test_full_mode_changes_only_the_animated_head_region(prepared, sample_pixels, sample_face):
    engine, state, canvas, framing = prepared(sample_pixels, sample_face, "full")
    x0, y0, x1, y1 = framing.roi
    assert engine.still_outside(state) == framing.roi  # so the encoder converts only that
    assert not state.animated[:y0].any() and not state.animated[y1:].any()
    assert not state.animated[:, :x0].any() and not state.animated[:, x1:].any()
    for pose in (FramePose(jaw_open=1, yaw=0.1, blink=1), FramePose(pitch=-0.1, roll=0.08,
                                                                    shift_x=0.1)):
        frame = engine.render_frame(state, pose)
        np.testing.assert_array_equal(frame[~state.animated], canvas[~state.animated])
        assert np.abs(frame.astype(int) - canvas).max() > 50  # and the head did move


def test_motion_fades_out_before_the_region_edge(prepared, sample_pixels, sample_face):
    """No seam and no squeezed band at the edge of the animated region: the displacement is
    continuous (piecewise affine), under a quarter pixel on the edge, and stretches the
    picture near the edge by at most a third for a large turn. (The framing's head region
    reaches only about 0.9 inter-ocular distances beyond this small face's jaw, so the hair
    there has to absorb the turn.)"""
    _, state, _, _ = prepared(sample_pixels, sample_face, "full")
    pose = FramePose(yaw=0.06, pitch=0.04, roll=0.02, shift_x=0.03, shift_y=0.02)
    dx, dy = state.warp.displacement(pose_points(state.rig, pose))
    edge = np.zeros(dx.shape, bool)
    edge[[0, -1], :] = edge[:, [0, -1]] = True
    assert np.hypot(dx, dy)[edge].max() < 0.25
    band = 0.5 * state.rig.iod
    ys, xs = np.mgrid[0:dx.shape[0], 0:dx.shape[1]]
    near = np.minimum.reduce([xs, ys, dx.shape[1] - 1 - xs, dx.shape[0] - 1 - ys]) < band
    strain = np.max([np.abs(np.gradient(d, axis=k)) for d in (dx, dy) for k in (0, 1)], axis=0)
    assert strain[near].max() < 0.35


def test_opening_a_closed_mouth_paints_a_dark_interior(prepared, sample_pixels, sample_face):
    engine, state, canvas, _ = prepared(sample_pixels, sample_face, "crop")
    rig = state.rig
    closed = replace(state, rig=replace(rig, rest_gaps=np.zeros(3)))  # treat as closed
    frame = engine.render_frame(closed, FramePose(jaw_open=0.8))
    centre = np.round((rig.rest[62] + rig.rest[66]) / 2 + rig.v * 0.25 * rig.mouth_width)
    x, y = int(centre[0]), int(centre[1])
    assert frame[y - 1:y + 2, x - 1:x + 2].mean() < canvas[y - 1:y + 2, x - 1:x + 2].mean()


@pytest.mark.parametrize("enhance", [True, False])
def test_frames_are_rgb_uint8_of_canvas_size(prepared, sample_pixels, sample_face, enhance):
    engine, state, canvas, _ = prepared(sample_pixels, sample_face, "resize", enhance)
    frame = engine.render_frame(state, FramePose(jaw_open=0.5, roll=0.05))
    assert frame.shape == canvas.shape and frame.dtype == np.uint8


def motion_plan(n: int, seed: int = 0) -> MotionPlan:
    """A plan with smooth random motion on every channel."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)

    def wave(scale):
        return scale * np.sin(t / rng.uniform(2, 6) + rng.uniform(0, 6))

    blink = np.zeros(n)
    blink[n // 2 - 2:n // 2 + 3] = [0.4, 0.9, 1.0, 0.7, 0.3]
    return MotionPlan(25, np.abs(wave(0.7)), wave(0.8), np.clip(wave(1.5), 0, 1),
                      np.clip(wave(1.5), 0, 1), np.abs(wave(1)), np.abs(wave(1)), blink,
                      wave(0.08), wave(0.05), wave(0.03), wave(0.05), wave(0.04))


def test_any_chunking_gives_the_same_frames(prepared, sample_pixels, sample_face):
    """Chunks render in parallel: a frame must not depend on which chunk draws it."""
    engine, state, _, _ = prepared(sample_pixels, sample_face, "crop")
    plan = motion_plan(12)
    whole = list(engine.render(state, plan, 0, 12))
    parts = [*engine.render(state, plan, 7, 12), *engine.render(state, plan, 0, 7)]
    for a, b in zip(whole, parts[5:] + parts[:5], strict=True):
        np.testing.assert_array_equal(a, b)
    again = WarpEngine()  # a fresh engine in another process would prepare afresh
    fresh = again.prepare(FramedPortrait(state.canvas, _framed(sample_pixels, sample_face),
                                         state.roi), _settings())
    np.testing.assert_array_equal(next(again.render(fresh, plan, 6, 7)), whole[6])


def _settings():
    from talkinghead.settings import RenderSettings

    return RenderSettings(preprocess="crop")


def _framed(pixels, face):
    from talkinghead.face.framing import apply_framing, plan_framing

    framing = plan_framing((pixels.shape[1], pixels.shape[0]), face, _settings())
    return apply_framing(pixels, face, framing)[1]


def test_frame_pose_reads_one_row_of_the_plan():
    plan = motion_plan(5)
    pose = frame_pose(plan, 3)
    assert pose.jaw_open == pytest.approx(float(plan.jaw_open[3]))
    assert pose.blink == pytest.approx(float(plan.blink[3]))
    assert pose.yaw == pytest.approx(float(plan.head_yaw[3]))
    assert pose.shift_y == pytest.approx(float(plan.head_y[3]))


def test_no_enhance_means_plain_resampling_and_plain_paint(prepared, sample_pixels, sample_face):
    import cv2

    _, plain, _, _ = prepared(sample_pixels, sample_face, "crop", enhance=False)
    _, enhanced, _, _ = prepared(sample_pixels, sample_face, "crop", enhance=True)
    assert plain.interpolation == cv2.INTER_LINEAR and plain.enhancer.amount == 0
    assert plain.sampled is plain.source  # the warp samples the source itself
    assert plain.palette.grain == 0
    assert enhanced.interpolation == cv2.INTER_CUBIC and enhanced.enhancer.amount > 0
    assert enhanced.sampled.shape[:2] == tuple(2 * n for n in enhanced.source.shape[:2])
    assert enhanced.palette.grain > 0


def _luma(image):
    return image.astype(float) @ np.array([0.299, 0.587, 0.114])


def test_sealing_the_smile_hides_its_teeth_without_a_bright_line(prepared, sample_pixels,
                                                                 sample_face):
    """Issue 11: lips_closed=1 on a portrait smiling with its teeth must press the lips
    together. Across the seam, nothing may be brighter than the lips themselves (the teeth
    line that interpolating across the seam, or the lips' teeth-lit inner edge, left)."""
    engine, state, canvas, _ = prepared(sample_pixels, sample_face, "crop")
    rig = state.rig
    assert rig.mouth_is_open
    sealed = _luma(engine.render_frame(state, FramePose(lips_closed=1)))
    moved = pose_points(rig, FramePose(lips_closed=1))
    lips = _luma(canvas)[_lip_mask(rig.rest, canvas.shape)]
    for up, lo in ((61, 67), (62, 66), (63, 65)):
        x, y = np.round((moved[up] + moved[lo]) / 2).astype(int)
        column = sealed[y - 3:y + 4, x]
        seam = y - 3 + int(np.argmin(column[1:-1])) + 1  # the contact line, within 2 px
        assert sealed[seam, x] < np.median(lips) - 10  # the lips' contact shadow
        across = sealed[seam - 1:seam + 2, x]
        assert across.max() < np.percentile(lips, 90) + 5, (up, across)


def _lip_mask(points, shape):
    import cv2

    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(points[48:60]).astype(np.int32)], 1)
    cv2.fillPoly(mask, [np.round(points[60:68]).astype(np.int32)], 0)
    return mask > 0


@pytest.mark.parametrize("pose", [FramePose(lip_round=1, mouth_width=-0.8, jaw_open=0.3),
                                  FramePose(upper_lip_raise=1, jaw_open=0.1)],
                         ids=["lip_round", "upper_lip_raise"])
def test_lip_shape_channels_change_the_rendered_mouth(prepared, sample_pixels, sample_face,
                                                      pose):
    """lip_round and upper_lip_raise reach the picture through frame_pose: rendered from a
    plan, the mouth differs from the same plan without them, and nothing beyond the lower
    face does."""
    engine, state, _, _ = prepared(sample_pixels, sample_face, "crop")
    base = replace(pose, lip_round=0.0, upper_lip_raise=0.0)
    with_channel = np.asarray(engine.render_frame(state, frame_pose(_plan_of(pose), 0)), int)
    without = np.asarray(engine.render_frame(state, frame_pose(_plan_of(base), 0)), int)
    changed = np.abs(with_channel - without).max(axis=2) > 12
    rig = state.rig
    x0, y0 = np.floor(rig.rest[48:68].min(axis=0)).astype(int)
    x1, y1 = np.ceil(rig.rest[48:68].max(axis=0)).astype(int)
    assert changed[y0:y1, x0:x1].sum() > 0.04 * (x1 - x0) * (y1 - y0)
    assert not changed[:int(rig.rest[29, 1])].any()  # eyes and nose bridge untouched


def _plan_of(pose: FramePose) -> MotionPlan:
    def one(value):
        return np.array([value], np.float32)

    return MotionPlan(25, one(pose.jaw_open), one(pose.mouth_width), one(pose.lips_closed),
                      one(pose.lower_lip_tuck), one(0.5), one(0.0), one(0.0), one(0.0),
                      one(0.0), one(0.0), one(0.0), one(0.0), lip_round=one(pose.lip_round),
                      upper_lip_raise=one(pose.upper_lip_raise))


def test_a_matte_is_warped_with_the_same_maps_as_the_colours(sample_pixels, sample_face):
    """A cut-out portrait renders RGBA; its alpha moves exactly like its pixels (here the
    matte is the red channel, so the two must agree after any head motion)."""
    settings = RenderSettings(preprocess="full", enhance=False)
    framing = plan_framing((sample_pixels.shape[1], sample_pixels.shape[0]), sample_face,
                           settings)
    canvas, face = apply_framing(sample_pixels, sample_face, framing)
    engine = WarpEngine()
    matte = np.ascontiguousarray(canvas[:, :, 0])
    state = engine.prepare(FramedPortrait(canvas, face, framing.roi, matte), settings)
    still = engine.render_frame(state, FramePose())
    np.testing.assert_array_equal(still, np.dstack([canvas, matte]))
    moved = engine.render_frame(state, FramePose(yaw=0.2, pitch=-0.1, shift_x=0.1))
    assert moved.shape == (*canvas.shape[:2], 4)
    assert np.abs(moved[:, :, 3].astype(int) - matte).max() > 50  # the edge moved ...
    np.testing.assert_allclose(moved[:, :, 3], moved[:, :, 0], atol=1)  # ... with the pixels
