"""Detail restoration for the warped face: the `enhance` setting (`--no-enhance` turns it off).

Resampling an image at fractional positions blurs it: how much depends on the fraction. At a
whole-pixel offset a pixel is copied; at a half-pixel offset the interpolation kernel
averages neighbours the most. As the head moves, that phase drifts across the face from frame
to frame, so an untreated warp looks softer than the portrait and its sharpness shimmers.
With `enhance` on, three steps keep the face as sharp as the source, without neural weights:

1. Resampling from a supersampled source: once per job the region is upsampled twice over
   (its own pixels kept at even positions, Lanczos half-pixel samples between them), and each
   frame samples that bilinearly. This keeps more texture than bicubic resampling of the
   source (0.1-0.8 dB PSNR higher at every quarter-pixel offset, on the portraits of
   ../shared/data against exactly shifted downscales) at a third to half of its cost, and a
   position on a source pixel still returns that pixel exactly.
2. Phase-matched sharpening: an unsharp mask whose strength at each pixel follows the blur the
   resampling caused there, which depends on the fractional part of the sampling position on
   each axis: none where a pixel was copied (so still pixels stay bit-exact and nothing is
   sharpened twice), most about a third of a pixel off (between a source pixel and a
   half-pixel sample, bilinearly). Both are calibrated once per portrait: the face is
   resampled at offsets from 0 to half a pixel and the share of its sharpness (variance of
   the Laplacian) each loses sets the strength's profile; at the worst offset, the amount
   that brings the sharpness back to the source's own is found by bisection. A soft painting
   gets little sharpening, a crisp photo more: matched, not fixed.
3. Colour matching of the synthesized mouth interior to the portrait: teeth in the colour of
   its eye whites, and the portrait's own grain (`Enhancer.grain`) on the paint; see
   mouth.py. Without `enhance` the paint keeps its plain colours and no grain.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from . import quality

UNSHARP_SIGMA = 0.8  # px: the detail band that interpolation removes (one to two pixels)
MAX_AMOUNT = 3.0  # bisection bound for the unsharp amount at the worst offset
BISECTION_STEPS = 12
SHARPEN_MARGIN = 0.25  # the sharpened box: the face's landmark box grown by 25% each way
FIXED_ONE = 256  # fixed-point scale of the per-pixel sharpening amount
SUPERSAMPLING = 2  # with enhance on, the warp samples the source upsampled this many times over
SUB_PIXEL = 1 << cv2.INTER_BITS  # cv2.remap's positions between two pixels (32)
PHASES_MEASURED_EVERY = 2  # calibration: sharpness measured every 2/32 px from 0 to 1/2
GRAIN_SIGMA = 1.0  # px: fine grain is what a Gaussian of this size removes from flat skin


@dataclass(frozen=True)
class Enhancer:
    """Per-portrait detail restoration settings."""

    interpolation: int  # cv2 interpolation for sampling the source itself (the eyelids)
    amount: float  # unsharp strength at the blurriest offset on both axes (0: off)
    grain: float  # the source's fine-grain level (grey levels, std): painted areas match it
    box: tuple[int, int, int, int]  # x0, y0, x1, y1: where to sharpen (the face and around it)
    supersampling: int = 1  # how many times over the image the warp samples is upsampled
    # per axis, the share of `amount` at each of cv2.remap's sub-pixel positions (1/32 px)
    phase_weights: tuple[float, ...] = ()


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
    sampled = supersampled(patch)
    plain = Enhancer(cv2.INTER_CUBIC, 0.0, grain, box, SUPERSAMPLING)
    ys, xs = np.mgrid[0:patch.shape[0], 0:patch.shape[1]].astype(np.float32)

    def shifted_by(offset: float) -> np.ndarray:
        step = np.float32(offset)
        return resample(sampled, xs + step, ys + step, plain)[0]

    # The share of its sharpness the face loses, resampled at each offset up to half a pixel
    # (the rest mirror these), sets the sharpening at each offset: in proportion to its
    # square root, which leaves rendered faces as sharp as the old bicubic resampling did
    # (in proportion to the loss itself they came out 3-5% softer).
    offsets = np.arange(0, SUB_PIXEL // 2 + 1, PHASES_MEASURED_EVERY) / SUB_PIXEL
    loss = np.array([max(1 - quality.sharpness(shifted_by(f)) / target, 0) for f in offsets])
    if loss.max() <= 0:
        return plain
    positions = np.arange(SUB_PIXEL) / SUB_PIXEL
    weights = np.interp(np.minimum(positions, 1 - positions), offsets, np.sqrt(loss / loss.max()))
    phase_weights = tuple(float(w) for w in weights)
    worst = shifted_by(float(offsets[np.argmax(loss)]))

    def sharpness_with(amount: float) -> float:
        fixed = np.full(worst.shape[:2], round(amount * FIXED_ONE), np.int16)
        return quality.sharpness(_unsharp(worst, fixed))

    lo, hi = 0.0, MAX_AMOUNT
    if sharpness_with(hi) < target:
        return Enhancer(cv2.INTER_CUBIC, hi, grain, box, SUPERSAMPLING, phase_weights)
    for _ in range(BISECTION_STEPS):
        mid = (lo + hi) / 2
        if sharpness_with(mid) < target:
            lo = mid
        else:
            hi = mid
    return Enhancer(cv2.INTER_CUBIC, (lo + hi) / 2, grain, box, SUPERSAMPLING, phase_weights)


def sampled_image(image: np.ndarray, enhancer: Enhancer) -> np.ndarray:
    """What the warp samples for `image` (the region, or its matte): the image itself, or
    its supersampled version."""
    return supersampled(image) if enhancer.supersampling != 1 else image


def supersampled(image: np.ndarray) -> np.ndarray:
    """`image` upsampled twice over: its own pixels at even positions, Lanczos samples half
    a pixel to the right, below, and both, between them."""
    height, width = image.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    result = np.empty((2 * height, 2 * width, *image.shape[2:]), image.dtype)
    result[::2, ::2] = image
    for dy, dx in ((0, 1), (1, 0), (1, 1)):
        result[dy::2, dx::2] = cv2.remap(image, xs + 0.5 * dx, ys + 0.5 * dy,
                                         cv2.INTER_LANCZOS4, borderMode=cv2.BORDER_REFLECT)
    return result


def resample(sampled: np.ndarray, map_x: np.ndarray, map_y: np.ndarray, enhancer: Enhancer
             ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Sample `sampled` (from `sampled_image`) bilinearly at the source positions `map_x,
    map_y`; also return the fixed-point maps used (cv2.convertMaps, CV_16SC2: 1/32 pixel,
    twice as fast to apply as float maps), whose second holds each pixel's sub-pixel position
    (for `restore`), and which resample a matte from `sampled_image` the same way."""
    scale = enhancer.supersampling
    if scale != 1:
        map_x, map_y = map_x * scale, map_y * scale
    maps = cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)
    return cv2.remap(sampled, *maps, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT), maps


