"""Cut the person out of the portrait: an alpha matte, 1 on the person, 0 on the background.

The method is classical and needs only OpenCV and NumPy (no model, no download):

1. Seeds from the 68 landmarks, built in the face's own frame (v down the face from the chin,
   u across it, lengths in inter-ocular distances) on a copy scaled to at most
   `WORK_MAX_SIDE_PX`: the face hull, the top of the head, a neck strip and a torso core
   widening below it are sure foreground; a head ellipse (the hair, above the brows and beside
   the face) and a body shape out to the shoulders and down to the picture's bottom are
   probable foreground; the rest is probable background, so that GrabCut learns the backdrop
   beside the person too, and the picture's border outside wider envelopes of those shapes
   is sure background.
2. GrabCut (`GRABCUT_ITERATIONS` rounds) labels the probable pixels by their colours; the
   person is the connected part holding the face, with small holes filled.
3. A guided filter (He, Sun & Tang), guided by the picture's colours, turns the hard edge into a
   soft one that follows the picture's own edges (stray hair, blur); its coefficients are
   computed at the working size and applied to the full-size picture. Only a band along the
   edge is softened: inside and outside it the matte stays exactly 1 and 0.

Known failure cases, from the contact sheets of benchmarks/mattes.py (0.5-1.8 s a portrait on
a 2-core CPU; no extra dependency: pymatting's closed-form matting on the same cut was no
cleaner on these portraits and brings numba and llvmlite, ~210 MB and a ~40 s first import):
- backdrop of skin or hair colour touching the person is kept: a warm lamp glow beside the
  neck, a wooden bench beside a full figure's skirt;
- clothes far to the side of the body axis and unlike the face (a striped sweater in a
  corner) are cut, as is the backdrop's colour on the person wherever no seed decides;
- dark hair on a dark backdrop gets a wide soft edge, and slivers of backdrop between hair
  and the picture's edge can stay;
- thin strands and see-through hair come out as a soft fringe, not a true matte of each hair,
  and the backdrop's colour shows in that fringe (no foreground colour is estimated);
- a body far off the vertical below the chin (reclining, turned away) leaves the torso seeds
  on the background.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from ..media.compose import average_nearby
from .framing import Framing, frame_matte, source_scale
from .landmarks import JAW, LEFT_BROW, RIGHT_BROW, FaceGeometry

WORK_MAX_SIDE_PX: Final = 640  # segmentation size; GrabCut's cost grows with the pixels
GRABCUT_ITERATIONS: Final = 5  # more changes little on portraits, costs ~0.1-0.5 s each

# Seeds, in inter-ocular distances (IOD) in the face's frame: v down from the chin, u across.
FACE_HULL_SHRINK: Final = 0.92  # the landmark hull, shrunk toward its centre: the jaw line
# lies on the face's edge, where the background may start
FOREHEAD_RAISE: Final = 0.45  # the brows, raised this far, close the face hull at the top
NECK_HALF_WIDTH: Final = 0.4  # sure neck strip: narrower than any neck (~1.1-1.4 IOD wide)
NECK_LENGTH: Final = 1.3  # from the chin down to where the shoulders begin
TORSO_CORE: Final = ((1.3, 0.4), (2.6, 1.3), (20.0, 2.0))  # sure torso: (v, half-width) ...
# widening from the neck to the chest, then slowly (the hands may cross it)
HEAD_CENTER_ABOVE_BROWS: Final = 0.35  # centre of the head (hair) ellipses
HEAD_SURE: Final = (1.0, 0.9)  # sure person: the top of the head (forehead, hair or scalp)
# up to ~1.25 IOD above the brows, where the skull's top is ~1.6-1.8 IOD above them
HEAD_PROBABLE: Final = (1.75, 1.85)  # probable person: half-width (the face is ~2.3 IOD
# wide) and half-height (hair to ~1.4 IOD above the brows) of the head ellipse
HEAD_ENVELOPE: Final = (2.2, 2.3)  # ... and of the ellipse outside which the border is sure
# background (long or curly hair)
BODY_PROBABLE: Final = ((-0.8, 1.5), (0.4, 1.7), (1.5, 3.6), (3.5, 3.6), (5.0, 3.0),
                         (20.0, 3.0))  # probable body:
# (v, half-width) from beside the ears (long hair) out to the shoulders, narrower again
# at the waist of a full figure
BODY_ENVELOPE: Final = ((-1.2, 2.3), (0.3, 2.5), (1.8, 4.0), (20.0, 6.0))  # ... and its
# envelope, outside which the border is sure background
SURE_BACKGROUND_BORDER: Final = 0.02  # share of the shorter side along the picture's edges
MIN_HOLE_IOD2: Final = 0.5  # enclosed background smaller than this (IOD squared) is filled

# The soft edge.
GUIDE_RADIUS_IOD: Final = 0.08  # guided filter window radius: a little more than a hair lock
GUIDE_EPS: Final = 1e-4  # regularisation (colours in 0..1): smaller follows fainter edges;
# 1e-3 left a dark haze beyond dark hair on dark backdrops, 1e-5 looked no different
EDGE_BAND_IOD: Final = 0.12  # only this close to the hard edge is the matte softened

# GrabCut's labels (cv2.GC_BGD and so on), named here so the seeds read without cv2.
_SURE_BG, _SURE_FG, _PROBABLE_BG, _PROBABLE_FG = 0, 1, 2, 3


def person_matte(image: np.ndarray, face: FaceGeometry) -> np.ndarray:
    """Alpha of the person in an RGB uint8 image (H, W, 3): float32 (H, W) in 0..1.

    `face` is the portrait's `detect_face` result, in the image's pixels. Deterministic: the
    same picture and face give the same matte.
    """
    import cv2

    height, width = image.shape[:2]
    scale = min(1.0, WORK_MAX_SIDE_PX / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA) if scale < 1 else image
    small_face = face.transformed(size[0] / width, size[1] / height, 0.0, 0.0)
    seeds = grabcut_seeds(small.shape[:2], small_face)
    hard = _segment(small, seeds, small_face)
    return _soft_edge(image, small, hard, small_face.interocular)


def framed_person_matte(image: np.ndarray, face: FaceGeometry, framing: Framing) -> np.ndarray:
    """The person's matte on the output canvas (float32, 0..1; clear where the picture does not
    reach), made on the portrait at about the canvas's scale: no finer, as its cost grows with
    the pixels."""
    import cv2

    height, width = image.shape[:2]
    scale = min(1.0, source_scale(framing))
    if scale < 1:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        face = face.transformed(size[0] / width, size[1] / height, 0.0, 0.0)
    return frame_matte(person_matte(image, face), framing, image.shape[1] / width)


def grabcut_seeds(shape: tuple[int, ...], face: FaceGeometry) -> np.ndarray:
    """GrabCut's starting labels (H, W) uint8 for a picture of `shape` holding `face`."""
    import cv2

    height, width = shape[:2]
    frame = _FaceFrame(face)
    labels = np.full((height, width), _PROBABLE_BG, np.uint8)
    border = max(1, round(SURE_BACKGROUND_BORDER * min(height, width)))
    labels[:border], labels[-border:] = _SURE_BG, _SURE_BG
    labels[:, :border], labels[:, -border:] = _SURE_BG, _SURE_BG
    bottom = frame.depth_of_bottom(height, width)
    envelope = np.zeros((height, width), np.uint8)
    cv2.fillPoly(envelope, [frame.head_ellipse(*HEAD_ENVELOPE)], 1)
    cv2.fillPoly(envelope, [frame.widening(BODY_ENVELOPE, bottom)], 1)
    labels[envelope.astype(bool)] = _PROBABLE_BG
    cv2.fillPoly(labels, [frame.head_ellipse(*HEAD_PROBABLE)], _PROBABLE_FG)
    cv2.fillPoly(labels, [frame.widening(BODY_PROBABLE, bottom)], _PROBABLE_FG)
    cv2.fillPoly(labels, [_face_hull(face)], _SURE_FG)
    cv2.fillPoly(labels, [frame.head_ellipse(*HEAD_SURE)], _SURE_FG)
    cv2.fillPoly(labels, [frame.widening(((0.0, NECK_HALF_WIDTH),
                                          (NECK_LENGTH, NECK_HALF_WIDTH)), bottom)], _SURE_FG)
    cv2.fillPoly(labels, [frame.widening(TORSO_CORE, bottom)], _SURE_FG)
    return labels


