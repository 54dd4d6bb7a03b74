"""Piecewise-affine warping over a triangle mesh of control points.

Each output pixel finds the moved triangle it lies in and samples the source
through that triangle's affine map. Edits stay local (a point moves only the
triangles around it) and nothing tears, unlike one global spline whose nearby
control points moving apart fold the whole face.

The mesh is built once per portrait on a "virtual" rest pose whose lips are
slightly parted, so that the mouth opening is always a hole made of triangles
between inner-lip points only, even when the portrait's lips touch.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import Delaunay

INNER_LIPS = tuple(range(60, 68))
UPPER_LIP = (49, 50, 51, 52, 53, 61, 62, 63)
LOWER_LIP = (55, 56, 57, 58, 59, 65, 66, 67)
VIRTUAL_PARTING = 0.08  # lips parted by this share of the mouth width, for the mesh topology only
SUBPIXEL_BITS = 4  # cv2 fill precision: 1/16 pixel


@dataclass(frozen=True)
class Mesh:
    triangles: np.ndarray  # (t, 3) indices into the control points
    mouth_hole: np.ndarray  # (t,) bool: triangle lies inside the inner-lip polygon


def build_mesh(rest: np.ndarray, down: np.ndarray, mouth_width: float) -> Mesh:
    """Delaunay triangles over the rest points, with the lips virtually parted along `down`."""
    virtual = rest.copy()
    parting = VIRTUAL_PARTING * mouth_width / 2
    virtual[list(UPPER_LIP)] -= parting * down
    virtual[list(LOWER_LIP)] += parting * down
    triangles = Delaunay(virtual).simplices.astype(np.int32)
    inner = np.isin(triangles, INNER_LIPS).all(axis=1)
    polygon = virtual[list(INNER_LIPS)].astype(np.float32)
    centroids = virtual[triangles].mean(axis=1)
    inside = np.array([cv2.pointPolygonTest(polygon, (float(x), float(y)), False) >= 0
                       for x, y in centroids])
    return Mesh(triangles, inner & inside)


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
