"""Piecewise-affine warping over a triangle mesh of control points.

Each output pixel finds the moved triangle it lies in and samples the source
through that triangle's affine map. Edits stay local (a point moves only the
triangles around it) and nothing tears, unlike one global spline whose nearby
control points moving apart fold the whole face.

The mouth has a fixed topology: bands of triangles stitched between the
chains of `rig.MOUTH_CHAINS` (lip lines and teeth edges), one band being the
opening. Everything else is a Delaunay triangulation that treats the outer lip
line as the mouth's border. So the opening is a hole with the same triangles
for every face, even when the portrait's lips touch.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import cv2
import numpy as np
from scipy.spatial import Delaunay

from .rig import MOUTH_CHAINS, OPENING_BAND

SUBPIXEL_BITS = 4  # cv2 fill precision: 1/16 pixel


@dataclass(frozen=True)
class Mesh:
    triangles: np.ndarray  # (t, 3) indices into the control points
    mouth_hole: np.ndarray  # (t,) bool: triangle lies inside the mouth opening


def build_mesh(rest: np.ndarray) -> Mesh:
    """Triangles over the rest control points: Delaunay outside the mouth, bands inside."""
    outer_ring = [*MOUTH_CHAINS[0], *MOUTH_CHAINS[-1][-2:0:-1]]
    inside_mouth = sorted({p for chain in MOUTH_CHAINS[1:-1] for p in chain})
    others = np.setdiff1d(np.arange(len(rest)), inside_mouth)
    triangles = others[Delaunay(rest[others]).simplices]
    polygon = rest[outer_ring].astype(np.float32)
    in_mouth = np.array([
        np.isin(tri, outer_ring).all()
        and cv2.pointPolygonTest(polygon, tuple(map(float, rest[tri].mean(axis=0))), False) > 0
        for tri in triangles])
    face = triangles[~in_mouth]
    _check_ring_edges(face, outer_ring)
    bands = [_stitch(a, b) for a, b in pairwise(MOUTH_CHAINS)]
    hole = np.concatenate([np.full(len(band), i == OPENING_BAND) for i, band in enumerate(bands)])
    all_triangles = np.vstack([face, *bands]).astype(np.int32)
    return Mesh(all_triangles, np.concatenate([np.zeros(len(face), bool), hole]))


def _stitch(upper: tuple[int, ...], lower: tuple[int, ...]) -> np.ndarray:
    """Triangles filling the band between two chains that run corner to corner.

    Walks both chains at once, always advancing the one that is behind in
    relative position; triangles with a repeated point (shared corners) are skipped.
    """
    i = j = 0
    triangles = []
    while i < len(upper) - 1 or j < len(lower) - 1:
        advance_upper = j == len(lower) - 1 or (
            i < len(upper) - 1 and (i + 1) / (len(upper) - 1) <= (j + 1) / (len(lower) - 1))
        if advance_upper:
            triangle = (upper[i], upper[i + 1], lower[j])
            i += 1
        else:
            triangle = (upper[i], lower[j + 1], lower[j])
            j += 1
        if len(set(triangle)) == 3:
            triangles.append(triangle)
    return np.array(triangles)


def _check_ring_edges(triangles: np.ndarray, ring: list[int]) -> None:
    """The face triangles must follow the outer lip line, or the mouth bands would overlap them."""
    edges = {frozenset(e) for t in triangles for e in ((t[0], t[1]), (t[1], t[2]), (t[0], t[2]))}
    missing = [(a, b) for a, b in zip(ring, ring[1:] + ring[:1], strict=True)
               if frozenset((a, b)) not in edges]
    if missing:
        from ..errors import NoFaceError

        raise NoFaceError(f"the mouth landmarks are too irregular to animate (edges {missing}); "
                          "use a clearer, front-facing portrait")


class PiecewiseAffineWarp:
    """Backward maps from moved control points to rest points over a fixed region."""

    def __init__(self, mesh: Mesh, rest: np.ndarray, size: tuple[int, int]) -> None:
        self.mesh = mesh
        self.rest = rest
        width, height = size
        self.size = size
        self._xs, self._ys = np.meshgrid(np.arange(width, dtype=np.float32),
                                         np.arange(height, dtype=np.float32))
        self._index = np.empty((height, width), dtype=np.int32)

    def maps(self, moved: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`map_x, map_y` for cv2.remap: the rest position each output pixel samples."""
        coeffs = self._affine_coefficients(moved)
        index = self._rasterize(moved)
        c = coeffs[index]  # (h, w, 6)
        map_x = c[..., 0] * self._xs + c[..., 1] * self._ys + c[..., 2]
        map_y = c[..., 3] * self._xs + c[..., 4] * self._ys + c[..., 5]
        return map_x, map_y

    def _affine_coefficients(self, moved: np.ndarray) -> np.ndarray:
        """Per triangle, the affine map from moved to rest coordinates, as 6 numbers.

        Triangles of zero area (a closed mouth) never cover a pixel; they get the
        identity so that the solve stays finite.
        """
        tri = self.mesh.triangles
        dst = moved[tri]  # (t, 3, 2)
        src = self.rest[tri]
        ones = np.ones((len(tri), 3, 1))
        dst_h = np.concatenate([dst, ones], axis=2)  # rows: [x, y, 1]
        det = np.linalg.det(dst_h)
        ok = np.abs(det) > 1e-6
        coeffs = np.tile(np.array([1, 0, 0, 0, 1, 0], dtype=np.float64), (len(tri), 1))
        solved = np.linalg.solve(dst_h[ok], src[ok])  # (k, 3, 2): [x y 1] @ M = src
        coeffs[ok] = np.concatenate([solved[:, :, 0], solved[:, :, 1]], axis=1)
        return np.vstack([coeffs, [1, 0, 0, 0, 1, 0]]).astype(np.float32)  # last row: uncovered

    def _rasterize(self, moved: np.ndarray) -> np.ndarray:
        """Which triangle covers each pixel (the extra last index where none does)."""
        index = self._index
        index.fill(len(self.mesh.triangles))
        scaled = np.round(moved * (1 << SUBPIXEL_BITS)).astype(np.int32)
        for t, corners in enumerate(self.mesh.triangles):
            cv2.fillConvexPoly(index, scaled[corners], t, lineType=cv2.LINE_8,
                               shift=SUBPIXEL_BITS)
        return index
