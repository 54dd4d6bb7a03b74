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


def test_blink_brings_the_upper_lid_to_the_lower(rig):
    closed = pose_points(rig, FramePose(blink=1))
    for upper, lower in ((37, 41), (38, 40), (43, 47), (44, 46)):
        assert np.linalg.norm(closed[lower] - closed[upper]) < 0.15 * np.linalg.norm(
            rig.rest[lower] - rig.rest[upper]) + 0.3


def test_yaw_turns_the_face_rather_than_shearing_it(rig):
    turned = pose_points(rig, FramePose(yaw=0.15)) - rig.rest
    nose_tip, jaw_side = turned[30] @ rig.u, turned[0] @ rig.u
    assert abs(nose_tip) > 1.5 * abs(jaw_side)  # the nose sticks out, so it travels further
