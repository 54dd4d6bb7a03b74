import numpy as np
import pytest

from talkinghead.render.mesh import PiecewiseAffineWarp, build_mesh
from talkinghead.render.rig import MOUTH_HOLE, build_rig


@pytest.fixture(scope="module")
def rig(sample_face):
    return build_rig(sample_face, (300, 300))


@pytest.fixture(scope="module")
def warp(rig):
    return PiecewiseAffineWarp(build_mesh(rig.rest), rig.rest, (300, 300))


def test_mouth_hole_is_made_of_mouth_opening_triangles(warp):
    mesh = warp.mesh
    assert mesh.mouth_hole.sum() == len(MOUTH_HOLE) - 2  # a fan over the 8-point polygon
    assert np.isin(mesh.triangles[mesh.mouth_hole], MOUTH_HOLE).all()


def test_every_control_point_is_in_the_mesh(warp, rig):
    assert set(np.unique(warp.mesh.triangles)) == set(range(len(rig.rest)))


def test_unmoved_points_give_the_identity_map(warp, rig):
    map_x, map_y = warp.maps(rig.rest)
    ys, xs = np.mgrid[0:300, 0:300]
    np.testing.assert_allclose(map_x, xs, atol=1e-3)
    np.testing.assert_allclose(map_y, ys, atol=1e-3)


def test_moving_one_point_bends_only_its_neighbourhood(warp, rig):
    moved = rig.rest.copy()
    moved[8] += (0, 6)  # chin down
    map_x, map_y = warp.maps(moved)
    ys, xs = np.mgrid[0:300, 0:300]
    changed = np.hypot(map_x - xs, map_y - ys) > 0.01
    cx, cy = rig.rest[8]
    assert changed[int(cy) + 3, int(cx)]  # just below the old chin samples from above
    far = np.hypot(xs - cx, ys - cy) > 0.6 * rig.iod * 3
    assert not changed[far].any()
