"""The inside of an opened mouth: cavity, teeth and tongue, painted in the portrait's colours.

When a closed mouth opens, the gap between the lips has no source pixels, so it is painted:

- the opening is the smooth curve through the teeth edges and mouth corners (not the mesh's
  straight-sided polygon), anti-aliased;
- a dark cavity, lit from the front: darker deep inside, towards the corners and right under
  the upper teeth, in a dark shade of the lips' own colour (a mouth is never black);
- upper incisors hanging from the upper lip along its curve, separated by faint gaps where an
  arch of teeth would put them (narrower towards the corners, as the arch turns away), shadowed
  by the lip at the top; lower teeth too once the jaw is wide open;
- the tongue low in the mouth, lit along its top, behind the lower teeth.

Colours are matched to the portrait: teeth take the colour of the whites of its eyes (the same
light and white balance fall on both), blended with a warm off-white scaled to the face's
brightness, so a dim painting gets dim teeth; the cavity and tongue come from the lips. The
paint gets the portrait's own grain (a fixed noise texture that moves with the mouth, so it
does not sparkle) and a slight blur, so it sits in the picture instead of on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from .curves import spline

TEETH_SHADE = np.array([236.0, 228.0, 212.0])  # warm off-white, before brightness matching
SCLERA_WEIGHT = 0.5  # teeth colour: this share from the eye whites, the rest from TEETH_SHADE
MIN_SCLERA_BRIGHTNESS = 0.7  # eye "whites" darker than 70% of the bright skin are iris or
# shadow (small or shaded eyes), not a white reference
MIN_SCLERA_PIXELS = 12  # fewer bright, unsaturated eye pixels than this: no sclera colour
UPPER_TEETH_HEIGHT = 0.12  # visible upper incisor height, share of mouth width
LOWER_TEETH_FROM_GAP = 0.28  # lower teeth show once the gap passes this share of the width
TEETH_HALF_WIDTH = 0.72  # teeth fade out beyond this share of the half-width (corners in shadow)
ARCH_HALF_WIDTH = 0.45  # dental arch half-width, share of mouth width
INCISOR_WIDTH = 0.12  # central incisor width, share of mouth width (sets the arch step)
TOOTH_GAP_DARKNESS = 0.3  # darkening of the thin gap between two teeth
TOOTH_GAP_WIDTH = 0.1  # ... its width, share of a tooth
LIP_SHADOW = 0.25  # the upper lip shades the top of the teeth and cavity by up to 25%
CAVITY_DARKNESS = 0.3  # cavity colour = lip colour x this: dark, but lit red, never black
SOURCE_TEETH_FADE_PX = 2.0  # px over which paint fades in under a portrait's own teeth
SOFTEN_SIGMA = 0.6  # px: the painted interior is blurred a little so it sits in the photo
SEAM_WIDTH = 0.012  # the closed lips' contact shadow: Gaussian sigma, share of mouth width
SEAM_DARKNESS = 0.4  # its darkening at the corners ...
SEAM_CORNER_EXTRA = 0.4  # ... of which this share fades towards the middle, where lips bulge
GRAIN_TILE = 64  # px: side of the fixed grain texture
GRAIN_SEED = 0x6EA1  # the texture is the same for every portrait and frame


@dataclass(frozen=True)
class MouthPalette:
    """Colours (RGB) and grain taken from the portrait once."""

    lips: np.ndarray
    teeth: np.ndarray
    tongue: np.ndarray
    grain: float = 0.0  # grey levels (std) of fine noise to add to the paint


def palette_from(image: np.ndarray, points: np.ndarray, grain: float = 0.0,
                 match_eyes: bool = True) -> MouthPalette:
    """Sample the lips (between outer and inner outline), the face's brightness and, with
    `match_eyes`, the eye whites; `grain` is the source's fine-grain level to give the paint
    (enhance.source_grain; 0 for none)."""
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
    sclera = sclera_colour(image, points) if match_eyes else None
    if sclera is not None and sclera.mean() >= MIN_SCLERA_BRIGHTNESS * brightness:
        # The whites' hue, at no more than the teeth's own brightness (eyes catch highlights).
        level = min(float(sclera.mean()), 1.05 * float(teeth.mean()))
        teeth = (SCLERA_WEIGHT * sclera * level / float(sclera.mean())
                 + (1 - SCLERA_WEIGHT) * teeth)
    tongue = lips * np.array([0.85, 0.55, 0.55]) + np.array([20.0, 0, 0])
    return MouthPalette(lips.astype(np.float64), teeth, np.clip(tongue, 0, 255), grain)


def sclera_colour(image: np.ndarray, points: np.ndarray) -> np.ndarray | None:
    """Median colour of the whites of the eyes: the brightest quarter of the unsaturated
    pixels inside the eye outlines; None where the eyes are too small to tell."""
    mask = np.zeros(image.shape[:2], np.uint8)
    for eye in (points[36:42], points[42:48]):
        cv2.fillPoly(mask, [np.round(eye).astype(np.int32)], 1)
    pixels = image[mask > 0].astype(np.float64)
    if len(pixels) < 4 * MIN_SCLERA_PIXELS:
        return None
    saturation = pixels.max(axis=1) - pixels.min(axis=1)
    pale = pixels[saturation <= np.median(saturation)]
    luma = pale.mean(axis=1)
    whites = pale[luma >= np.percentile(luma, 75)]
    return np.median(whites, axis=0) if len(whites) >= MIN_SCLERA_PIXELS else None


@dataclass(frozen=True)
class Opening:
    """The mouth opening of one frame, in region pixels, in the face's axes."""

    upper: np.ndarray  # (k, 2): upper teeth edge from the left corner to the right one
    lower: np.ndarray  # (k, 2): the same corners, the lower teeth edge between them
    u: np.ndarray  # unit vector along the eye line
    v: np.ndarray  # unit vector down the face


