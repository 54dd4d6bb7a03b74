"""Blinks: the upper lid slides down over the eye, which stays where it is underneath.

Squeezing the eye opening (moving lid landmarks through the face mesh) smears the iris into a
streak and stretches the lashes into brush strokes. A real lid covers the eye instead. So the
mesh never moves the lids; this module redraws the region above each eye, per frame, as a
layer over the warped face:

- the lash band (the lid margin and the lashes above it, `LASH_BAND` of the eye width) moves
  down rigidly with the lid edge, so the lashes keep their shape and the lid edge its line;
- the lid skin between the lash band and a fixed line under the brow stretches to follow it,
  as the skin folded into the crease unfolds over the eye; as the eye shuts, this stretched
  part fades to smooth skin taken from that line, so no crease or lash tip is drawn out;
- below the lid edge the eye is the warped frame itself, untouched: iris and white do not move
  and simply disappear under the lid. The edge is anti-aliased and casts a soft shadow.

Everything is computed in each eye's own frame (along the corner-to-corner line, and across
it) from the moved landmarks, so it follows head motion. The lid layer samples the source
through the warp's own maps, so the eye is resampled once, not twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .curves import spline

LASH_BAND = 0.22  # eye widths above the lid edge that move rigidly with it (margin and lashes)
LID_TOP_RANGE = (0.25, 0.7)  # eye widths above the lid edge where the stretch may start; the
# skin above it is fixed. Chosen per eye as the brightest (bare skin) line in this range ...
BROW_CLEARANCE = 0.8  # ... but below this share of the lid-to-brow distance
CLOSE_TRAVEL = 1.0  # at blink 1 the lid edge reaches the lower lid line
SKIN_FILL_FROM = 0.2  # eye widths below the stretch top where the smooth skin fill is complete
FULL_FILL_STRETCH = 1.0  # the skin fill is complete where the lid skin is stretched 2x
LID_SHADE = 0.12  # the closed lid darkens by up to 12% towards its edge (it curves away) ...
LID_ROUNDING = 0.04  # ... and is up to 4% brighter over the middle of the eyeball
LASH_TIPS = 0.5  # the upper half of the lash band (lash tips, pointing up) fades under the lid
LID_LIGHT = 0.75  # the lid's colour: mostly the skin beside the eye, the rest the skin above
BESIDE_EYE = (0.12, 0.35)  # eye widths beyond each corner where that skin is sampled
UNDER_EYE = (0.25, 0.35, 0.45)  # eye widths under the lower lid where the lit skin is sampled
LID_BULGE_LIGHT = 0.5  # the closed lid goes this share of the way from the skin beside the
# eye towards the skin under it, where that is brighter (see _closed_lid_colour)
SHADOW_DEPTH = 0.08  # eye widths below the lid edge over which its shadow fades out
SHADOW_STRENGTH = 0.35  # darkening right under the lid edge at full shadow
PATCH_MARGIN_PX = 2

# (corner, upper, upper, corner) and (corner, lower, lower, corner) landmarks of each eye.
EYE_LIDS = (((36, 37, 38, 39), (36, 41, 40, 39)), ((42, 43, 44, 45), (42, 47, 46, 45)))
BROWS = ((17, 18, 19, 20, 21), (22, 23, 24, 25, 26))


@dataclass(frozen=True)
class LidShape:
    """Per eye, the sizes of the moving lid, fixed from the rest pose (pixels)."""

    lid_top: float  # stretch zone top, above the lid edge
    lash_band: float  # rigid band above the lid edge
    skin: np.ndarray  # RGB of the closed lid: the skin beside the eye


@dataclass(frozen=True)
class EyeFrame:
    """An eye's own axes: from the inner-or-outer corner `corner` along the corner-to-corner
    line (`s`, 0..1 across the eye) and across it, downwards (`t`, pixels)."""

    corner: np.ndarray
    along: np.ndarray  # unit vector towards the other corner
    down: np.ndarray  # unit vector across the eye, pointing away from the brow
    width: float  # corner to corner, pixels

    @classmethod
    def of(cls, upper: np.ndarray, towards_down: np.ndarray) -> EyeFrame:
        """The frame of an eye whose upper lid is `upper` (4 points, corner to corner);
        `towards_down` is any vector with a positive component away from the brow."""
        axis = upper[3] - upper[0]
        width = float(np.linalg.norm(axis))
        along = axis / max(width, 1e-6)
        down = np.array([-along[1], along[0]])
        return cls(upper[0], along, down if down @ towards_down >= 0 else -down, width)

    def coordinates(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rel_x, rel_y = xs - self.corner[0], ys - self.corner[1]
        return ((rel_x * self.along[0] + rel_y * self.along[1]) / self.width,
                rel_x * self.down[0] + rel_y * self.down[1])

    def position(self, s: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = s * self.width
        return (self.corner[0] + a * self.along[0] + t * self.down[0],
                self.corner[1] + a * self.along[1] + t * self.down[1])

    def lid(self, points: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Depth `t` of the smooth lid line through 4 landmarks (corner to corner) at `s`;
        0 (the corner line) outside the eye."""
        rel = points - self.corner
        knots_s, knots_t = (rel @ self.along) / self.width, rel @ self.down
        knots_s[0], knots_s[-1] = 0.0, 1.0
        knots_t[0] = knots_t[-1] = 0.0
        return np.where((s > 0) & (s < 1), spline(knots_s, knots_t, s), 0.0)


