import numpy as np
import pytest

from talkinghead.engines.warp.rig import (
    INNER_LIP_SIDES,
    MOUTH_SIDES,
    FramePose,
    build_rig,
    pose_points,
)


@pytest.fixture(scope="module")
def rig(sample_face):
    return build_rig(sample_face, (300, 300))


def inner_gap(points, rig):
    return float((points[66] - points[62]) @ rig.v)


def test_rest_pose_moves_nothing(rig):
    np.testing.assert_allclose(pose_points(rig, FramePose()), rig.rest, atol=1e-9)


def test_border_anchors_never_move(rig):
    pose = FramePose(jaw_open=1, mouth_width=1, blink=1, yaw=0.2, pitch=-0.1, roll=0.1,
                     shift_x=0.1, shift_y=-0.1)
    moved = pose_points(rig, pose)
    np.testing.assert_allclose(moved[-rig.n_fixed:], rig.rest[-rig.n_fixed:])


def test_jaw_open_parts_the_lips_and_drops_the_chin(rig):
    rest = pose_points(rig, FramePose())
    opened = pose_points(rig, FramePose(jaw_open=0.6))
    assert inner_gap(opened, rig) > inner_gap(rest, rig) + 0.2 * rig.mouth_width
    assert (opened[8] - rest[8]) @ rig.v > 0.2 * rig.mouth_width  # chin drops
    np.testing.assert_allclose(opened[36:48], rest[36:48])  # eyes stay


def test_lips_closed_seals_an_open_mouth(rig):
    assert rig.mouth_is_open  # the sample portrait smiles with its teeth showing
    sealed = pose_points(rig, FramePose(lips_closed=1))
    assert abs(inner_gap(sealed, rig)) < 0.5


def test_mouth_width_stretches_and_rounds(rig):
    def width(p):
        return float((p[54] - p[48]) @ rig.u)

    assert width(pose_points(rig, FramePose(mouth_width=1))) > width(rig.rest) + 2
    assert width(pose_points(rig, FramePose(mouth_width=-1))) < width(rig.rest) - 2


def test_blink_leaves_the_mesh_alone(rig):
    """Lids are drawn over the eye by eyelids.py; squeezing the mesh would smear the iris."""
    np.testing.assert_array_equal(pose_points(rig, FramePose(blink=1)), rig.rest)


def test_still_ring_and_border_hold_still(rig):
    moved = pose_points(rig, FramePose(yaw=0.2, pitch=0.1, shift_x=0.1))
    still = rig.head_weight == 0
    assert still.sum() > rig.n_fixed  # the outer head ring is inside this region
    np.testing.assert_array_equal(moved[still], rig.rest[still])


def test_yaw_turns_the_face_rather_than_shearing_it(rig):
    turned = pose_points(rig, FramePose(yaw=0.15)) - rig.rest
    nose_tip, jaw_side = turned[30] @ rig.u, turned[0] @ rig.u
    assert abs(nose_tip) > 1.5 * abs(jaw_side)  # the nose sticks out, so it travels further


def test_upper_lip_raise_lifts_the_lip_centre_and_uncovers_the_teeth_edge(rig):
    raised = pose_points(rig, FramePose(upper_lip_raise=1))
    lift = (rig.rest[62] - raised[62]) @ rig.v
    assert lift == pytest.approx(0.1 * rig.mouth_width, rel=0.05)  # MotionPlan's definition
    assert (rig.rest[51] - raised[51]) @ rig.v > 0.8 * lift  # the outer lip line goes too
    np.testing.assert_allclose(raised[66], rig.rest[66])  # the lower lip stays


def test_lip_round_makes_a_smaller_opening_and_fuller_lips(rig):
    plain = pose_points(rig, FramePose(jaw_open=0.5))
    round_ = pose_points(rig, FramePose(jaw_open=0.5, lip_round=1))

    def gap(p, up, lo):
        return float((p[lo] - p[up]) @ rig.v)

    assert gap(round_, 62, 66) < 0.9 * gap(plain, 62, 66)
    assert gap(round_, 51, 62) > gap(plain, 51, 62)  # the lips push out: fuller
    assert gap(round_, 66, 57) > gap(plain, 66, 57)


