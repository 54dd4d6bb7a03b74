"""Where a portrait's lips really end: the inner lip line, checked against the picture.

On a mouth slightly open over its teeth, the landmark detector often puts the inner lip line
on the teeth (the upper inner points at the teeth's tips), so that by the landmarks the lips
touch and the teeth belong to the lips. Sealing such a mouth then closes nothing: the teeth
stay between the lips. So before the rig is built, each inner lip point of the three middle
columns walks outwards (towards its outer lip point) over teeth: pixels clearly paler (less
saturated) than the lips and not darker. It stops at the first lip pixel; it never walks past
`MAX_WALK` of the lip's thickness, so a lip's gloss cannot pull it far. Closed lips (a dark
crease between them) and an inner line already on the lip edge are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from ...face.landmarks import FaceGeometry

# (inner, outer) landmark pairs of the middle columns: upper lip, then lower lip.
LIP_COLUMNS = ((61, 50), (62, 51), (63, 52), (67, 58), (66, 57), (65, 56))
MAX_WALK = 0.6  # share of the inner-to-outer distance an inner point may move
TEETH_SATURATION = 0.75  # teeth: saturation below this share of the lips' ...
TEETH_BRIGHTNESS = 0.85  # ... and brightness above this share of the lips'
TEETH_SHOWING = 0.12  # a mouth shows its teeth when this share of its opening looks like them
# (a smile with teeth: about half; teeth half hidden in shadow: 0.2; a dark gap: none)
MIN_TEETH_PIXELS = 6
DARK_BRIGHTNESS = 0.5  # the dark of the mouth: pixels darker than this share of the lips
DARK_OPENING = 0.2  # an opening is dark when this share of it is: on HDTF frames, a jaw
# dropped mid-word 0.25-0.7 (teeth apart over the dark), teeth together in a smile 0.02-0.16
STEP_PX = 0.5
MIN_MOVE_PX = 1.0  # smaller corrections are the detector's noise: left alone
BLUR_SIGMA_PX = 0.7  # the picture is smoothed a little so that grain does not stop the walk


def refine_inner_lips(image: np.ndarray, face: FaceGeometry) -> FaceGeometry:
    """`face` with its inner lip points moved off any teeth onto the lips' edges."""
    soft = cv2.GaussianBlur(image, (0, 0), BLUR_SIGMA_PX).astype(np.float32)
    points = face.points.astype(np.float64).copy()
    lip_saturation, lip_brightness = _lip_reference(soft, points)
    moved = False
    for inner, outer in LIP_COLUMNS:
        walk = _teeth_run(soft, points[inner], points[outer], lip_saturation, lip_brightness)
        if walk >= MIN_MOVE_PX:
            direction = points[outer] - points[inner]
            points[inner] += direction / np.linalg.norm(direction) * walk
            moved = True
    return replace(face, points=points) if moved else face


def shows_teeth(image: np.ndarray, face: FaceGeometry) -> bool:
    """Whether the portrait shows its own teeth between its inner lips (a smile), rather
    than lips that touch or part over a dark gap (then the renderer paints teeth)."""
    opening = _opening(image, face)
    return opening is not None and bool(opening.teeth.mean() >= TEETH_SHOWING)


def opening_is_dark(image: np.ndarray, face: FaceGeometry) -> bool:
    """Whether what shows between the portrait's inner lips is mostly the dark of the mouth:
    a jaw dropped mid-word, not teeth held together in a smile."""
    opening = _opening(image, face)
    return opening is not None and bool(opening.dark.mean() >= DARK_OPENING)


@dataclass(frozen=True)
class _Opening:
    teeth: np.ndarray  # per pixel between the inner lips: looks like teeth
    dark: np.ndarray  # ... is the dark of the mouth


def _opening(image: np.ndarray, face: FaceGeometry) -> _Opening | None:
    """The pixels between the inner lips, told apart; None where there are too few."""
    inner = np.round(face.points[60:68]).astype(np.int32)
    mask = cv2.fillPoly(np.zeros(image.shape[:2], np.uint8), [inner], 1) > 0
    if mask.sum() < MIN_TEETH_PIXELS:
        return None
    soft = cv2.GaussianBlur(image, (0, 0), BLUR_SIGMA_PX).astype(np.float32)
    lip_saturation, lip_brightness = _lip_reference(soft, face.points.astype(np.float64))
    saturation, brightness = _saturation_brightness(soft[mask])
    teeth = ((saturation < TEETH_SATURATION * lip_saturation)
             & (brightness > TEETH_BRIGHTNESS * lip_brightness))
    return _Opening(teeth, brightness < DARK_BRIGHTNESS * lip_brightness)


def _lip_reference(soft: np.ndarray, points: np.ndarray) -> tuple[float, float]:
    """Median saturation and brightness of the lips' outer halves (away from any teeth)."""
    samples = []
    for inner, outer in LIP_COLUMNS:
        for share in np.linspace(0.55, 0.85, 4):
            samples.append(_sample(soft, points[inner] + share * (points[outer] - points[inner])))
    saturation, brightness = _saturation_brightness(np.array(samples))
    return float(np.median(saturation)), float(np.median(brightness))


def _teeth_run(soft: np.ndarray, start: np.ndarray, end: np.ndarray, lip_saturation: float,
               lip_brightness: float) -> float:
    """Pixels from `start` towards `end` that look like teeth, before the first lip pixel."""
    length = float(np.linalg.norm(end - start))
    if length < 2 * STEP_PX:
        return 0.0
    steps = np.arange(0.0, MAX_WALK * length, STEP_PX)
    colours = np.array([_sample(soft, start + (end - start) * s / length) for s in steps])
    saturation, brightness = _saturation_brightness(colours)
    teeth = ((saturation < TEETH_SATURATION * lip_saturation)
             & (brightness > TEETH_BRIGHTNESS * lip_brightness))
    if not teeth[0]:
        return 0.0
    first_lip = int(np.argmin(teeth)) if not teeth.all() else len(teeth)
    if first_lip == len(teeth):
        return 0.0  # teeth all the way: not a lip edge this can find
    return float(steps[first_lip])


def _saturation_brightness(colours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    high, low = colours.max(axis=1), colours.min(axis=1)
    return (high - low) / np.maximum(high, 1.0), colours.mean(axis=1)


def _sample(image: np.ndarray, point: np.ndarray) -> np.ndarray:
    """The colour at a sub-pixel point (bilinear), clamped to the image."""
    height, width = image.shape[:2]
    x = float(np.clip(point[0], 0, width - 1.001))
    y = float(np.clip(point[1], 0, height - 1.001))
    x0, y0 = int(x), int(y)
    fx, fy = x - x0, y - y0
    top = image[y0, x0] * (1 - fx) + image[y0, x0 + 1] * fx
    bottom = image[y0 + 1, x0] * (1 - fx) + image[y0 + 1, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy
