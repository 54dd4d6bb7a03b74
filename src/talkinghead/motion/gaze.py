"""Pass 10: gaze. The eyes hold a point, glance aside for a second or two, and come back.

Real speakers do not stare: their eyes jump (saccades, 30-60 ms) between fixations of about a
second, mostly near the listener (the camera), and they look away more as they start a phrase,
while they think of its words. So the gaze is a sequence of holds:

- each hold lasts a minimum plus a gamma-distributed wait (HOLD_S), seeded, irregular;
- its target is the camera (RETURN_SHARE of the holds after a glance) or a glance drawn
  around it: a sideways jump of a few degrees to either side (GLANCE_X, never a jump too
  small to see) and a smaller, random one up or down (GLANCE_Y);
- a saccade that falls near the start of a phrase moves onto it (a look away as speech starts);
- each jump takes SACCADE_S, eased, and lands on whole frames.

Units are MotionPlan's: the irises' shift inside the eye openings in eye widths (0.1 is about 5
degrees of eye rotation). `calm` (--still) keeps a third of the size. The saccade times are
returned too: blinks like to follow them.

Between glances the eyes stay on the camera while the head moves (`hold_on_camera`): they turn
against the head by as much as it turns, so the irises shift inside the eye openings by the
eyeball's radius times the head's rotation, as a real speaker's do while keeping eye contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from .frames import FrameSpeech
from .types import freeze_arrays

HOLD_S: Final = (0.5, 1.3)  # minimum hold, and the mean wait beyond it
HOLD_SHAPE: Final = 2.0  # gamma shape of that wait
RETURN_SHARE: Final = 0.5  # after a glance, this share of saccades go back to the camera
GLANCE_X: Final = 0.08  # a typical glance sideways, eye widths (about 4 degrees) ...
GLANCE_SPREAD: Final = 0.4  # ... each one this share smaller or larger, to either side
GLANCE_Y: Final = 0.025  # standard deviation of a glance up and down
GLANCE_LIMIT: Final = 0.15  # no glance further than this (the iris stays inside the opening)
DOWN_BIAS: Final = 0.01  # glances go down a little more often than up (thinking, not rolling)
SACCADE_S: Final = 0.05
SNAP_S: Final = 0.4  # a saccade this close to a phrase start moves onto it
CALM_SCALE: Final = 0.35
EYEBALL_RADIUS: Final = 0.4  # eye widths (12 mm for a 30 mm wide eye): the iris's shift per
# radian of eye rotation
STREAM: Final = 0x6A2E  # separates this pass's random numbers from the other passes'


@dataclass(frozen=True, eq=False)
class Gaze:
    x: np.ndarray  # MotionPlan.gaze_x
    y: np.ndarray  # MotionPlan.gaze_y
    saccades: np.ndarray  # frame index of each saccade's end (int), in order

    def __post_init__(self) -> None:
        freeze_arrays(self, skip=("saccades",))


def plan_gaze(frames: FrameSpeech, seed: int, calm: bool = False) -> Gaze:
    """Gaze per frame for `frames`: holds, glances and returns."""
    fps, n = frames.fps, frames.n_frames
    rng = np.random.default_rng(np.random.SeedSequence([seed % (1 << 64), STREAM]))
    phrase_starts = _phrase_starts(frames.speech)
    x, y = np.zeros(n), np.zeros(n)
    target = np.zeros(2)
    landings: list[int] = []
    start = 0
    time = _hold(rng) * fps
    while time < n:
        at = _snap(time, phrase_starts, SNAP_S * fps, last=start)
        previous = target
        at_camera = not previous.any()
        target = _glance(rng) if at_camera or rng.uniform() >= RETURN_SHARE else np.zeros(2)
        x[start:at], y[start:at] = previous
        end = min(n, at + max(1, round(SACCADE_S * fps)))
        ease = _ease(end - at)
        x[at:end] = previous[0] + (target[0] - previous[0]) * ease
        y[at:end] = previous[1] + (target[1] - previous[1]) * ease
        landings.append(end)
        start = end
        time = end + _hold(rng) * fps
    x[start:], y[start:] = target
    size = CALM_SCALE if calm else 1.0
    return Gaze((size * x).astype(np.float32), (size * y).astype(np.float32),
                np.array([f for f in landings if f < n], dtype=np.int64))


def _hold(rng: np.random.Generator) -> float:
    minimum, mean_wait = HOLD_S
    return minimum + rng.gamma(HOLD_SHAPE, mean_wait / HOLD_SHAPE)


def _glance(rng: np.random.Generator) -> np.ndarray:
    side = 1.0 if rng.uniform() < 0.5 else -1.0
    x = side * GLANCE_X * rng.uniform(1 - GLANCE_SPREAD, 1 + GLANCE_SPREAD)
    y = rng.normal(DOWN_BIAS, GLANCE_Y)
    return np.clip(np.array([x, y]), -GLANCE_LIMIT, GLANCE_LIMIT)


def _phrase_starts(speech: np.ndarray) -> np.ndarray:
    talking = np.asarray(speech) >= 0.5
    return np.flatnonzero(~talking[:-1] & talking[1:]) + 1


def _snap(time: float, phrase_starts: np.ndarray, reach: float, last: int) -> int:
    """The saccade's first frame: a phrase start within `reach` of `time`, else `time`; never
    before the last saccade's end."""
    near = phrase_starts[(np.abs(phrase_starts - time) <= reach) & (phrase_starts > last)]
    return int(near[0]) if near.size else max(round(time), last + 1)


def _ease(frames: int) -> np.ndarray:
    """0 -> 1 over `frames` frames (smoothstep), landing on 1 at the last one."""
    t = np.arange(1, frames + 1) / frames
    return t * t * (3 - 2 * t)


def hold_on_camera(gaze: Gaze, yaw: np.ndarray, pitch: np.ndarray) -> Gaze:
    """`gaze` with the eyes turned against the head's yaw and pitch (radians, MotionPlan's), so
    that they keep looking where they looked: a head turning right (yaw > 0) moves the irises
    left in their openings, a chin lifting (pitch > 0) moves them down."""
    x = gaze.x - EYEBALL_RADIUS * np.asarray(yaw, dtype=np.float64)
    y = gaze.y + EYEBALL_RADIUS * np.asarray(pitch, dtype=np.float64)
    return Gaze(x.astype(np.float32), y.astype(np.float32), gaze.saccades)