@pytest.fixture(scope="module")
def closed_rig(rig):
    """The sample's rig as if its lips touched at rest (most portraits)."""
    from dataclasses import replace

    return replace(rig, rest_gaps=np.zeros(3))


def along(points, rig, k):
    return float((points[k] - rig.rest[48:55].mean(axis=0)) @ rig.u)


def test_lip_round_draws_the_opening_in_more_than_the_lip_outline(closed_rig):
    """The pucker: a rounder, narrower hole in pursed lips; the outline's own pull is
    mouth_width's, so the outer corners stay where mouth_width puts them."""
    rig = closed_rig
    plain = pose_points(rig, FramePose(jaw_open=0.3, mouth_width=-0.8))
    pursed = pose_points(rig, FramePose(jaw_open=0.3, mouth_width=-0.8, lip_round=1))
    for inner, outer in ((60, 48), (64, 54)):
        assert abs(along(pursed, rig, inner)) < abs(along(plain, rig, inner)) - 0.04 * (
            rig.mouth_width)
        assert along(pursed, rig, outer) == pytest.approx(along(plain, rig, outer), abs=1e-6)
    for top_edge, bottom_edge in ((68, 71), (70, 73)):  # the opening's sides come in too
        assert abs(along(pursed, rig, top_edge)) < abs(along(plain, rig, top_edge))
        assert abs(along(pursed, rig, bottom_edge)) < abs(along(plain, rig, bottom_edge))


def test_lip_round_pushes_the_lip_outline_out(closed_rig):
    rig = closed_rig
    pursed = pose_points(rig, FramePose(lip_round=1))
    assert (rig.rest[51] - pursed[51]) @ rig.v > 0.03 * rig.mouth_width  # upper outline up
    assert (pursed[57] - rig.rest[57]) @ rig.v > 0.03 * rig.mouth_width  # lower outline down
    assert inner_gap(pursed, rig) == pytest.approx(inner_gap(rig.rest, rig))  # no opening


def test_lip_round_keeps_an_open_portrait_mouth_its_width(rig):
    """A smile's corners hold its side teeth and the dark of the mouth: drawing them in would
    smear both along the lips."""
    plain = pose_points(rig, FramePose(jaw_open=0.3))
    pursed = pose_points(rig, FramePose(jaw_open=0.3, lip_round=1))
    for corner in (60, 64):
        assert along(pursed, rig, corner) == pytest.approx(along(plain, rig, corner), abs=1e-9)
    assert inner_gap(pursed, rig) < inner_gap(plain, rig)  # the opening is still smaller


def test_upper_lip_raise_opens_a_closed_mouth_under_the_lifted_lip(closed_rig):
    """On lips that touch, the raised upper lip carries the upper teeth edge with it: the hole
    opens under the lip, where mouth.py paints the upper teeth."""
    rig = closed_rig
    raised = pose_points(rig, FramePose(upper_lip_raise=1))
    lift = 0.1 * rig.mouth_width
    assert (rig.rest[62] - raised[62]) @ rig.v == pytest.approx(lift, rel=0.05)
    assert (raised[72] - raised[69]) @ rig.v == pytest.approx(lift, rel=0.05)
    assert (rig.rest[51] - raised[51]) @ rig.v > 0.8 * lift
    np.testing.assert_allclose(raised[[65, 66, 67]], rig.rest[[65, 66, 67]], atol=1e-9)


def test_lip_closing_measures_how_much_of_the_portrait_gap_is_shut(rig, closed_rig):
    from talkinghead.engines.warp.rig import lip_closing

    np.testing.assert_allclose(lip_closing(rig, FramePose()), 0, atol=1e-9)
    np.testing.assert_allclose(lip_closing(rig, FramePose(lips_closed=1)), 1)
    np.testing.assert_allclose(lip_closing(rig, FramePose(lips_closed=0.5)), 0.5)
    np.testing.assert_allclose(lip_closing(rig, FramePose(jaw_open=0.5)), 0)
    np.testing.assert_allclose(lip_closing(closed_rig, FramePose(lips_closed=1)), 0)


