"""Pass: gaze holds, glances, comes back; the eyes stay on the camera as the head turns."""

from __future__ import annotations

import numpy as np

from talkinghead.motion.blinks import plan_blinks
from talkinghead.motion.frames import FrameSpeech
from talkinghead.motion.gaze import GLANCE_LIMIT, SACCADE_S, hold_on_camera, plan_gaze

FPS = 25


def frames(n: int, speech: np.ndarray | None = None) -> FrameSpeech:
    talking = np.ones(n) if speech is None else speech
    zeros = np.zeros(n)
    return FrameSpeech(FPS, (), 0.7 * talking, talking, zeros, zeros, zeros, talking, zeros)


def test_gaze_holds_then_jumps_quickly_and_stays_inside_the_eye():
    gaze = plan_gaze(frames(60 * FPS), seed=3)
    steps = np.hypot(np.diff(gaze.x), np.diff(gaze.y))
    moving = steps > 1e-6
    assert moving.mean() < 0.15, "most frames hold a fixation"
    assert len(gaze.saccades) >= 20, "about one saccade every 1-2 s"
    assert np.abs(gaze.x).max() <= GLANCE_LIMIT + 1e-6
    assert np.abs(gaze.y).max() <= GLANCE_LIMIT + 1e-6
    runs = np.diff(np.flatnonzero(np.diff(np.r_[0, moving.astype(int), 0])))[::2]
    assert runs.max() <= round(SACCADE_S * FPS) + 1, "each jump takes a frame or two"


def test_gaze_comes_back_to_the_camera_and_glances_both_ways():
    gaze = plan_gaze(frames(60 * FPS), seed=5)
    at_camera = (np.abs(gaze.x) < 1e-6) & (np.abs(gaze.y) < 1e-6)
    assert 0.2 < at_camera.mean() < 0.8
    assert gaze.x.min() < -0.02 and gaze.x.max() > 0.02


def test_gaze_is_seeded():
    a, b = plan_gaze(frames(500), 7), plan_gaze(frames(500), 7)
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, plan_gaze(frames(500), 8).x)


def test_calm_gaze_moves_less():
    track = frames(60 * FPS)
    assert plan_gaze(track, 1, calm=True).x.std() < 0.5 * plan_gaze(track, 1).x.std()


def test_eyes_turn_against_the_head():
    gaze = plan_gaze(frames(100), 1)
    yaw = np.full(100, 0.1)
    held = hold_on_camera(gaze, yaw, np.zeros(100))
    np.testing.assert_allclose(held.x, gaze.x - 0.04, atol=1e-6)  # head right: irises left
    lifted = hold_on_camera(gaze, np.zeros(100), yaw)
    assert (lifted.y > gaze.y).all()  # chin up: irises down


def test_blinks_prefer_a_landed_glance():
    n = 30 * FPS
    track = frames(n)  # no pauses at all: only the glances are natural moments
    landings = np.array([40, 140, 250, 360, 470, 580, 690])
    blink = plan_blinks(track, seed=2, after=landings)
    peaks = np.flatnonzero(blink >= 0.999)
    on_glance = [p for p in peaks if np.min(np.abs(landings - p)) <= 1]
    assert len(on_glance) >= len(peaks) // 2