def lid_shapes(rest: np.ndarray, soft: np.ndarray) -> tuple[LidShape, LidShape]:
    """Lid sizes of both eyes from the rest landmarks (region pixels) and the blurred source.

    The stretch starts at the brightest line between the lashes and the brow: bare skin
    (lashes, the crease and the brow are all darker), which is what the unfolded lid shows.
    """
    luma = cv2.cvtColor(soft, cv2.COLOR_RGB2GRAY)
    shapes = []
    for (upper, lower), brow in zip(EYE_LIDS, BROWS, strict=True):
        brow_centre = rest[list(brow)].mean(axis=0)
        eye = EyeFrame.of(rest[list(upper)], rest[upper[0]] - brow_centre)
        s = np.linspace(0.25, 0.75, 9)
        lid = eye.lid(rest[list(upper)], s)
        brow_gap = float(abs((brow_centre - rest[list(upper[1:3])].mean(axis=0)) @ eye.down))
        heights = np.linspace(*LID_TOP_RANGE, 12) * eye.width
        heights = heights[heights <= BROW_CLEARANCE * brow_gap]
        if not heights.size:
            heights = np.array([LID_TOP_RANGE[0] * eye.width])
        brightness = [np.median(_pick(luma, *eye.position(s, lid - h))) for h in heights]
        top = float(heights[int(np.argmax(brightness))])
        shapes.append(LidShape(top, min(LASH_BAND * eye.width, 0.6 * top),
                               _closed_lid_colour(soft, eye, rest[list(lower)])))
    return shapes[0], shapes[1]


def _closed_lid_colour(soft: np.ndarray, eye: EyeFrame, lower: np.ndarray) -> np.ndarray:
    """The closed lid's colour: the skin beside the eye, lightened towards the skin under the
    eye where that is brighter.

    A shut lid bulges over the eyeball, so it faces the light more than the socket beside
    it: on deep-set eyes lit from above (many paintings) the skin beside the eye is in deep
    shadow, and a lid of that colour reads as a dark, open eye hole.
    """
    beside = _beside_eye_colour(soft, eye)
    s = np.tile(np.linspace(0.3, 0.7, 5), len(UNDER_EYE))
    t = eye.lid(lower, s) + np.repeat(np.array(UNDER_EYE), 5) * eye.width
    pixels = _pick(soft, *eye.position(s, t)).astype(np.float32)
    luma = pixels.mean(axis=1)
    under = np.median(pixels[luma >= np.median(luma)], axis=0)
    return beside + LID_BULGE_LIGHT * np.maximum(under - beside, 0)