def paint_interior(image: np.ndarray, opening: Opening, palette: MouthPalette,
                   mouth_width: float, strength: float, teeth: float, tongue: float,
                   with_teeth: bool = True, lift_px: float = 0.0) -> None:
    """Paint the mouth interior inside `opening`, in place, with opacity `strength` (0..1).

    `teeth` and `tongue` (0..1) say how much of each the current sound shows (of the teeth,
    how far below the upper lip they reach; they are always opaque); `lift_px` is how far the
    upper lip is raised off the teeth (their visible height grows by it). With
    `with_teeth` False (the portrait shows its own upper teeth above the opening) only lower
    teeth are painted, for a wide jaw.
    """
    if strength <= 0:
        return
    height, width = image.shape[:2]
    points = np.vstack([opening.upper, opening.lower])
    x0, y0 = np.floor(points.min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(points.max(axis=0)).astype(int) + 3
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    xs = np.arange(x0, x1, dtype=np.float32)[None, :]  # a row and a column, which broadcast
    ys = np.arange(y0, y1, dtype=np.float32)[:, None]  # to every pixel of the patch below
    left, right = opening.upper[0], opening.upper[-1]
    centre = (left + right) / 2
    a = (xs - centre[0]) * opening.u[0] + (ys - centre[1]) * opening.u[1]  # along the mouth
    b = (xs - centre[0]) * opening.v[0] + (ys - centre[1]) * opening.v[1]  # down the face
    top = _edge(opening.upper, centre, opening.u, opening.v, a)
    bottom = _edge(opening.lower, centre, opening.u, opening.v, a)
    # Pixels are covered by their distance across the edge, not down the face: towards the
    # corners of a round opening the edges run steeply, and there a vertical distance steps.
    top_across, bottom_across = _steepness(top), _steepness(bottom)
    half = max(float((right - left) @ opening.u) / 2, 1.0)
    inside = np.abs(a) < half
    # Under the portrait's own teeth the paint fades in over a few pixels: tooth tips are not
    # a cut line.
    soft_top = 1.0 if with_teeth else SOURCE_TEETH_FADE_PX
    coverage = np.clip(np.minimum((b - top) / (soft_top * top_across),
                                  (bottom - b) / bottom_across) + 0.5, 0, 1) * inside
    alpha = coverage.astype(np.float32) * strength
    if alpha.max() <= 0.01:
        return
    geometry = _Geometry(a, b, top, np.maximum(bottom - top, 1e-3), half, mouth_width, lift_px)
    interior = _cavity(geometry, palette)
    colour, upper, lower = _teeth(geometry, palette, teeth)
    if with_teeth:
        _over(interior, colour, upper)
    _add_tongue(interior, geometry, palette, tongue)  # a dental's tip shows under the upper teeth
    _over(interior, 0.8 * colour, lower)  # the lower teeth stand in front of the tongue
    interior = cv2.GaussianBlur(interior, (0, 0), SOFTEN_SIGMA)
    interior += _grain(a, b, palette.grain)[..., None]
    patch = image[y0:y1, x0:x1].astype(np.float32)
    blended = patch + (interior - patch) * alpha[..., None]
    image[y0:y1, x0:x1] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)


