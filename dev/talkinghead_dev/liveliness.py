"""How alive a talking face looks, measured on decoded frames: brows, head, gaze, blinks, mouth.

The same probe measures a real talking clip and our render of its first frame with its own
voice, so that `benchmarks/liveliness.py` can print ours over real. Every figure comes from the
68 landmarks found afresh in each frame (the project's own detector), in units of the
inter-ocular distance (the eye centres), so faces of any size compare:

- brow height: the brows' mean height over the eye corners; its standard deviation;
- head position: the spread of the eye corners' midpoint (`quality.position_spread`);
- horizontal gaze: where the darkest part of each eye opening (iris and pupil) sits between
  its corners, as a share of the eye's width, averaged over both eyes; its standard deviation
  over the frames with open eyes;
- blinks a minute: dips of the eye aspect ratio (`quality.blink_runs`);
- mouth opening while speaking: the inner-lip gap's standard deviation over the frames whose
  sound is within SPEAKING_DB of the clip's loud frames, and its percentiles MOUTH_PERCENTILES
  there (how often the lips meet, how wide the widest vowels open: two spreads alike can
  differ in both).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from talkinghead.errors import NoFaceError
from talkinghead.events import NullSink
from talkinghead.face.landmarks import FaceGeometry, detect_face

from .measure import INNER_LIP_PAIRS
from .quality import (
    EYE_CORNERS,
    EYE_POINTS,
    blink_runs,
    eye_aspect_ratio,
    head_position,
    position_spread,
)

BROWS = tuple(range(17, 27))
DARKEST_SHARE = 0.3  # of an eye opening's pixels: the iris and pupil
OPEN_EYE_SHARE = 0.85  # frames whose eye aspect ratio is at least this share of the median
SPEAKING_DB = 20.0  # frames within this of the clip's loud frames (95th percentile) are speech
MOUTH_PERCENTILES = (10, 50, 90)


@dataclass(frozen=True)
class FaceFrame:
    """What the probe reads from one frame; NaN where no face was found."""

    brow: float
    position: tuple[float, float]
    gaze: float
    ear: float
    mouth: float
    interocular: float


@dataclass(frozen=True)
class Liveliness:
    """The figures of one video (see the module docstring)."""

    brow_std: float
    head_std: float
    gaze_std: float
    blinks_per_minute: float
    mouth_std_speaking: float
    mouth_percentiles_speaking: tuple[float, ...]  # at MOUTH_PERCENTILES


def probe_frame(frame: np.ndarray) -> FaceFrame:
    """The probe's reading of one RGB frame."""
    try:
        face = detect_face(frame, NullSink(notices_to_stderr=False))
    except NoFaceError:
        nan = float("nan")
        return FaceFrame(nan, (nan, nan), nan, nan, nan, nan)
    points, iod = face.points, face.interocular
    corners_y = points[list(EYE_CORNERS), 1].mean()
    brow = (corners_y - points[list(BROWS), 1].mean()) / iod
    mouth = np.mean([np.linalg.norm(points[lo] - points[up]) for up, lo in INNER_LIP_PAIRS]) / iod
    x, y = head_position(points)
    return FaceFrame(float(brow), (float(x), float(y)), gaze_of(frame, face),
                     eye_aspect_ratio(points), float(mouth), iod)


def gaze_of(frame: np.ndarray, face: FaceGeometry) -> float:
    """Horizontal gaze: where the darkest pixels (weighted by how dark) sit between each eye's
    corners (0 at the corner on the image's left, 1 at the other), averaged over both eyes."""
    gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    places = []
    for eye in EYE_POINTS:
        outline = face.points[list(eye)].astype(np.float32)
        x0, y0 = np.floor(outline.min(axis=0)).astype(int)
        x1, y1 = np.ceil(outline.max(axis=0)).astype(int) + 1
        if x1 - x0 < 4 or y1 - y0 < 2 or x0 < 0 or y0 < 0:
            continue
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(mask, [np.round(outline - (x0, y0)).astype(np.int32)], 1)
        inside = gray[y0:y1, x0:x1][mask > 0].astype(np.float64)
        if inside.size < 8:
            continue
        patch = gray[y0:y1, x0:x1].astype(np.float64)
        level = np.quantile(inside, DARKEST_SHARE)
        weight = np.where((patch <= level) & (mask > 0), level - patch + 1.0, 0.0)
        xs = np.arange(x0, x1, dtype=np.float64)
        centre = float((weight.sum(axis=0) * xs).sum() / weight.sum())
        left, right = sorted((outline[0, 0], outline[3, 0]))
        places.append((centre - left) / max(right - left, 1e-6))
    return float(np.mean(places)) if places else float("nan")


def liveliness(frames: Iterable[FaceFrame], loudness_db: np.ndarray, fps: float
               ) -> Liveliness:
    """The figures of a video from its probed frames and its sound's level per frame (dB)."""
    probed = list(frames)
    iod = np.nanmedian([f.interocular for f in probed])
    brows = np.array([f.brow for f in probed])
    positions = np.array([f.position for f in probed])
    ears = np.array([f.ear for f in probed])
    gaze = np.array([f.gaze for f in probed])
    mouth = np.array([f.mouth for f in probed])
    open_eyes = ears >= OPEN_EYE_SHARE * np.nanmedian(ears)
    n = min(len(mouth), len(loudness_db))
    speaking = np.asarray(loudness_db[:n]) >= np.percentile(loudness_db[:n], 95) - SPEAKING_DB
    minutes = len(probed) / fps / 60.0
    speaking_mouth = mouth[:n][speaking]
    return Liveliness(
        brow_std=float(np.nanstd(brows)),
        head_std=position_spread(positions) / iod,
        gaze_std=float(np.nanstd(gaze[open_eyes])),
        blinks_per_minute=len(blink_runs(ears)) / minutes,
        mouth_std_speaking=float(np.nanstd(speaking_mouth)),
        mouth_percentiles_speaking=tuple(
            float(v) for v in np.nanpercentile(speaking_mouth, MOUTH_PERCENTILES)),
    )


def frame_loudness_db(samples: np.ndarray, rate: int, fps: float, frames: int) -> np.ndarray:
    """The sound's RMS level (dB) over each video frame's span."""
    x = np.asarray(samples, dtype=np.float64).reshape(-1)
    edges = np.round(np.arange(frames + 1) * rate / fps).astype(int)
    levels = [np.sqrt(np.mean(x[a:b] ** 2)) if b > a else 0.0
              for a, b in zip(edges[:-1], np.minimum(edges[1:], len(x)), strict=True)]
    return 20 * np.log10(np.asarray(levels) + 1e-9)
