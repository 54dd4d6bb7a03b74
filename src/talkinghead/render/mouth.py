"""The inside of an opened mouth: cavity, teeth and tongue, painted in the portrait's colours.

When a closed mouth opens, the gap between the lips has no source pixels. We
paint it: a dark cavity lit from the front (darker deeper in and towards the
corners), a band of upper teeth under the upper lip (lower teeth too when the
jaw is wide), and the tongue low in the mouth. Colours come from the
portrait: the cavity from the lips' own hue, the teeth from a warm off-white
scaled to the face's brightness, so a dim painting gets dim teeth.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SUPERSAMPLE = 4  # the lip outline is drawn at 4x and averaged down: smooth, anti-aliased edge
TEETH_SHADE = np.array([236.0, 228.0, 212.0])  # warm off-white, before brightness matching
UPPER_TEETH_HEIGHT = 0.12  # visible upper incisor height, share of mouth width
LOWER_TEETH_FROM_GAP = 0.28  # lower teeth show once the gap passes this share of the width
TEETH_HALF_WIDTH = 0.72  # teeth fade out beyond this share of the half-width (corners in shadow)
CAVITY_DARKNESS = 0.3  # cavity colour = lip colour x this: dark, but lit red, never black
SOFTEN_SIGMA = 0.6  # px: the painted interior is blurred a little so it sits in the photo


@dataclass(frozen=True)
class MouthPalette:
    """Colours taken from the portrait once."""

    lips: np.ndarray  # RGB
    teeth: np.ndarray  # RGB
    tongue: np.ndarray  # RGB


def palette_from(image: np.ndarray, points: np.ndarray) -> MouthPalette:
    """Sample the lips (between outer and inner outline) and the face's brightness."""
    outer = points[48:60].astype(np.int32)
    inner = points[60:68].astype(np.int32)
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [outer], 1)
    cv2.fillPoly(mask, [inner], 0)
    lip_pixels = image[mask > 0]
    lips = np.median(lip_pixels, axis=0) if len(lip_pixels) else np.array([150.0, 80, 80])
    face = cv2.fillPoly(np.zeros(image.shape[:2], np.uint8), [points[:17].astype(np.int32)], 1)
    brightness = np.percentile(image[face > 0].mean(axis=1), 90) if face.any() else 200.0
    teeth = TEETH_SHADE * np.clip(brightness / 215.0, 0.55, 1.0)
    tongue = lips * np.array([0.85, 0.55, 0.55]) + np.array([20.0, 0, 0])
    return MouthPalette(lips.astype(np.float64), teeth, np.clip(tongue, 0, 255))


def paint_interior(image: np.ndarray, inner: np.ndarray, palette: MouthPalette,
                   mouth_width: float, strength: float, teeth: float, tongue: float,
                   with_teeth: bool = True) -> None:
    """Paint the mouth interior inside the 8-point opening polygon `inner`, in place.

    `inner` runs corner, three upper points, corner, three lower points (right
    to left), like dlib's inner-lip points 60-67.
    """
    if strength <= 0:
        return
    height, width = image.shape[:2]
    x0, y0 = np.floor(inner.min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(inner.max(axis=0)).astype(int) + 3
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    local = inner - (x0, y0)
    alpha = _polygon_coverage(local, (x1 - x0, y1 - y0)) * strength
    if alpha.max() <= 0.01:
        return
    patch = image[y0:y1, x0:x1].astype(np.float32)
    interior = _interior(local, patch.shape[:2], palette, mouth_width, teeth, tongue,
                         with_teeth)
    interior = cv2.GaussianBlur(interior, (0, 0), SOFTEN_SIGMA)
    blended = patch + (interior - patch) * alpha[..., None]
    image[y0:y1, x0:x1] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)


def _polygon_coverage(polygon: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    width, height = size
    big = np.zeros((height * SUPERSAMPLE, width * SUPERSAMPLE), np.uint8)
    pts = np.round((polygon + 0.5) * SUPERSAMPLE - 0.5).astype(np.int32)
    cv2.fillPoly(big, [pts], 255)
    return cv2.resize(big, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32) / 255


def _interior(inner: np.ndarray, shape: tuple[int, int], palette: MouthPalette,
              mouth_width: float, teeth: float, tongue: float,
              with_teeth: bool) -> np.ndarray:
    """The painted interior for the bounding box of `inner` (coordinates local to it)."""
    height, width = shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    left, right = inner[0], inner[4]  # inner corners 60 and 64
    centre_x = (left[0] + right[0]) / 2
    half = max(abs(right[0] - left[0]) / 2, 1.0)
    across = np.clip((xs - centre_x) / half, -1, 1)  # -1 .. 1 corner to corner
    top = np.interp(xs[0], *_chain(inner[[0, 1, 2, 3, 4]]))[None, :]
    bottom = np.interp(xs[0], *_chain(inner[[4, 5, 6, 7, 0]]))[None, :]
    gap = np.maximum(bottom - top, 1e-3)
    depth = np.clip((ys - top) / gap, 0, 1)  # 0 at the upper lip, 1 at the lower lip

    light = (1 - 0.55 * across**2) * (0.75 + 0.25 * np.sin(np.pi * depth))
    image = palette.lips[None, None, :] * CAVITY_DARKNESS * light[..., None]
    image = image.astype(np.float32)

    if not with_teeth:
        return _with_tongue(image, across, depth, gap, palette, mouth_width, tongue)
    teeth_px = UPPER_TEETH_HEIGHT * mouth_width * (0.6 + 0.4 * teeth)
    spread = np.clip(1 - (np.abs(across) / TEETH_HALF_WIDTH) ** 4, 0, 1)
    upper = ((ys - top) < teeth_px * (1 - 0.45 * across**2)) & (spread > 0)
    teeth_light = (0.75 + 0.25 * (1 - across**2)) * spread
    _over(image, upper, palette.teeth, teeth_light * (0.55 + 0.45 * teeth))

    wide = np.clip((gap / mouth_width - LOWER_TEETH_FROM_GAP) / 0.1, 0, 1)
    lower = (bottom - ys) < 0.45 * teeth_px * (1 - 0.5 * across**2)
    _over(image, lower & (wide > 0), palette.teeth * 0.8, teeth_light * wide * 0.8)

    return _with_tongue(image, across, depth, gap, palette, mouth_width, tongue)


def _with_tongue(image, across, depth, gap, palette: MouthPalette, mouth_width: float,
                 tongue: float) -> np.ndarray:
    """The tongue, low in the mouth; more of it as the jaw opens wide."""
    tongue_amount = max(tongue, float(np.clip(gap.max() / mouth_width / 0.35, 0, 1)) * 0.6)
    blob = 1 - ((across / 0.6) ** 2 + ((depth - 1.0) / 0.45) ** 2)
    _over(image, blob > 0, palette.tongue * 0.6, np.clip(blob * 2, 0, 1) * tongue_amount)
    return image


def _chain(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x-sorted (x, y) of a lip outline, for np.interp."""
    order = np.argsort(points[:, 0], kind="stable")
    return points[order, 0], points[order, 1]


def _over(image: np.ndarray, where: np.ndarray, colour: np.ndarray, amount: np.ndarray) -> None:
    weight = (where * amount).astype(np.float32)[..., None]
    image += (np.asarray(colour, np.float32)[None, None, :] - image) * weight