class _FaceFrame:
    """The face's frame: origin at the chin, v down the face (chin minus brows), u across,
    both in inter-ocular distances."""

    def __init__(self, face: FaceGeometry) -> None:
        brows = np.vstack([face.points[RIGHT_BROW], face.points[LEFT_BROW]]).mean(axis=0)
        self.chin = face.points[JAW][8]
        down = self.chin - brows
        self.down = down / max(float(np.linalg.norm(down)), 1e-6)
        self.across = np.array([-self.down[1], self.down[0]])  # image right for an upright face
        self.iod = max(face.interocular, 1.0)
        self.brow_depth = float((brows - self.chin) @ self.down) / self.iod  # negative

    def to_image(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Points (N, 2) int32 in pixels for face-frame coordinates u, v (IOD)."""
        points = self.chin + self.iod * (np.outer(u, self.across) + np.outer(v, self.down))
        return np.round(points).astype(np.int32)

    def depth_of_bottom(self, height: int, width: int) -> float:
        """The v (IOD) beyond which no part of the picture lies."""
        corners = np.array([[0, 0], [width, 0], [0, height], [width, height]], float)
        return float(((corners - self.chin) @ self.down).max()) / self.iod + 1.0

    def head_ellipse(self, half_width: float, half_height: float) -> np.ndarray:
        angle = np.linspace(0.0, 2 * np.pi, 72, endpoint=False)
        centre = self.brow_depth - HEAD_CENTER_ABOVE_BROWS
        return self.to_image(half_width * np.cos(angle), centre + half_height * np.sin(angle))

    def widening(self, profile: tuple[tuple[float, float], ...], bottom: float) -> np.ndarray:
        """A shape symmetric about the face's axis: (v, half-width) pairs, the last one held
        down to `bottom` (the widths between are interpolated)."""
        v = np.array([p[0] for p in profile])
        half = np.array([p[1] for p in profile])
        if bottom > v[-1]:
            v, half = np.append(v, bottom), np.append(half, half[-1])
        else:
            v_end = max(bottom, v[0])
            keep = v < v_end
            half = np.append(half[keep], np.interp(v_end, v, half))
            v = np.append(v[keep], v_end)
        u = np.concatenate([half, -half[::-1]])
        return self.to_image(u, np.concatenate([v, v[::-1]]))


def _face_hull(face: FaceGeometry) -> np.ndarray:
    """The jaw and the raised brows' hull, shrunk toward its centre (pixels, int32)."""
    import cv2

    frame = _FaceFrame(face)
    brows = np.vstack([face.points[RIGHT_BROW], face.points[LEFT_BROW]])
    raised = brows - FOREHEAD_RAISE * frame.iod * frame.down
    points = np.vstack([face.points[JAW], raised])
    centre = points.mean(axis=0)
    shrunk = centre + FACE_HULL_SHRINK * (points - centre)
    return cv2.convexHull(np.round(shrunk).astype(np.int32)).reshape(-1, 2)


def _segment(small: np.ndarray, seeds: np.ndarray, face: FaceGeometry) -> np.ndarray:
    """GrabCut from the seeds, then the connected part holding the face with small holes
    filled: bool (H, W) at the working size."""
    import cv2

    labels = seeds.copy()
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)  # GrabCut's GMM initialisation draws from OpenCV's generator
    bgr = np.ascontiguousarray(small[:, :, ::-1])
    # Started from the labels (the rectangle is unused), which it relabels in place.
    cv2.grabCut(bgr, labels, (0, 0, 0, 0), background, foreground, GRABCUT_ITERATIONS,
                cv2.GC_INIT_WITH_MASK)
    person = (labels == _SURE_FG) | (labels == _PROBABLE_FG)
    return _fill_small_holes(_part_holding(person, seeds == _SURE_FG),
                             MIN_HOLE_IOD2 * face.interocular ** 2)


