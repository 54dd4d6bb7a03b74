"""Where the networks look: the 3DMM net's aligned 224 x 224 face, and the renderer's square.

Both are placed from our 68 landmarks, so no second face detector is needed. The
3DMM input is scaled and shifted (never rotated: a tilted head must reach the network
tilted, so that it reads the roll) to put five points (eye centres, nose tip, mouth
corners) onto a fixed layout in the least-squares sense, as the original's
preprocessing does with its own template; the renderer's square is the whole canvas for
`crop`/`resize` (the canvas already is the network's square), and otherwise a
square around the head that is pasted back with a feathered edge.
"""

from __future__ import annotations

from typing import Final

import cv2
import numpy as np

from ...face.landmarks import FaceGeometry

RECON_SIDE: Final = 224
# Where the five points go in the 224 x 224 input (pixels): right eye, left eye (image left
# and right), nose tip, mouth corners. A frontal layout with the face filling the square.
RECON_TEMPLATE: Final = np.array([[80.0, 100.0], [144.0, 100.0], [112.0, 134.0],
                                  [86.0, 164.0], [138.0, 164.0]])
NOSE_TIP, MOUTH_RIGHT, MOUTH_LEFT = 30, 48, 54
SQUARE_SIDE_IOD: Final = 3.6  # renderer square side, in inter-ocular distances
SQUARE_CENTRE_BELOW_EYES_IOD: Final = 0.6
FEATHER_SHARE: Final = 0.08  # of the square's side: the paste fades in over this width


def five_points(face: FaceGeometry) -> np.ndarray:
    right_eye, left_eye = face.eye_centers
    p = face.points
    return np.array([right_eye, left_eye, p[NOSE_TIP], p[MOUTH_RIGHT], p[MOUTH_LEFT]])


def recon_alignment(face: FaceGeometry) -> np.ndarray:
    """2 x 3 matrix (scale and shift only) from canvas pixels to the 3DMM net's input."""
    points = five_points(face)
    centred, template = points - points.mean(0), RECON_TEMPLATE - RECON_TEMPLATE.mean(0)
    scale = float((centred * template).sum() / max((centred ** 2).sum(), 1e-9))
    shift = RECON_TEMPLATE.mean(0) - scale * points.mean(0)
    return np.array([[scale, 0.0, shift[0]], [0.0, scale, shift[1]]])


def recon_input(canvas: np.ndarray, face: FaceGeometry) -> tuple[np.ndarray, np.ndarray]:
    """The aligned face (224 x 224 x 3 uint8) and its crop parameters (scale, x, y).

    The crop parameters tell the `full` mode's mapping where the face sat: the
    alignment's scale and the canvas position of the input's centre.
    """
    matrix = recon_alignment(face)
    aligned = cv2.warpAffine(canvas, matrix, (RECON_SIDE, RECON_SIDE), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_REPLICATE)
    scale = float(matrix[0, 0])
    centre = cv2.invertAffineTransform(matrix) @ np.array([RECON_SIDE / 2, RECON_SIDE / 2, 1.0])
    return aligned, np.array([scale, centre[0], centre[1]], dtype=np.float32)


def renderer_square(canvas_shape: tuple[int, ...], face: FaceGeometry,
                    roi: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The canvas square the renderer redraws: all of a square canvas animated whole."""
    height, width = canvas_shape[:2]
    if height == width and tuple(roi) == (0, 0, width, height):
        return (0, 0, width, height)
    right_eye, left_eye = face.eye_centers
    centre = (right_eye + left_eye) / 2 + [0, SQUARE_CENTRE_BELOW_EYES_IOD * face.interocular]
    side = int(min(round(SQUARE_SIDE_IOD * face.interocular), width, height))
    x0 = int(np.clip(round(centre[0] - side / 2), 0, width - side))
    y0 = int(np.clip(round(centre[1] - side / 2), 0, height - side))
    return (x0, y0, x0 + side, y0 + side)


def paste_mask(side: int, whole_canvas: bool) -> np.ndarray:
    """(side, side, 1) float32 weights: 1 inside, fading to 0 at the edge (none if whole)."""
    if whole_canvas:
        return np.ones((side, side, 1), np.float32)
    ramp = np.minimum(np.arange(side) + 0.5, side - np.arange(side) - 0.5)
    ramp = np.clip(ramp / max(FEATHER_SHARE * side, 1.0), 0, 1)
    return np.minimum(ramp[:, None], ramp[None, :])[..., None].astype(np.float32)


def paste(canvas: np.ndarray, drawn: np.ndarray, square: tuple[int, int, int, int],
          mask: np.ndarray) -> np.ndarray:
    """The canvas with `drawn` (the renderer's RGB uint8 output) blended into `square`."""
    x0, y0, x1, y1 = square
    side = x1 - x0
    if drawn.shape[0] != side:
        drawn = cv2.resize(drawn, (side, side), interpolation=cv2.INTER_AREA
                           if drawn.shape[0] > side else cv2.INTER_CUBIC)
    frame = canvas.copy()
    region = frame[y0:y1, x0:x1].astype(np.float32)
    frame[y0:y1, x0:x1] = (drawn * mask + region * (1 - mask) + 0.5).astype(np.uint8)
    return frame
