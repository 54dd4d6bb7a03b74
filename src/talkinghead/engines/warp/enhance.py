"""Detail restoration for the warped face: the `enhance` setting (`--no-enhance` turns it off).

Resampling an image at fractional positions blurs it: how much depends on the fraction. At a
whole-pixel offset a pixel is copied; at a half-pixel offset the interpolation kernel
averages neighbours the most. As the head moves, that phase drifts across the face from frame
to frame, so an untreated warp looks softer than the portrait and its sharpness shimmers.
With `enhance` on, three steps keep the face as sharp as the source, without neural weights:

1. Resampling: bicubic (4 x 4 neighbours) instead of bilinear, which keeps more texture.
2. Phase-matched sharpening: an unsharp mask whose strength at each pixel follows the blur the
   resampling caused there, `4 f (1 - f)` of the sampling position's fractional part `f` per
   axis: zero where a pixel was copied (so still pixels stay bit-exact and nothing is
   sharpened twice), strongest at half-pixel offsets. The strength at a half-pixel offset is
   calibrated once per portrait: the face is shifted by half a pixel, and the amount that
   brings its sharpness (variance of the Laplacian) back to the source's own is found by
   bisection. A soft painting gets little sharpening, a crisp photo more: matched, not fixed.
3. Colour matching of the synthesized mouth interior to the portrait: teeth in the colour of
   its eye whites, and the portrait's own grain (`Enhancer.grain`) on the paint; see
   mouth.py. Without `enhance` the paint keeps its plain colours and no grain.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from . import quality

UNSHARP_SIGMA = 0.8  # px: the detail band that interpolation removes (one to two pixels)
MAX_AMOUNT = 3.0  # bisection bound for the unsharp amount at a half-pixel offset
BISECTION_STEPS = 12
SHARPEN_MARGIN = 0.25  # the sharpened box: the face's landmark box grown by 25% each way
FIXED_ONE = 256  # fixed-point scale of the per-pixel sharpening amount
GRAIN_SIGMA = 1.0  # px: fine grain is what a Gaussian of this size removes from flat skin


@dataclass(frozen=True)
class Enhancer:
    """Per-portrait detail restoration settings."""

    interpolation: int  # cv2 interpolation for the warp
    amount: float  # unsharp strength at a half-pixel offset on both axes (0: off)
    grain: float  # the source's fine-grain level (grey levels, std): painted areas match it
    box: tuple[int, int, int, int]  # x0, y0, x1, y1: where to sharpen (the face and around it)


def calibrate(source: np.ndarray, face: np.ndarray, enhance: bool) -> Enhancer:
    """Restoration settings for `source` (the warped region, RGB) whose face covers `face`
    (bool mask); bilinear and no sharpening when `enhance` is off.

    Sharpening is confined to the face's box grown by `SHARPEN_MARGIN` of its size: the
    face is where viewers look, and the hair and background around it barely move.
    """
    grain = source_grain(source, face)
    x0, y0, x1, y1 = _box(face)
    grow_x, grow_y = round(SHARPEN_MARGIN * (x1 - x0)), round(SHARPEN_MARGIN * (y1 - y0))
    height, width = source.shape[:2]
    box = (max(x0 - grow_x, 0), max(y0 - grow_y, 0), min(x1 + grow_x, width),
           min(y1 + grow_y, height))
    if not enhance:
        return Enhancer(cv2.INTER_LINEAR, 0.0, grain, box)
    patch = source[y0:y1, x0:x1]
    target = quality.sharpness(patch)
    height, width = patch.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    shifted = cv2.remap(patch, xs + 0.5, ys + 0.5, cv2.INTER_CUBIC,
                        borderMode=cv2.BORDER_REFLECT)
    weight = np.ones((height, width), np.float32)
    lo, hi = 0.0, MAX_AMOUNT
    if quality.sharpness(_unsharp(shifted, weight * hi)) < target:
        return Enhancer(cv2.INTER_CUBIC, hi, grain, box)
    for _ in range(BISECTION_STEPS):
        mid = (lo + hi) / 2
        if quality.sharpness(_unsharp(shifted, weight * mid)) < target:
            lo = mid
        else:
            hi = mid
    return Enhancer(cv2.INTER_CUBIC, (lo + hi) / 2, grain, box)


def restore(region: np.ndarray, dx: np.ndarray, dy: np.ndarray, enhancer: Enhancer) -> None:
    """Sharpen `region` in place where the warp (displacements dx, dy) resampled it."""
    if enhancer.amount <= 0:
        return
    x0, y0, x1, y1 = enhancer.box
    # phase_weight sums to 2 at a half-pixel offset on both axes, where the calibration was made.
    weight = phase_weight(dx[y0:y1, x0:x1]) + phase_weight(dy[y0:y1, x0:x1])
    region[y0:y1, x0:x1] = _unsharp(region[y0:y1, x0:x1], weight * (enhancer.amount / 2))


def phase_weight(offset: np.ndarray) -> np.ndarray:
    """4 f (1 - f) of the fractional part f of an offset: 0 at whole pixels, 1 at halves."""
    frac = cv2.subtract(offset, np.floor(offset))
    # OpenCV takes a scalar operand; its stubs list arrays only
    return cv2.multiply(frac, cv2.subtract(1.0, frac), scale=4.0)  # type: ignore[call-overload]


def source_grain(source: np.ndarray, face: np.ndarray) -> float:
    """The portrait's fine grain on the face: robust std of what a small blur removes."""
    luma = quality.gray(source).astype(np.float32)
    detail = luma - cv2.GaussianBlur(luma, (0, 0), GRAIN_SIGMA)
    values = detail[face] if face.any() else detail.ravel()
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


def _unsharp(image: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """image + amount * (image - blurred image), with a per-pixel amount; uint8 in and out.

    In 16-bit fixed point (amount in 1/256 steps) with OpenCV's saturating arithmetic: a few
    times faster than floating point, and a pixel with amount 0 is returned unchanged.
    """
    soft = cv2.GaussianBlur(image, (0, 0), UNSHARP_SIGMA)
    detail = cv2.subtract(image, soft, dtype=cv2.CV_16S)
    fixed = np.round(amount * FIXED_ONE).astype(np.int16)
    boost = cv2.multiply(detail, cv2.merge([fixed, fixed, fixed]), scale=1 / FIXED_ONE,
                         dtype=cv2.CV_16S)
    return cv2.add(image, boost, dtype=cv2.CV_8U)


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not rows.size:
        return 0, 0, mask.shape[1], mask.shape[0]
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1