def _part_holding(mask: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    """The connected parts of `mask` that touch `anchor`."""
    import cv2

    count, parts = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return mask
    touching = np.unique(parts[anchor & mask])
    return np.isin(parts, touching[touching > 0])


def _fill_small_holes(mask: np.ndarray, max_area: float) -> np.ndarray:
    """`mask` with enclosed background parts smaller than `max_area` pixels filled."""
    import cv2

    background = (~mask).astype(np.uint8)
    count, parts, stats, _ = cv2.connectedComponentsWithStats(background, connectivity=4)
    height, width = mask.shape
    filled = mask.copy()
    for index in range(1, count):
        x, y, w, h, area = stats[index]
        touches_edge = x == 0 or y == 0 or x + w == width or y + h == height
        if not touches_edge and area < max_area:
            filled[parts == index] = True
    return filled


def _soft_edge(image: np.ndarray, small: np.ndarray, hard: np.ndarray,
               iod: float) -> np.ndarray:
    """The hard matte (working size) softened by a colour guided filter, at the image's size:
    float32 (H, W) in 0..1, exactly 0 or 1 away from the edge."""
    import cv2

    height, width = image.shape[:2]
    radius = max(1, round(GUIDE_RADIUS_IOD * iod))
    a, b = _guided_coefficients(small.astype(np.float32) / 255, hard.astype(np.float32),
                                radius, GUIDE_EPS)
    if small.shape[:2] != (height, width):
        a = cv2.resize(a, (width, height), interpolation=cv2.INTER_LINEAR)
        b = cv2.resize(b, (width, height), interpolation=cv2.INTER_LINEAR)
    guide = image.astype(np.float32) / 255
    soft = np.einsum("hwc,hwc->hw", a, guide) + b
    band_px = max(1, round(EDGE_BAND_IOD * iod))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band_px + 1, 2 * band_px + 1))
    hard8 = hard.astype(np.uint8)
    inside = cv2.erode(hard8, kernel).astype(bool)
    outside = ~cv2.dilate(hard8, kernel).astype(bool)
    if small.shape[:2] != (height, width):
        inside = cv2.resize(inside.astype(np.uint8), (width, height),
                            interpolation=cv2.INTER_NEAREST).astype(bool)
        outside = cv2.resize(outside.astype(np.uint8), (width, height),
                             interpolation=cv2.INTER_NEAREST).astype(bool)
    soft = np.clip(soft, 0.0, 1.0)
    soft[inside], soft[outside] = 1.0, 0.0
    return soft.astype(np.float32)


