import numpy as np
import pytest

from talkinghead.render.rig import FramePose, build_rig, pose_points


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