def draw_lip_seam(image: np.ndarray, upper: np.ndarray, lower: np.ndarray, u: np.ndarray,
                  v: np.ndarray, mouth_width: float, strength: float) -> None:
    """Darken the line where two lips press together, in place, with opacity `strength`.

    A closed mouth shows a thin shadow between its lips, deepest towards the corners. The
    portrait of a closed mouth has its own; lips brought together over a smile's teeth meet
    edge to edge and need one drawn. While they are still closing, the shadow fills what is
    left of the gap between them (`upper`, `lower`: (k, 2) inner lip lines, corner to
    corner): the teeth squeezed in there fall into the shade of the lips rather than
    showing as a bright line.
    """
    if strength <= 0:
        return
    height, width = image.shape[:2]
    sigma = SEAM_WIDTH * mouth_width
    points = np.vstack([upper, lower])
    x0, y0 = np.floor(points.min(axis=0) - 3 * sigma - 1).astype(int)
    x1, y1 = np.ceil(points.max(axis=0) + 3 * sigma + 2).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    xs = np.arange(x0, x1, dtype=np.float32)[None, :]  # a row and a column, which broadcast
    ys = np.arange(y0, y1, dtype=np.float32)[:, None]  # to every pixel of the patch below
    centre = (upper[0] + upper[-1]) / 2
    a = (xs - centre[0]) * u[0] + (ys - centre[1]) * u[1]
    b = (xs - centre[0]) * v[0] + (ys - centre[1]) * v[1]
    half = max(float((upper[-1] - upper[0]) @ u) / 2, 1.0)
    outside = np.maximum(_edge(upper, centre, u, v, a) - b, b - _edge(lower, centre, u, v, a))
    profile = np.exp(-0.5 * (np.maximum(outside, 0) / sigma) ** 2) * (np.abs(a) <= half)
    across = np.clip(np.abs(a) / half, 0, 1)
    depth = SEAM_DARKNESS * (1 - SEAM_CORNER_EXTRA + SEAM_CORNER_EXTRA * across**2)
    shade = 1 - strength * depth * profile
    patch = image[y0:y1, x0:x1].astype(np.float32) * shade[..., None]
    image[y0:y1, x0:x1] = np.clip(patch + 0.5, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class _Geometry:
    """Per pixel of the patch: position along (a) and down (b) from the mouth centre, the
    upper edge `top` and the opening's height `gap` at that column, in pixels."""

    a: np.ndarray
    b: np.ndarray
    top: np.ndarray
    gap: np.ndarray
    half: float  # half the opening's width
    mouth_width: float
    lift: float = 0.0  # upper lip raised off the teeth, pixels

    @property
    def across(self) -> np.ndarray:  # -1 .. 1 corner to corner
        return np.clip(self.a / self.half, -1, 1)

    @property
    def depth(self) -> np.ndarray:  # 0 at the upper edge, 1 at the lower edge
        return np.clip((self.b - self.top) / self.gap, 0, 1)


def _cavity(g: _Geometry, palette: MouthPalette) -> np.ndarray:
    across, depth = g.across, g.depth
    light = (1 - 0.55 * across**2) * (0.75 + 0.25 * np.sin(np.pi * depth))
    light *= 1 - LIP_SHADOW * np.exp(-(g.b - g.top) / (0.08 * g.mouth_width))
    return (palette.lips[None, None, :] * CAVITY_DARKNESS * light[..., None]).astype(np.float32)


def _teeth(g: _Geometry, palette: MouthPalette, teeth: float
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The teeth's shaded colour, and the coverage (0..1) of the upper incisors along the upper
    edge and of the lower ones, which show only for a wide jaw. Teeth are opaque: `teeth` sets
    how far below the upper lip they reach."""
    across = g.across
    height = (UPPER_TEETH_HEIGHT * g.mouth_width * (0.6 + 0.4 * teeth) + g.lift) * (
        1 - 0.45 * across**2)
    spread = np.clip(1 - (np.abs(across) / TEETH_HALF_WIDTH) ** 4, 0, 1)
    below_edge = g.b - g.top
    upper = np.clip(height - below_edge + 0.5, 0, 1) * (below_edge > -1) * spread
    shade = (0.75 + 0.25 * (1 - across**2)) * _tooth_gaps(g) * (
        1 - LIP_SHADOW * np.exp(-below_edge / (0.25 * np.maximum(height, 1e-3))))
    wide = np.clip((g.gap / g.mouth_width - LOWER_TEETH_FROM_GAP) / 0.1, 0, 1)
    above_bottom = g.top + g.gap - g.b
    lower = np.clip(0.45 * height - above_bottom + 0.5, 0, 1) * spread * wide
    return palette.teeth[None, None, :] * shade[..., None], upper, lower


def _tooth_gaps(g: _Geometry) -> np.ndarray:
    """1 on a tooth, darker in the thin gaps between teeth: gaps sit at equal angles round a
    half-circle arch, so teeth look narrower towards the corners, as the arch turns away."""
    arch = ARCH_HALF_WIDTH * g.mouth_width
    step = np.arcsin(min(INCISOR_WIDTH / ARCH_HALF_WIDTH, 1.0))
    angle = np.arcsin(np.clip(g.a / arch, -1, 1)) / step  # in teeth from the midline
    distance = np.abs(angle - np.round(angle))  # 0 on a gap, 0.5 mid-tooth
    return 1 - TOOTH_GAP_DARKNESS * np.clip(1 - distance / TOOTH_GAP_WIDTH, 0, 1)


def _add_tongue(image: np.ndarray, g: _Geometry, palette: MouthPalette, tongue: float) -> None:
    """The tongue, low in the mouth, lit along its top; more of it as the jaw opens wide, so
    that a wide mouth shows its tongue rather than a dark bowl (real wide vowels do)."""
    amount = max(tongue, float(np.clip(g.gap.max() / g.mouth_width / 0.3, 0, 1)) * 0.9)
    blob = 1 - ((g.across / 0.65) ** 2 + ((g.depth - 1.0) / 0.55) ** 2)
    lit = 0.75 + 0.3 * np.clip(1 - blob / 0.3, 0, 1)  # brighter along its top edge
    colour = palette.tongue[None, None, :] * lit[..., None]
    _over(image, colour, np.clip(blob * 2, 0, 1) * amount)


def _edge(points: np.ndarray, centre: np.ndarray, u: np.ndarray, v: np.ndarray,
          a: np.ndarray) -> np.ndarray:
    """Depth (down the face, from the centre) of the smooth curve through `points`, at `a`."""
    rel = points - centre
    return spline(rel @ u, rel @ v, a)


def _steepness(edge: np.ndarray) -> np.ndarray:
    """How much longer a step down the face is than the step across an edge (1 where it runs
    along the mouth): sqrt(1 + slope^2). `edge` is the edge's depth at each pixel's place along
    the mouth, so its gradient over the pixels has the slope's length."""
    down, across = np.gradient(edge)
    return np.sqrt(1 + down**2 + across**2)


def _grain(a: np.ndarray, b: np.ndarray, level: float) -> np.ndarray:
    """The fixed grain texture at mouth-relative positions, scaled to `level` grey levels."""
    if level <= 0:
        return np.zeros(a.shape, np.float32)
    tile = _grain_tile()
    ia = np.round(a).astype(np.int64) % GRAIN_TILE
    ib = np.round(b).astype(np.int64) % GRAIN_TILE
    return (tile[ib, ia] * level).astype(np.float32)


@lru_cache(maxsize=1)
def _grain_tile() -> np.ndarray:
    return np.random.default_rng(GRAIN_SEED).standard_normal((GRAIN_TILE, GRAIN_TILE))


def _over(image: np.ndarray, colour: np.ndarray, amount: np.ndarray) -> None:
    weight = np.asarray(amount, np.float32)[..., None]
    image += (np.asarray(colour, np.float32) - image) * weight
