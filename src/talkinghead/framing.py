"""Where the face sits in the output: the three preprocess modes of the original tool.

- `crop`: a square around the face (hair and some shoulder included), rendered at
  `size` x `size`.
- `resize`: the whole picture scaled to `size` x `size`, as the original tool does
  for ID-style photos (aspect ratio is not kept).
- `full`: the picture at its own dimensions, rounded down to even (H.264 4:2:0
  needs even sides); only a region around the head (`roi`) is animated and
  everything outside it is the source, pixel for pixel.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .face.landmarks import FaceGeometry
from .settings import RenderSettings

CROP_SIDE_IN_IOD = 4.2  # crop square side, in inter-ocular distances: face plus hair and chin
CROP_CENTER_BELOW_EYES_IOD = 0.55  # crop centre sits this far below the eye line (mouth side)
ROI_HALF_WIDTH_IOD = 1.9  # `full` mode: animated region around the head, in inter-ocular distances
ROI_ABOVE_EYES_IOD = 1.9
ROI_BELOW_EYES_IOD = 2.6  # reaches the neck so that jaw motion has room to fade out


@dataclass(frozen=True)
class Framing:
    """How the source maps to the output canvas, and which part of the canvas moves."""

    mode: str
    source_rect: tuple[int, int, int, int]  # x0, y0, x1, y1 in source pixels (may overhang)
    canvas_size: tuple[int, int]  # width, height of every output frame
    roi: tuple[int, int, int, int]  # x0, y0, x1, y1 in canvas pixels: the animated region


def plan_framing(image_size: tuple[int, int], face: FaceGeometry,
                 settings: RenderSettings) -> Framing:
    """Pick the source region, output size and animated region for a preprocess mode."""
    width, height = image_size
    if settings.preprocess == "crop":
        rect = _face_square(face, width, height)
        side = settings.size
        return Framing("crop", rect, (side, side), (0, 0, side, side))
    if settings.preprocess == "resize":
        side = settings.size
        return Framing("resize", (0, 0, width, height), (side, side), (0, 0, side, side))
    even_w, even_h = width - width % 2, height - height % 2
    return Framing("full", (0, 0, even_w, even_h), (even_w, even_h),
                   _head_region(face, even_w, even_h))


def _face_square(face: FaceGeometry, width: int, height: int) -> tuple[int, int, int, int]:
    """A square around the face, shifted (not shrunk) to stay inside the picture when it can."""
    right_eye, left_eye = face.eye_centers
    eye_mid = (right_eye + left_eye) / 2
    iod = face.interocular
    side = min(round(CROP_SIDE_IN_IOD * iod), width, height)
    cx, cy = eye_mid[0], eye_mid[1] + CROP_CENTER_BELOW_EYES_IOD * iod
    x0 = int(np.clip(round(cx - side / 2), 0, width - side))
    y0 = int(np.clip(round(cy - side / 2), 0, height - side))
    return (x0, y0, x0 + side, y0 + side)


def _head_region(face: FaceGeometry, width: int, height: int) -> tuple[int, int, int, int]:
    right_eye, left_eye = face.eye_centers
    eye_mid = (right_eye + left_eye) / 2
    iod = face.interocular
    x0 = max(0, int(eye_mid[0] - ROI_HALF_WIDTH_IOD * iod))
    x1 = min(width, int(np.ceil(eye_mid[0] + ROI_HALF_WIDTH_IOD * iod)))
    y0 = max(0, int(eye_mid[1] - ROI_ABOVE_EYES_IOD * iod))
    y1 = min(height, int(np.ceil(eye_mid[1] + ROI_BELOW_EYES_IOD * iod)))
    return (x0, y0, x1, y1)


def apply_framing(pixels: np.ndarray, face: FaceGeometry,
                  framing: Framing) -> tuple[np.ndarray, FaceGeometry]:
    """The first output frame (the canvas) and the face in canvas coordinates."""
    x0, y0, x1, y1 = framing.source_rect
    region = pixels[y0:y1, x0:x1]
    out_w, out_h = framing.canvas_size
    src_w, src_h = x1 - x0, y1 - y0
    if (src_w, src_h) == (out_w, out_h):
        canvas = np.ascontiguousarray(region)
    else:
        shrinking = out_w * out_h < src_w * src_h
        interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
        canvas = cv2.resize(region, (out_w, out_h), interpolation=interpolation)
    scale_x, scale_y = out_w / src_w, out_h / src_h
    return canvas, face.transformed(scale_x, scale_y, -x0 * scale_x, -y0 * scale_y)
