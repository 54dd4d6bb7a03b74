"""Where the face sits in the output: the three preprocess modes of the original tool.

- `crop`: a square around the face (hair and some shoulder included), rendered at
  `size` x `size`.
- `resize`: the whole picture scaled to `size` x `size`, as the original tool does
  for ID-style photos (aspect ratio is not kept).
- `full`: the picture at its own dimensions, rounded down to even (H.264 4:2:0
  needs even sides); only a region around the head (`roi`) is animated and
  everything outside it is the source, pixel for pixel.
- `frame` (with `--aspect` or `--resolution`): an output of exactly the asked
  size, framed around the face by one rule (`frame_rule`): the eyes centred
  across and one third down, the face (brows to chin) a set share of the
  height by `--framing` (head 50%, shoulders 32%, chest 22%). Where that window
  leaves the picture, it slides back inside if the picture is big enough that
  way; where the picture cannot fill it, `--pad` fills the rest (a blurred
  copy, the edge pixels, or a colour). Default size for an aspect alone: 720
  pixels on the short side.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..media.compose import colour_of, fitted_backdrop
from ..settings import ASPECTS, RenderSettings
from .landmarks import FaceGeometry

CROP_SIDE_IN_IOD = 4.2  # crop square side, in inter-ocular distances: face plus hair and chin
CROP_CENTER_BELOW_EYES_IOD = 0.55  # crop centre sits this far below the eye line (mouth side)
ROI_HALF_WIDTH_IOD = 1.9  # `full` mode: animated region around the head, in inter-ocular distances
ROI_ABOVE_EYES_IOD = 1.9
ROI_BELOW_EYES_IOD = 2.6  # reaches the neck so that jaw motion has room to fade out
FACE_SHARE = {"head": 0.50, "shoulders": 0.32, "chest": 0.22}  # brows-to-chin / frame height
EYE_LINE_FROM_TOP = 1 / 3
DEFAULT_SHORT_SIDE = 720  # --aspect without --resolution: 1280x720, 720x1280, 720x720, 720x900
UPSCALE_WARNING = 2.0  # tell the user when the face is magnified more than this
PAD_BLUR_SHARE = 0.03  # blur radius of the padding, as a share of the frame's diagonal
PAD_FEATHER_SHARE = 0.015  # the picture fades into blurred padding over this share of the diagonal


Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels


@dataclass(frozen=True)
class FramedPortrait:
    """The portrait as the first output frame, and the face in it: what an engine animates."""

    canvas: np.ndarray  # H x W x 3 uint8
    face: FaceGeometry  # landmarks in canvas pixels
    roi: Box  # the animated region of the canvas; outside it every frame is the canvas
    matte: np.ndarray | None = None  # H x W uint8 alpha of the person, for a cut-out render


@dataclass(frozen=True)
class Framing:
    """How the source maps to the output canvas, and which part of the canvas moves."""

    mode: str
    source_rect: tuple[float, float, float, float]  # x0, y0, x1, y1 in source pixels (may overhang)
    canvas_size: tuple[int, int]  # width, height of every output frame
    roi: tuple[int, int, int, int]  # x0, y0, x1, y1 in canvas pixels: the animated region
    pad: str = "edge"  # how `frame` mode fills canvas pixels the source does not cover
    scale: float = 1.0  # canvas pixels per source pixel


def frame_rule(face: FaceGeometry, size: tuple[int, int], framing: str,
               image_size: tuple[int, int]) -> tuple[float, float, float]:
    """Where the face goes: (scale, left, top) of the source window, in source pixels.

    The documented framing rule, in one place; the tests measure outputs against it.
    """
    width, height = size
    right_eye, left_eye = face.eye_centers
    eyes = (right_eye + left_eye) / 2
    brows = face.points[17:27, 1].min()
    face_height = max(face.points[8, 1] - brows, 1.0)
    scale = FACE_SHARE[framing] * height / face_height
    window_w, window_h = width / scale, height / scale
    left = eyes[0] - window_w / 2
    top = eyes[1] - EYE_LINE_FROM_TOP * window_h
    image_w, image_h = image_size
    left = _slide_inside(left, window_w, image_w)
    top = _slide_inside(top, window_h, image_h)
    return scale, left, top


def _slide_inside(start: float, length: float, limit: float) -> float:
    """Move a window back inside [0, limit] when it fits; a larger one keeps its place."""
    if length > limit:
        return start
    return min(max(start, 0.0), limit - length)


def frame_size(settings: RenderSettings) -> tuple[int, int]:
    if settings.resolution is not None:
        return settings.resolution
    ratio = ASPECTS[settings.aspect]
    if ratio is None:  # --aspect source: the frame is the portrait's own, never chosen
        raise ValueError("frame_size needs --aspect or --resolution")
    if ratio >= 1:
        return _even(DEFAULT_SHORT_SIDE * ratio), DEFAULT_SHORT_SIDE
    return DEFAULT_SHORT_SIDE, _even(DEFAULT_SHORT_SIDE / ratio)


def _even(value: float) -> int:
    return int(round(value / 2) * 2)


def plan_framing(image_size: tuple[int, int], face: FaceGeometry,
                 settings: RenderSettings) -> Framing:
    """Pick the source region, output size and animated region for a preprocess mode."""
    width, height = image_size
    if settings.frames_the_face:
        size = frame_size(settings)
        scale, left, top = frame_rule(face, size, settings.framing, image_size)
        rect = (left, top, left + size[0] / scale, top + size[1] / scale)
        canvas_face = face.transformed(scale, scale, -left * scale, -top * scale)
        return Framing("frame", rect, size, _head_region(canvas_face, *size), settings.pad,
                       scale)
    if settings.preprocess == "crop":
        rect = _face_square(face, width, height)
        side = settings.size
        return Framing("crop", rect, (side, side), (0, 0, side, side),
                       scale=side / (rect[2] - rect[0]))
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
    if framing.mode == "frame":
        return _framed(pixels, face, framing)
    x0, y0, x1, y1 = (int(v) for v in framing.source_rect)  # whole pixels outside frame mode
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


def _framed(pixels: np.ndarray, face: FaceGeometry,
            framing: Framing) -> tuple[np.ndarray, FaceGeometry]:
    """Scale and place the source by the frame rule; pad what it does not cover."""
    width, height = framing.canvas_size
    scale = framing.scale
    left, top = framing.source_rect[:2]
    to_canvas = np.array([[scale, 0, -left * scale], [0, scale, -top * scale]])
    if scale < 1:  # shrink with area averaging first: warpAffine alone would alias
        small = cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        pixels = small
        to_canvas = np.array([[1.0, 0, -left * scale], [0, 1.0, -top * scale]])
    canvas = _warp(pixels, to_canvas, (width, height), framing.pad)
    if framing.pad == "blur":
        covered = cv2.warpAffine(np.ones(pixels.shape[:2], np.float32), to_canvas,
                                 (width, height), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        if covered.min() < 1:
            background = _blurred_cover(pixels, (width, height))
            alpha = _feathered(covered, PAD_FEATHER_SHARE * float(np.hypot(width, height)))
            alpha = alpha[..., None]
            canvas = (canvas * alpha + background * (1 - alpha) + 0.5).astype(np.uint8)
    return canvas, face.transformed(scale, scale, -left * scale, -top * scale)


def _warp(pixels: np.ndarray, matrix: np.ndarray, size: tuple[int, int], pad: str) -> np.ndarray:
    if pad.startswith("color:"):
        return cv2.warpAffine(pixels, matrix, size, flags=cv2.INTER_CUBIC,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=colour_of(pad))
    return cv2.warpAffine(pixels, matrix, size, flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REPLICATE)


def _feathered(covered: np.ndarray, width_px: float) -> np.ndarray:
    """1 well inside the picture, falling to 0 at its edge over `width_px`: no hard seam."""
    inside = (covered > 0.999).astype(np.uint8)
    distance = cv2.distanceTransform(inside, cv2.DIST_L2, 3)
    return np.clip(distance / max(width_px, 1.0), 0, 1).astype(np.float32)


def _blurred_cover(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The picture scaled to cover the whole frame and blurred: a quiet backdrop for padding."""
    width, height = size
    crop = fitted_backdrop(pixels, size, cv2.INTER_AREA)  # area: the blur hides the rest
    sigma = PAD_BLUR_SHARE * float(np.hypot(width, height))
    return cv2.GaussianBlur(crop, (0, 0), sigma).astype(np.float32)


