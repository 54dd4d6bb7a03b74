"""Image measures that judge a render the way a viewer does: fidelity, blinks, sway.

The realism tests and `benchmarks/realism.py` use them on decoded output frames, with
landmarks found afresh in every frame, so they measure what is on screen, not the motion plan.
`sharpness` is the renderer's own measure (its enhancement matches the source's detail),
re-exported here for the realism figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from talkinghead.engines.warp.quality import gray
from talkinghead.engines.warp.quality import sharpness as sharpness
from talkinghead.errors import NoFaceError
from talkinghead.face.landmarks import detect_face

# Eye aspect ratio (Soukupova and Cech 2016): lid-to-lid height over corner-to-corner width.
EYE_POINTS = ((36, 37, 38, 39, 40, 41), (42, 43, 44, 45, 46, 47))
EYE_CORNERS = (36, 39, 42, 45)
# A blink: the eye aspect ratio dips at least 15% below its median (open) value and at least
# 4 noise deviations. Landmark detectors rarely put the lids of a shut eye together (dlib's
# ratio falls from ~0.33 to ~0.25 on some faces), so a fixed "shut" level would miss blinks.
BLINK_MIN_DEPTH = 0.15
BLINK_NOISE_SIGMAS = 4.0
BLINK_MERGE_FRAMES = 2  # dips this close together are one blink seen through detector noise

SSIM_SIGMA = 1.5  # px, the Gaussian window of Wang et al. (2004)
SSIM_C1 = (0.01 * 255) ** 2
SSIM_C2 = (0.03 * 255) ** 2


def psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Peak signal-to-noise ratio in dB of `a` against `b` (uint8), over `mask`."""
    diff = a.astype(np.float64) - b.astype(np.float64)
    if mask is not None:
        diff = diff[mask]
    mse = float(np.mean(diff**2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity of two images of the same size, on their grey levels."""
    x, y = gray(a).astype(np.float64), gray(b).astype(np.float64)

    def blur(z):
        return cv2.GaussianBlur(z, (0, 0), SSIM_SIGMA)

    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    index = ((2 * mx * my + SSIM_C1) * (2 * cxy + SSIM_C2)
             / ((mx * mx + my * my + SSIM_C1) * (vx + vy + SSIM_C2)))
    return float(index.mean())


def eye_aspect_ratio(points: np.ndarray) -> float:
    """Mean eye aspect ratio of both eyes of a 68-point face: about 0.25-0.35 open, < 0.1 shut."""
    ratios = []
    for p0, p1, p2, p3, p4, p5 in EYE_POINTS:
        height = np.linalg.norm(points[p1] - points[p5]) + np.linalg.norm(points[p2] - points[p4])
        ratios.append(height / (2 * np.linalg.norm(points[p0] - points[p3])))
    return float(np.mean(ratios))


def blink_runs(ear: np.ndarray) -> list[tuple[int, int]]:
    """(first, last + 1) frames of each blink: dips of the eye aspect ratio below its open level.

    Frames without a face (NaN) count as open. Nearby dips merge, so a detector that loses
    the closing lid for one frame in the middle of a blink still counts one blink.
    """
    ear = np.asarray(ear, dtype=np.float64)
    open_level = np.nanmedian(ear)
    noise = 1.4826 * np.nanmedian(np.abs(ear - open_level))  # robust std: blinks are outliers
    threshold = min((1 - BLINK_MIN_DEPTH) * open_level, open_level - BLINK_NOISE_SIGMAS * noise)
    shut = np.nan_to_num(ear, nan=open_level) < threshold
    edges = np.flatnonzero(np.diff(np.concatenate([[0], shut.astype(int), [0]])))
    runs = list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))
    merged: list[tuple[int, int]] = []
    for start, stop in runs:
        if merged and start - merged[-1][1] <= BLINK_MERGE_FRAMES:
            merged[-1] = (merged[-1][0], stop)
        else:
            merged.append((start, stop))
    return merged


def head_position(points: np.ndarray) -> np.ndarray:
    """Where the head is: the mean of the four eye corners of a 68-point face.

    The corners sit on the skull; the eye centres (measure.face_positions) follow the lids
    and would count every blink as head motion.
    """
    return points[list(EYE_CORNERS)].mean(axis=0)


def position_spread(positions: np.ndarray) -> float:
    """Standard deviation of 2D positions (pixels) about their mean: sqrt(var x + var y)."""
    positions = np.asarray(positions, dtype=np.float64)
    positions = positions[~np.isnan(positions).any(axis=1)]
    return float(np.sqrt(positions.var(axis=0).sum()))


@dataclass(frozen=True)
class FaceTrack:
    """Per measured frame: head position (pixels) and eye aspect ratio; NaN where no face."""

    positions: np.ndarray  # (n, 2)
    ears: np.ndarray  # (n,)
    interocular: float  # of the first frame with a face

    @property
    def spread(self) -> float:
        """Head position spread as a share of the inter-ocular distance."""
        return position_spread(self.positions) / self.interocular


def track_faces(frames: Iterable[np.ndarray], step: int = 1) -> FaceTrack:
    """Find the face afresh in every `step`-th frame, as a viewer would see it."""
    positions, ears, iod = [], [], float("nan")
    for i, frame in enumerate(frames):
        if i % step:
            continue
        try:
            face = detect_face(frame)
        except NoFaceError:
            positions.append((np.nan, np.nan))
            ears.append(np.nan)
            continue
        positions.append(head_position(face.points))
        ears.append(eye_aspect_ratio(face.points))
        if np.isnan(iod):
            iod = face.interocular
    return FaceTrack(np.array(positions, dtype=np.float64).reshape(-1, 2), np.array(ears), iod)
