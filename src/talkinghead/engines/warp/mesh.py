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

from .rig import MOUTH_CHAINS, OPENING_BAND

SUBPIXEL_BITS = 4  # cv2 fill precision: 1/16 pixel
MIN_THICKNESS_PX = 0.5  # thinner triangles (a mouth band squeezed shut) are not drawn: the
# pixel centres they happen to catch would show their whole source (teeth, the dark of the
# mouth) as a bright or black speck; the lips on either side cover those pixels instead
MAP_STEP = 2  # the maps are computed on 2 x 2 pixel cells and interpolated (see below)


@dataclass(frozen=True)
class Mesh:
    triangles: np.ndarray  # (t, 3) indices into the control points
    mouth_hole: np.ndarray  # (t,) bool: triangle lies inside the mouth opening
    first_band: int = 0  # triangles from this index on are the mouth's bands (may collapse)


def build_mesh(rest: np.ndarray) -> Mesh:
    """Triangles over the rest control points: Delaunay outside the mouth, bands inside."""
    outer_ring = [*MOUTH_CHAINS[0], *MOUTH_CHAINS[-1][-2:0:-1]]
    inside_mouth = sorted({p for chain in MOUTH_CHAINS[1:-1] for p in chain})
    others = np.setdiff1d(np.arange(len(rest)), inside_mouth)
    triangles = others[delaunay(rest[others])]
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
    return Mesh(all_triangles, np.concatenate([np.zeros(len(face), bool), hole]), len(face))


def delaunay(points: np.ndarray) -> np.ndarray:
    """The Delaunay triangles of `points` (n, 2), as (t, 3) indices into them.

    From OpenCV's Subdiv2D, which works in float32. scipy's Qhull gave the same triangles on
    every test portrait and framing but one, where four symmetric points lie on one circle and
    the other diagonal of their quad was drawn (both are Delaunay); importing scipy.spatial
    costs 0.3 s of CPU in every process."""
    corners = np.asarray(points, np.float32)
    low = np.floor(corners.min(axis=0)) - 1
    size = np.ceil(corners.max(axis=0) - low) + 2
    subdivision = cv2.Subdiv2D((int(low[0]), int(low[1]), int(size[0]), int(size[1])))
    inserted = [tuple(corner) for corner in corners.tolist()]
    subdivision.insert(inserted)
    index = {corner: i for i, corner in enumerate(inserted)}
    # Triangles reaching Subdiv2D's three outer helper vertices lie outside its rectangle and
    # are not listed.
    listed = np.asarray(subdivision.getTriangleList()).reshape(-1, 3, 2).tolist()
    triangles = [[index[tuple(corner)] for corner in triangle] for triangle in listed]
    return np.array(triangles, np.int64).reshape(-1, 3)


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
        from ...errors import NoFaceError

        raise NoFaceError(f"the mouth landmarks are too irregular to animate (edges {missing}); "
                          "use a clearer, front-facing portrait")