def _guided_coefficients(guide: np.ndarray, source: np.ndarray, radius: int,
                         eps: float) -> tuple[np.ndarray, np.ndarray]:
    """The colour guided filter's linear model: q = sum(a * guide, channels) + b, with `a`
    (H, W, 3) and `b` (H, W) already averaged over each window (He et al., 2013, eq. 19-21)."""
    import cv2

    def mean(values: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(values, -1, (2 * radius + 1, 2 * radius + 1),
                             borderType=cv2.BORDER_REFLECT)

    mean_i = mean(guide)
    mean_p = mean(source)
    cov_ip = mean(guide * source[:, :, None]) - mean_i * mean_p[:, :, None]
    sigma = np.empty((*guide.shape[:2], 3, 3), np.float32)
    for row in range(3):
        for col in range(row, 3):
            var = mean(guide[:, :, row] * guide[:, :, col]) - mean_i[:, :, row] * mean_i[:, :, col]
            sigma[:, :, row, col] = sigma[:, :, col, row] = var
    sigma += eps * np.eye(3, dtype=np.float32)
    a = np.linalg.solve(sigma, cov_ip[..., None])[..., 0]
    b = mean_p - np.einsum("hwc,hwc->hw", a, mean_i)
    return mean(a), mean(b)


# Foreground colours.
SOLVE_FROM_ALPHA: Final = 0.05  # below this the matte is background: its colour is the backdrop's
TRUST_ALPHA: Final = 0.4  # from here up the compositing equation is solved alone; below, its
# answer (noisy where alpha is small) fades into the colours of the person nearby
COLOUR_SPREAD_IOD: Final = 0.25  # how far around the edge colours are averaged


def foreground_colours(image: np.ndarray, alpha: np.ndarray, iod: float) -> np.ndarray:
    """The person's own colours (H, W, 3 uint8) under a soft matte `alpha` (H, W, 0..1).

    At the edge a pixel is a mix, I = a F + (1 - a) B, of the person F and the backdrop B:
    B is taken as the average of the backdrop nearby and F solved for, so that a hair fringe
    put on a new background does not keep the old backdrop's tint. Beyond the person the
    colours of the person nearby are spread outwards, so that resampling the picture (the warp,
    4:2:0 video) never mixes backdrop colour into the edge either. Inside it, pixels are kept.
    """
    picture = image.astype(np.float32)
    a = np.clip(alpha.astype(np.float32), 0.0, 1.0)[:, :, None]
    sigma = max(1.0, COLOUR_SPREAD_IOD * iod)
    backdrop = average_nearby(picture, a[:, :, 0] < SOLVE_FROM_ALPHA, sigma)
    person = average_nearby(picture, a[:, :, 0] > 1 - SOLVE_FROM_ALPHA, sigma)
    solved = np.clip((picture - (1 - a) * backdrop) / np.maximum(a, SOLVE_FROM_ALPHA), 0, 255)
    trust = np.clip((a - SOLVE_FROM_ALPHA) / (TRUST_ALPHA - SOLVE_FROM_ALPHA), 0, 1)
    colours = trust * solved + (1 - trust) * person
    colours = np.where(a >= 1.0, picture, colours)
    return (colours + 0.5).astype(np.uint8)