def test_sealing_an_open_mouth_samples_the_lips_from_inside_their_edge(rig, closed_rig):
    """Regression guard for issue 11's teeth line: sealed lips must meet lip against lip, not
    the teeth-lit fringe of their inner edges."""
    from talkinghead.engines.warp.rig import source_points

    np.testing.assert_array_equal(source_points(rig, FramePose()), rig.rest)
    sealed = source_points(rig, FramePose(lips_closed=1))
    for upper, lower in ((61, 67), (62, 66), (63, 65)):
        assert (rig.rest[upper] - sealed[upper]) @ rig.v > 0.5  # pixels up, into the lip
        assert (sealed[lower] - rig.rest[lower]) @ rig.v > 0.5  # and down
    for side, _corner, column in INNER_LIP_SIDES:  # the mouth's sides: half as far in
        np.testing.assert_allclose(sealed[side] - rig.rest[side],
                                   (sealed[column] - rig.rest[column]) / 2)
    sides = [side for side, _, _ in INNER_LIP_SIDES]
    others = np.setdiff1d(np.arange(len(rig.rest)), [61, 62, 63, 65, 66, 67, *sides])
    np.testing.assert_array_equal(sealed[others], rig.rest[others])
    np.testing.assert_array_equal(source_points(closed_rig, FramePose(lips_closed=1)),
                                  closed_rig.rest)


def test_brow_raise_lifts_the_brows_and_the_forehead_less(rig):
    rest = pose_points(rig, FramePose())
    raised = pose_points(rig, FramePose(brow_raise=1.0))
    lift = (rest - raised) @ rig.v  # upwards, pixels
    assert lift[19] == pytest.approx(0.1 * rig.iod)  # a tenth of the inter-ocular distance
    assert (lift[17:27] > 0.5 * lift[19]).all()
    forehead = (rig.brow_weight > 0) & (np.arange(len(rig.rest)) >= 68)
    assert forehead.any() and (lift[forehead] < lift[19]).all() and (lift[forehead] > 0).all()
    assert np.abs(lift[36:48]).max() < 1e-9, "the eyes stay"


def test_knitted_brows_come_down_and_together(rig):
    rest = pose_points(rig, FramePose())
    knit = pose_points(rig, FramePose(brow_raise=-1.0))
    assert ((knit[17:27] - rest[17:27]) @ rig.v > 0).all()  # down
    inner = lambda p: float((p[22] - p[21]) @ rig.u)  # noqa: E731
    assert inner(knit) < inner(rest)


def test_gaze_moves_the_irises_not_the_eye_corners(rig):
    rest = pose_points(rig, FramePose())
    glance = pose_points(rig, FramePose(gaze_x=0.1))
    shift = (glance - rest) @ rig.u
    width = float(np.linalg.norm(rig.rest[39] - rig.rest[36]))
    np.testing.assert_allclose(shift[74:77], 0.1 * width, rtol=1e-6)  # the right eye's iris
    assert np.abs(shift[[36, 39, 42, 45]]).max() < 1e-9
    down = pose_points(rig, FramePose(gaze_y=0.1))
    assert ((down[[37, 38]] - rest[[37, 38]]) @ rig.v > 0).all(), "the lids follow a bit"


def opened_face(face, gap_iod):
    """`face` with its lower lip moved down until the middle inner-lip gap is `gap_iod`."""
    from dataclasses import replace

    points = face.points.astype(np.float64).copy()
    points[[55, 56, 57, 58, 59, 65, 66, 67], 1] += (
        gap_iod * face.interocular - (points[66, 1] - points[62, 1]))
    return replace(face, points=points)