class PiecewiseAffineWarp:
    """Backward maps from moved control points to rest points over a fixed region.

    The displacement (rest position minus output position) is affine in each triangle, so it
    is computed on a grid of `step` x `step` cells and interpolated bilinearly: exact inside
    the triangles, off by a fraction of a pixel only along edges where the affine maps differ,
    at a quarter of the cost. Triangles whose corners do not move get a displacement of
    exactly zero, so the pixels they cover are copied, not resampled.

    Where the displacement jumps (a sealed mouth: the lips meet, but they come from either
    side of the portrait's open mouth), interpolating between cells would sample what lies
    between their sources, the portrait's teeth, as a bright line along the seam. So an
    `exact_box` (the mouth) gets its displacement per pixel.
    """

    def __init__(self, mesh: Mesh, rest: np.ndarray, size: tuple[int, int],
                 step: int = MAP_STEP) -> None:
        self.mesh = mesh
        self.rest = rest
        self.size = size
        self.step = step
        width, height = size
        cells = (-(-width // step), -(-height // step))
        # Full-resolution coordinates of the cell centres: cv2.resize's pixel-centre
        # convention then puts each output pixel exactly where it belongs.
        offset = (step - 1) / 2
        self._cx, self._cy = np.meshgrid(np.arange(cells[0], dtype=np.float32) * step + offset,
                                         np.arange(cells[1], dtype=np.float32) * step + offset)
        self._index = np.empty((cells[1], cells[0]), dtype=np.int32)
        self._xs, self._ys = np.meshgrid(np.arange(width, dtype=np.float32),
                                         np.arange(height, dtype=np.float32))

    def displacement(self, moved: np.ndarray, sources: np.ndarray | None = None,
                     exact_box: tuple[int, int, int, int] | None = None,
                     ) -> tuple[np.ndarray, np.ndarray]:
        """Per output pixel, how far its source lies (x and y, pixels); float32.

        `sources`: where each control point samples the source (default: its rest position).
        `exact_box` (x0, y0, x1, y1): computed per pixel there, not interpolated.
        """
        coeffs = self._affine_coefficients(moved, sources)
        drawn = self._drawn(moved)
        dx, dy = _affine_at(coeffs, self._rasterize(moved, drawn), self._cx, self._cy)
        width, height = self.size
        if self.step == 1:
            return dx, dy
        full = (dx.shape[1] * self.step, dx.shape[0] * self.step)
        dx = cv2.resize(dx, full, interpolation=cv2.INTER_LINEAR)[:height, :width]
        dy = cv2.resize(dy, full, interpolation=cv2.INTER_LINEAR)[:height, :width]
        if exact_box is not None:
            self._exact_in(exact_box, moved, coeffs, drawn, dx, dy)
        return dx, dy

    def _drawn(self, moved: np.ndarray) -> np.ndarray:
        """Indices of the triangles to draw: all but mouth bands squeezed thinner than
        MIN_THICKNESS_PX (only the mouth's bands can collapse)."""
        first = self.mesh.first_band
        bands = self.mesh.triangles[first:]
        thick = np.flatnonzero(_thickness(moved[bands]) >= MIN_THICKNESS_PX) + first
        return np.concatenate([np.arange(first), thick])

    def _exact_in(self, box: tuple[int, int, int, int], moved: np.ndarray, coeffs: np.ndarray,
                  drawn: np.ndarray, dx: np.ndarray, dy: np.ndarray) -> None:
        """Overwrite `dx, dy` inside `box` with the per-pixel displacement, in place."""
        width, height = self.size
        x0, y0 = max(int(box[0]), 0), max(int(box[1]), 0)
        x1, y1 = min(int(box[2]), width), min(int(box[3]), height)
        if x1 <= x0 or y1 <= y0:
            return
        corners = moved[self.mesh.triangles[drawn]]  # (t, 3, 2)
        reaches = ((corners.max(axis=1) >= (x0 - 1, y0 - 1)).all(axis=1)
                   & (corners.min(axis=1) <= (x1, y1)).all(axis=1))
        index = np.full((y1 - y0, x1 - x0), len(self.mesh.triangles), np.int32)
        scaled = np.round((moved - (x0, y0)) * (1 << SUBPIXEL_BITS)).astype(np.int32)
        near = drawn[reaches]
        for t, triangle in zip(near.tolist(), scaled[self.mesh.triangles[near]], strict=True):
            cv2.fillConvexPoly(index, triangle, t, lineType=cv2.LINE_8, shift=SUBPIXEL_BITS)
        dx[y0:y1, x0:x1], dy[y0:y1, x0:x1] = _affine_at(
            coeffs, index, self._xs[y0:y1, x0:x1], self._ys[y0:y1, x0:x1])

    def maps(self, moved: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`map_x, map_y` for cv2.remap: the rest position each output pixel samples."""
        return self.maps_from(*self.displacement(moved))

    def maps_from(self, dx: np.ndarray, dy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The maps for displacements `dx, dy` (from `displacement`)."""
        return self._xs + dx, self._ys + dy

    def _affine_coefficients(self, moved: np.ndarray,
                             sources: np.ndarray | None = None) -> np.ndarray:
        """Per triangle, the displacement as an affine function of the output position.

        Six numbers (dx = a x + b y + c, dy = d x + e y + f). Triangles of zero area (a closed
        mouth) never cover a pixel and triangles that do not move have no displacement: both
        get zeros, exactly.
        """
        tri = self.mesh.triangles
        x, y = moved[tri].transpose(2, 1, 0)  # (3, t) each: the corners' output positions
        source = (self.rest if sources is None else sources)[tri].transpose(2, 1, 0)
        # Along each triangle's two edges from its first corner, solved by Cramer's rule.
        ex1, ex2, ey1, ey2 = x[1] - x[0], x[2] - x[0], y[1] - y[0], y[2] - y[0]
        det = ex1 * ey2 - ex2 * ey1
        moves = (source[0] != x).any(axis=0) | (source[1] != y).any(axis=0)
        ok = (np.abs(det) > 1e-6) & moves
        inverse = np.divide(1.0, det, out=np.zeros_like(det), where=ok)
        coeffs = np.zeros((len(tri) + 1, 6))  # the last row: pixels no triangle covers
        for column, value in enumerate((source[0] - x, source[1] - y)):  # dx, then dy
            rise1, rise2 = value[1] - value[0], value[2] - value[0]
            a = (rise1 * ey2 - rise2 * ey1) * inverse
            b = (rise2 * ex1 - rise1 * ex2) * inverse
            c = np.where(ok, value[0] - a * x[0] - b * y[0], 0.0)
            coeffs[:-1, 3 * column:3 * column + 3] = np.column_stack([a, b, c])
        return coeffs.astype(np.float32)

    def _rasterize(self, moved: np.ndarray, drawn: np.ndarray) -> np.ndarray:
        """Which of the triangles `drawn` covers each cell centre (the extra last index where
        none does)."""
        index = self._index
        index.fill(len(self.mesh.triangles))
        offset = (self.step - 1) / 2
        scaled = np.round((moved - offset) / self.step * (1 << SUBPIXEL_BITS)).astype(np.int32)
        for t, corners in zip(drawn.tolist(), scaled[self.mesh.triangles[drawn]], strict=True):
            cv2.fillConvexPoly(index, corners, t, lineType=cv2.LINE_8, shift=SUBPIXEL_BITS)
        return index


def _affine_at(coeffs: np.ndarray, index: np.ndarray, xs: np.ndarray, ys: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """The displacement at positions `xs, ys` through the triangles `index` names there:
    dx = a x + b y + c and dy = d x + e y + f, with (a..f) the triangle's row of `coeffs`.

    Each coefficient is looked up on its own (a 1-D take): 2.5x faster than gathering the
    six of every position at once and slicing them apart.
    """
    a, b, c, d, e, f = (np.ascontiguousarray(column).take(index) for column in coeffs.T)
    dx, dy = a * xs, d * xs
    dx += b * ys
    dx += c
    dy += e * ys
    dy += f
    return dx, dy


def _thickness(corners: np.ndarray) -> np.ndarray:
    """Each triangle's height over its longest side, pixels; corners (t, 3, 2)."""
    a, b, c = corners[:, 0], corners[:, 1], corners[:, 2]
    cross = (b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0]
    longest = np.max([np.hypot(*(q - p).T) for p, q in ((a, b), (b, c), (c, a))], axis=0)
    return np.abs(cross) / np.maximum(longest, 1e-9)
