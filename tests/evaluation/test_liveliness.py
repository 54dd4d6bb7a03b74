"""The liveliness probe (dev/talkinghead_dev/liveliness.py) that benchmarks/liveliness.py uses."""

from __future__ import annotations

import numpy as np
import pytest

from talkinghead.face.landmarks import FaceGeometry
from talkinghead_dev.liveliness import FaceFrame, frame_loudness_db, gaze_of, liveliness

FPS = 25


def _frames(brow, ear, mouth, x=None):
    n = len(brow)
    x = np.zeros(n) if x is None else x
    return [FaceFrame(float(brow[i]), (100.0 + x[i], 80.0), 0.5, float(ear[i]),
                      float(mouth[i]), 50.0) for i in range(n)]


def test_figures_follow_what_moves():
    n = 300  # 12 s
    t = np.arange(n) / FPS
    brow = 0.3 + 0.02 * np.sin(2 * np.pi * t)
    ear = np.full(n, 0.3)
    for start in (40, 140, 240):  # three blinks
        ear[start:start + 3] = 0.1
    mouth = np.where(np.arange(n) % 10 < 5, 0.3, 0.1)
    loud = np.where(np.arange(n) < n // 2, -10.0, -80.0)  # speech, then silence
    mouth[n // 2:] = 0.0  # closed in the silence: not counted
    x = 5.0 * np.sin(2 * np.pi * 0.5 * t)  # 5 px sway, a tenth of the 50 px eye distance
    figures = liveliness(_frames(brow, ear, mouth, x), loud, FPS)
    assert figures.brow_std == pytest.approx(0.02 / np.sqrt(2), rel=0.05)
    assert figures.head_std == pytest.approx(0.1 / np.sqrt(2), rel=0.05)
    assert figures.blinks_per_minute == pytest.approx(3 / (n / FPS / 60))
    assert figures.mouth_std_speaking == pytest.approx(0.1, rel=0.01)
    low, middle, high = figures.mouth_percentiles_speaking  # half the speech at 0.1, half 0.3
    assert low == pytest.approx(0.1) and high == pytest.approx(0.3) and 0.1 <= middle <= 0.3
    still = liveliness(_frames(np.full(n, 0.3), ear, mouth), loud, FPS)
    assert still.brow_std == 0 and still.head_std == 0


def _eye_face() -> FaceGeometry:
    points = np.zeros((68, 2))
    for first, x0 in ((36, 40.0), (42, 100.0)):  # two eyes, 40 px wide, 12 px tall
        points[first:first + 6] = [(x0, 50), (x0 + 13, 44), (x0 + 27, 44), (x0 + 40, 50),
                                   (x0 + 27, 56), (x0 + 13, 56)]
    return FaceGeometry(points=points, box=(20.0, 20.0, 160.0, 120.0), faces_found=1)


@pytest.mark.parametrize(("offset", "side"), [(-10, "left"), (10, "right")])
def test_gaze_is_where_the_iris_is(offset, side):
    import cv2

    frame = np.full((120, 180, 3), 220, np.uint8)
    for centre in (60, 120):
        cv2.circle(frame, (centre + offset, 50), 5, (30, 30, 30), -1)
    gaze = gaze_of(frame, _eye_face())
    assert (gaze < 0.4) if side == "left" else (gaze > 0.6)


def test_loudness_per_frame():
    rate = 16000
    samples = np.concatenate([np.zeros(rate), 0.1 * np.ones(rate)])
    level = frame_loudness_db(samples, rate, FPS, 2 * FPS)
    assert level[:FPS].max() < -100 and level[FPS:] == pytest.approx(-20.0, abs=0.01)