def test_a_mouth_caught_mid_word_rests_closed_and_opens_as_a_closed_one(sample_face, rig,
                                                                       closed_rig):
    """A portrait taken mid-word (lips apart wider than PARTED_IOD over the dark of a dropped
    jaw) rests with its lips together: speech opens them from there as far as a closed
    mouth's, and the seam shadow is full at rest. Lips parted less than PARTED_IOD rest as
    they are."""
    from talkinghead.engines.warp.rig import lip_closing

    assert build_rig(sample_face, (300, 300), dark_opening=True).rests_closed  # 0.14 open
    parted = build_rig(opened_face(sample_face, 0.05), (300, 300), dark_opening=True)
    assert not parted.rests_closed
    np.testing.assert_array_equal(parted.resting_gaps, parted.rest_gaps)
    wide = build_rig(opened_face(sample_face, 0.4), (300, 300), dark_opening=True)
    assert wide.rests_closed
    at_rest = pose_points(wide, FramePose())
    assert inner_gap(at_rest, wide) == pytest.approx(0, abs=1e-9)
    jaw = FramePose(jaw_open=0.5)
    assert inner_gap(pose_points(wide, jaw), wide) == pytest.approx(
        inner_gap(pose_points(closed_rig, jaw), closed_rig) - inner_gap(closed_rig.rest, rig))
    np.testing.assert_allclose(lip_closing(wide, FramePose(), of_held=True), 1)
    assert lip_closing(wide, jaw, of_held=True).max() < 0.5  # the seam is gone once open


def test_a_smile_rests_as_it_is_and_a_wider_one_at_the_held_gap(sample_face, rig):
    """Teeth together between parted lips (no dark of the mouth): the sample's smile (0.14)
    rests as it is; one open 0.4 inter-ocular distances rests HELD_GAP_IOD open, its lips
    coming together by the difference, and speech opens them from there as from any rest."""
    from talkinghead.engines.warp.rig import HELD_GAP_IOD, lip_closing

    assert not rig.rests_closed
    np.testing.assert_array_equal(rig.resting_gaps, rig.rest_gaps)
    wide = build_rig(opened_face(sample_face, 0.4), (300, 300))
    assert not wide.rests_closed
    held = wide.resting_gaps
    assert held.max() == pytest.approx(HELD_GAP_IOD * wide.iod)
    np.testing.assert_allclose(held / held.max(), wide.rest_gaps / wide.rest_gaps.max())
    at_rest = pose_points(wide, FramePose())
    middle = 1  # INNER_COLUMNS[1]: points 62 and 66
    assert inner_gap(at_rest, wide) == pytest.approx(held[middle])
    opened = pose_points(wide, FramePose(jaw_open=0.5))
    assert inner_gap(opened, wide) - inner_gap(at_rest, wide) == pytest.approx(
        inner_gap(pose_points(rig, FramePose(jaw_open=0.5)), rig) - inner_gap(rig.rest, rig))
    assert lip_closing(wide, FramePose()).min() > 0.5  # of the portrait's gap
    np.testing.assert_allclose(lip_closing(wide, FramePose(), of_held=True), 0, atol=1e-9)
    np.testing.assert_allclose(lip_closing(wide, FramePose(lips_closed=1), of_held=True), 1)


def test_a_wide_jaw_opens_a_round_mouth_not_a_kite(closed_rig):
    """Between each corner and the first column, the inner lips and teeth edges have a point
    on their curve; a wide jaw opens it SIDE_ROUNDING as far as the column, so the opening is
    round at its sides (a straight line from the corner would give half)."""
    from talkinghead.engines.warp.rig import SIDE_ROUNDING

    rig = closed_rig
    for side, corner, column in MOUTH_SIDES:
        halfway = (rig.rest[corner] + rig.rest[column]) / 2
        assert abs(float((rig.rest[side] - halfway) @ rig.u)) < 1e-6
    rest, wide = pose_points(rig, FramePose()), pose_points(rig, FramePose(jaw_open=1))

    def gap(points, upper, lower):
        return float((points[lower] - points[upper]) @ rig.v)

    # (upper, lower) sides by the same corner
    for (upper_side, _, upper), (lower_side, _, lower) in zip(INNER_LIP_SIDES[:2],
                                                              INNER_LIP_SIDES[2:], strict=True):
        opened = gap(wide, upper, lower) - gap(rest, upper, lower)
        side_opened = gap(wide, upper_side, lower_side) - gap(rest, upper_side, lower_side)
        assert side_opened > opened * (SIDE_ROUNDING - 0.05)
