import numpy as np
import pytest

from talkinghead.engines.warp.mesh import PiecewiseAffineWarp, build_mesh
from talkinghead.engines.warp.rig import MOUTH_HOLE, build_rig


@pytest.fixture(scope="module")
def rig(sample_face):
    return build_rig(sample_face, (300, 300))


@pytest.fixture(scope="module")
def warp(rig):
    return PiecewiseAffineWarp(build_mesh(rig.rest), rig.rest, (300, 300))


def test_mouth_hole_is_made_of_mouth_opening_triangles(warp):
    mesh = warp.mesh
    assert mesh.mouth_hole.sum() == len(MOUTH_HOLE) - 2  # a fan over the 12-point polygon
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


def test_coarse_maps_match_exact_ones_inside_triangles(rig, warp):
    """Maps are computed on 2 x 2 cells and interpolated: off only near triangle edges."""
    from talkinghead.engines.warp.rig import FramePose, pose_points

    exact = PiecewiseAffineWarp(warp.mesh, rig.rest, (300, 300), step=1)
    moved = pose_points(rig, FramePose(jaw_open=0.6, yaw=0.08, pitch=0.04))
    (ax, ay), (bx, by) = exact.maps(moved), warp.maps(moved)
    error = np.hypot(ax - bx, ay - by)
    assert np.percentile(error, 99) < 0.2 and error.max() < 2.0


def test_each_triangles_map_carries_its_corners_to_their_sources(rig, warp):
    from talkinghead.engines.warp.rig import FramePose, pose_points

    moved = pose_points(rig, FramePose(jaw_open=0.7, yaw=0.1, roll=-0.05, shift_x=0.02))
    coeffs = warp._affine_coefficients(moved).astype(np.float64)[:-1]
    corners = moved[warp.mesh.triangles]  # (t, 3, 2)
    wanted = rig.rest[warp.mesh.triangles] - corners
    x, y = corners[..., 0], corners[..., 1]
    got = np.stack([coeffs[:, [0]] * x + coeffs[:, [1]] * y + coeffs[:, [2]],
                    coeffs[:, [3]] * x + coeffs[:, [4]] * y + coeffs[:, [5]]], axis=-1)
    (ax, ay), (bx, by) = (corners[:, 1] - corners[:, 0]).T, (corners[:, 2] - corners[:, 0]).T
    area = np.abs(ax * by - ay * bx)
    solid = area > 1e-3
    assert solid.sum() > 0.9 * len(solid)
    np.testing.assert_allclose(got[solid], wanted[solid], atol=1e-3)
    assert not coeffs[~solid].any()  # collapsed mouth bands cover no pixel: no map


def test_points_that_do_not_move_give_exactly_zero_displacement(rig, warp):
    moved = rig.rest.copy()
    moved[8] += (0, 6)
    dx, dy = warp.displacement(moved)
    ys, xs = np.mgrid[0:300, 0:300]
    far = np.hypot(xs - rig.rest[8][0], ys - rig.rest[8][1]) > 0.6 * rig.iod * 3
    assert not dx[far].any() and not dy[far].any()  # exactly 0.0: those pixels are copied


def test_exact_box_matches_per_pixel_maps_there_and_coarse_ones_elsewhere(rig, warp):
    """A sealed open mouth: the displacement jumps across the seam, so the mouth's box is
    computed per pixel (interpolating across the jump samples the teeth between the lips)."""
    from talkinghead.engines.warp.rig import FramePose, pose_points

    moved = pose_points(rig, FramePose(lips_closed=1, yaw=0.05))
    exact = PiecewiseAffineWarp(warp.mesh, rig.rest, (300, 300), step=1).displacement(moved)
    coarse = warp.displacement(moved)
    box = (100, 130, 170, 175)
    boxed = warp.displacement(moved, exact_box=box)
    x0, y0, x1, y1 = box
    for e, c, b in zip(exact, coarse, boxed, strict=True):
        # (cv2 clips triangles at the box's edge: a few edge pixels pick the neighbour's map)
        np.testing.assert_allclose(b[y0:y1, x0:x1], e[y0:y1, x0:x1], atol=0.05)
        outside = np.ones(b.shape, bool)
        outside[y0:y1, x0:x1] = False
        np.testing.assert_array_equal(b[outside], c[outside])
    seam_error = np.hypot(exact[0] - coarse[0], exact[1] - coarse[1])[y0:y1, x0:x1]
    assert seam_error.max() > 2  # what the box is for: cells straddling the seam


def test_sources_say_where_each_point_samples(rig, warp):
    sources = rig.rest.copy()
    sources[8] += (0, 4)  # the chin samples 4 px lower, but does not move
    x, y = np.round(rig.rest[8]).astype(int)
    dx, dy = warp.displacement(rig.rest, sources, exact_box=(x - 5, y - 5, x + 5, y + 5))
    assert dy[y, x] == pytest.approx(4, abs=0.2) and abs(dx[y, x]) < 0.2
    assert not dy[:100].any()  # the eyes and above: nothing moved there


def test_delaunay_triangles_are_qhulls_for_points_in_general_position(rig):
    from scipy.spatial import Delaunay

    from talkinghead.engines.warp.mesh import delaunay

    rng = np.random.default_rng(5)
    for points in (rng.uniform(0, 300, (60, 2)), rig.rest[:68] + rng.uniform(-0.3, 0.3, (68, 2))):
        ours = {tuple(sorted(t)) for t in delaunay(points).tolist()}
        assert ours == {tuple(sorted(t)) for t in Delaunay(points).simplices.tolist()}