def source_scale(framing: Framing) -> float:
    """Canvas pixels per source pixel (the larger of the two axes where they differ)."""
    if framing.mode in ("frame", "crop"):
        return framing.scale
    x0, y0, x1, y1 = framing.source_rect
    width, height = framing.canvas_size
    return max(width / (x1 - x0), height / (y1 - y0))


def frame_matte(matte: np.ndarray, framing: Framing, matte_scale: float = 1.0) -> np.ndarray:
    """A matte of the source picture (float32 H x W, made at `matte_scale` of its size),
    framed like the picture by `apply_framing`: canvas-sized, 0 (transparent) where the
    picture does not reach."""
    width, height = framing.canvas_size
    if framing.mode == "frame":  # canvas x = scale * (source x - left)
        left, top = framing.source_rect[:2]
        scale_x = scale_y = framing.scale
        shift_x, shift_y = left, top
    else:  # a cv2.resize of the source rectangle: pixel centres map onto pixel centres
        x0, y0, x1, y1 = (int(v) for v in framing.source_rect)
        scale_x, scale_y = width / (x1 - x0), height / (y1 - y0)
        shift_x, shift_y = 0.5 / scale_x - 0.5 + x0, 0.5 / scale_y - 0.5 + y0
    # canvas -> source -> matte pixels (a matte pixel's centre is matte_scale source pixels wide)
    to_matte = np.array([
        [matte_scale / scale_x, 0, matte_scale * (shift_x + 0.5) - 0.5],
        [0, matte_scale / scale_y, matte_scale * (shift_y + 0.5) - 0.5]])
    return cv2.warpAffine(matte.astype(np.float32), to_matte, (width, height),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