def restore(region: np.ndarray, map_x: np.ndarray, map_y: np.ndarray, enhancer: Enhancer
            ) -> None:
    """Sharpen `region` in place where the warp resampled it, at the source positions
    `map_x, map_y` (pixels)."""
    if enhancer.amount <= 0:
        return
    x0, y0, x1, y1 = enhancer.box
    box = np.s_[y0:y1, x0:x1]
    # the sub-pixel part of each source position, in cv2.remap's steps (the supersampled grid's
    # own maps, from `resample`, split positions differently)
    _, phases = cv2.convertMaps(map_x[box], map_y[box], cv2.CV_16SC2)
    amounts = _fixed_amounts(enhancer.amount, enhancer.phase_weights).take(np.asarray(phases))
    region[box] = _unsharp(region[box], amounts)


@lru_cache(maxsize=4)
def _fixed_amounts(amount: float, phase_weights: tuple[float, ...]) -> np.ndarray:
    """The sharpening amount (in 1/FIXED_ONE) at each of cv2.remap's sub-pixel positions,
    indexed as its tables are (y fraction * SUB_PIXEL + x fraction, in 1/SUB_PIXEL steps).
    The weights are 1 at the blurriest offset, where `amount` was calibrated on both axes."""
    weight = np.asarray(phase_weights)
    table = (weight[:, None] + weight[None, :]) * (amount / 2)
    return np.round(table * FIXED_ONE).astype(np.int16).ravel()


def source_grain(source: np.ndarray, face: np.ndarray) -> float:
    """The portrait's fine grain on the face: robust std of what a small blur removes."""
    luma = quality.gray(source).astype(np.float32)
    detail = luma - cv2.GaussianBlur(luma, (0, 0), GRAIN_SIGMA)
    values = detail[face] if face.any() else detail.ravel()
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


def _unsharp(image: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """image + amount * (image - blurred image), with a per-pixel amount given in 1/FIXED_ONE
    steps (int16); uint8 in and out.

    In 16-bit fixed point with OpenCV's saturating arithmetic: a few times faster than
    floating point, and a pixel with amount 0 is returned unchanged.
    """
    soft = cv2.GaussianBlur(image, (0, 0), UNSHARP_SIGMA)
    detail = cv2.subtract(image, soft, dtype=cv2.CV_16S)
    boost = cv2.multiply(detail, cv2.merge([fixed, fixed, fixed]), scale=1 / FIXED_ONE,
                         dtype=cv2.CV_16S)
    return cv2.add(image, boost, dtype=cv2.CV_8U)


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not rows.size:
        return 0, 0, mask.shape[1], mask.shape[0]
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1