def _beside_eye_colour(soft: np.ndarray, eye: EyeFrame) -> np.ndarray:
    """Median RGB of the skin beside the eye, at the height of its corners (its brighter half:
    hair or the nose's shadow may reach in): lit like a closed lid, in the socket's shadow
    for deep-set eyes, and never lash, iris or white."""
    s = np.concatenate([np.linspace(*BESIDE_EYE, 4) * -1, 1 + np.linspace(*BESIDE_EYE, 4)])
    s = np.tile(s, 3)
    t = np.repeat(np.array([-0.12, -0.04, 0.04]), 8) * eye.width
    pixels = _pick(soft, *eye.position(s, t)).astype(np.float32)
    luma = pixels.mean(axis=1)
    return np.median(pixels[luma >= np.median(luma)], axis=0)  # skin, not hair or a shadow


def _pick(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Nearest pixels of `image` at (x, y), clamped to the image."""
    col = np.clip(np.round(x).astype(int), 0, image.shape[1] - 1)
    row = np.clip(np.round(y).astype(int), 0, image.shape[0] - 1)
    return image[row, col]


def draw_blink(region: np.ndarray, sources: tuple[np.ndarray, np.ndarray],
               maps: tuple[np.ndarray, np.ndarray], moved: np.ndarray,
               shapes: tuple[LidShape, LidShape], closure: float, interpolation: int) -> None:
    """Close both eyes by `closure` (0 open .. 1 shut) in the warped `region`, in place.

    `sources` are the source region and a blurred copy of it (the smooth lid skin is drawn
    from it), `maps` the warp's backward maps (region pixel -> source pixel) and `moved` the
    control points of this frame, whose first 68 are the landmarks.
    """
    closure = min(max(closure, 0.0), 1.0)
    if closure <= 0.0:
        return
    for (upper, lower), shape in zip(EYE_LIDS, shapes, strict=True):
        top_lid, bottom_lid = moved[list(upper)], moved[list(lower)]
        eye = EyeFrame.of(top_lid, bottom_lid[1:3].mean(axis=0) - top_lid[1:3].mean(axis=0))
        box = _patch_box(top_lid, bottom_lid, eye.down, shape, region.shape)
        if eye.width >= 2 and box is not None:
            _draw_lid(region, box, sources, maps, eye, top_lid, bottom_lid, shape, closure,
                      interpolation)


@dataclass(frozen=True)
class _Lid:
    """Per pixel of an eye patch, in the eye's frame: where the lid is in this frame."""

    s: np.ndarray  # 0..1 across the eye
    t: np.ndarray  # depth below the corner line
    top: np.ndarray  # where the stretch starts (fixed skin above)
    edge: np.ndarray  # the lid edge now
    lash_top: np.ndarray  # the top of the rigid lash band now
    drop: np.ndarray  # how far the lid edge has come down
    stretch: np.ndarray  # source length / drawn length of the stretched skin (1: none)

    @property
    def inside(self) -> np.ndarray:
        return (self.s > 0) & (self.s < 1)

    def source_depth(self) -> np.ndarray:
        """Where each pixel of the lid layer comes from: stretched skin above the lash band,
        the lash band moved down rigidly below."""
        return np.where(self.t < self.lash_top, self.top + (self.t - self.top) * self.stretch,
                        self.t - self.drop)


def _lid_geometry(eye: EyeFrame, box: tuple[int, int, int, int], upper: np.ndarray,
                  lower: np.ndarray, shape: LidShape, closure: float) -> _Lid:
    x0, y0, x1, y1 = box
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    s, t = eye.coordinates(xs, ys)
    lid, bottom = eye.lid(upper, s), eye.lid(lower, s)
    drop = np.where((s > 0) & (s < 1), closure * CLOSE_TRAVEL * np.maximum(bottom - lid, 0), 0)
    span = shape.lid_top - shape.lash_band
    return _Lid(s, t, lid - shape.lid_top, lid + drop, lid + drop - shape.lash_band, drop,
                span / (span + drop))


def _draw_lid(region: np.ndarray, box: tuple[int, int, int, int],
              sources: tuple[np.ndarray, np.ndarray], maps: tuple[np.ndarray, np.ndarray],
              eye: EyeFrame, upper: np.ndarray, lower: np.ndarray, shape: LidShape,
              closure: float, interpolation: int) -> None:
    g = _lid_geometry(eye, box, upper, lower, shape, closure)
    affected = g.inside & (g.t >= g.top) & (g.t < g.edge + 1)
    if not affected.any():
        return
    layer = _sample(sources[0], maps, eye, g.s, g.source_depth(), interpolation)
    skin = _lid_skin(_sample(sources[1], maps, eye, g.s, g.top, cv2.INTER_LINEAR), g, shape)
    layer += (skin - layer) * _fill_weight(g, eye.width, shape)[..., None]
    x0, y0, x1, y1 = box
    patch = region[y0:y1, x0:x1].astype(np.float32)
    patch *= (1 - _shadow(g, eye.width, closure))[..., None]
    alpha = np.where(affected, np.clip(g.edge - g.t + 0.5, 0, 1), 0).astype(np.float32)
    patch += (layer - patch) * alpha[..., None]  # anti-aliased lid edge
    region[y0:y1, x0:x1] = np.clip(patch + 0.5, 0, 255).astype(np.uint8)


def _lid_skin(above: np.ndarray, g: _Lid, shape: LidShape) -> np.ndarray:
    """The unfolded lid: from the smoothed skin at the stretch top (`above`, so no seam shows
    there) to the lid colour, rounded: a little brighter mid-lid, darker at the edge."""
    depth = np.clip((g.t - g.top) / np.maximum(g.lash_top - g.top, 1e-3), 0, 1)
    mix = (depth * depth * (3 - 2 * depth))[..., None]
    lid = LID_LIGHT * shape.skin[None, None, :] + (1 - LID_LIGHT) * above
    shade = 1 + LID_ROUNDING * np.sin(np.pi * np.clip(g.s, 0, 1)) - LID_SHADE * depth**2
    return (above + (lid - above) * mix) * shade[..., None]


def _fill_weight(g: _Lid, width: float, shape: LidShape) -> np.ndarray:
    """Where the smooth lid replaces the stretched source: where the skin is stretched (not
    at the corners), ramping in below the stretch top and out over the lash tips."""
    unfolded = np.clip((1 / g.stretch - 1) / FULL_FILL_STRETCH, 0, 1)
    ramp_in = np.clip((g.t - g.top) / (SKIN_FILL_FROM * width), 0, 1)
    ramp_out = np.clip(1 - (g.t - g.lash_top) / (LASH_TIPS * shape.lash_band), 0, 1)
    return (unfolded * ramp_in * ramp_out).astype(np.float32)


def _shadow(g: _Lid, width: float, closure: float) -> np.ndarray:
    """The lid's soft shadow on the eye just below its edge, strongest mid-eye."""
    below = np.clip((g.t - g.edge) / (SHADOW_DEPTH * width), 0, 1)
    return np.where(g.inside & (g.t >= g.edge), SHADOW_STRENGTH * closure**0.5 * (1 - below)
                    * np.sin(np.pi * np.clip(g.s, 0, 1)), 0)


def _sample(source: np.ndarray, maps: tuple[np.ndarray, np.ndarray], eye: EyeFrame,
            s: np.ndarray, t: np.ndarray, interpolation: int) -> np.ndarray:
    """The warped picture at eye-frame positions (s, t), float32.

    Looks the positions up in the warp's maps and samples the source there, so the result is
    resampled once from the source.
    """
    x, y = (v.astype(np.float32) for v in eye.position(s, t))
    map_x = cv2.remap(maps[0], x, y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    map_y = cv2.remap(maps[1], x, y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return cv2.remap(source, map_x, map_y, interpolation,
                     borderMode=cv2.BORDER_REFLECT).astype(np.float32)


def _patch_box(upper: np.ndarray, lower: np.ndarray, down: np.ndarray, shape: LidShape,
               size: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    """The pixels the lid can touch: from the stretch top to just under the lower lid."""
    points = np.vstack([upper - down * (shape.lid_top + PATCH_MARGIN_PX),
                        lower + down * (PATCH_MARGIN_PX + 1)])
    height, width = size[:2]
    x0, y0 = np.maximum(np.floor(points.min(axis=0)).astype(int) - PATCH_MARGIN_PX, 0)
    x1, y1 = np.minimum(np.ceil(points.max(axis=0)).astype(int) + PATCH_MARGIN_PX + 1,
                        (width, height))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return int(x0), int(y0), int(x1), int(y1)
