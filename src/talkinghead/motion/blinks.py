"""Pass 7: blinks. Seeded, irregular, and placed in pauses where one is near.

People blink 10-20 times a minute when calm (more while talking; the rate is kept moderate so a
portrait does not look nervous), rarely twice within a second and a half, and preferably at
phrase boundaries and as a glance lands (the gaze pass's saccades). Intervals are a minimum gap
plus a gamma-distributed wait, which gives the irregular but not bursty rhythm of real blinking.
Each blink closes fast and opens slower (150-300 ms in all), and its fully closed moment lands
on a frame, so it is seen at 25 fps.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from .frames import FrameSpeech

MEAN_INTERVAL_S: Final = 3.6  # drawn intervals; waiting for pauses stretches them to ~4 s,
# 15 blinks a minute
MIN_INTERVAL_S: Final = 1.5  # never two within 1.5 s
INTERVAL_SHAPE: Final = 2.0  # gamma shape of the wait beyond the minimum: irregular, no bursts
FIRST_BLINK_S: Final = (0.6, 3.0)  # the first blink: not at once, not long after the start
DURATION_S: Final = (0.15, 0.30)  # closing plus opening
CLOSING_SHARE: Final = 0.4  # closing takes 40% of the blink, opening the rest
SNAP_BEFORE_S: Final = 0.5  # a due blink moves to a pause up to 0.5 s earlier ...
SNAP_AFTER_S: Final = 2.0  # ... or up to 2 s later (phrases last 1-3 s)
STREAM: Final = 0xB11C  # separates this pass's random numbers from the other passes'


def plan_blinks(frames: FrameSpeech, seed: int, after: np.ndarray | None = None) -> np.ndarray:
    """Eyelid closure per frame, 0 open (as in the portrait) .. 1 closed; a due blink prefers a
    pause start or one of the frames in `after` (where a glance lands)."""
    fps, n = frames.fps, frames.n_frames
    rng = np.random.default_rng(np.random.SeedSequence([seed % (1 << 64), STREAM]))
    moments = _pause_starts(frames.speech)  # where a blink looks natural
    if after is not None:
        moments = np.union1d(moments, np.asarray(after, dtype=np.int64) - 1)
    in_pause = frames.speech < 0.5
    blink = np.zeros(n)
    last = -np.inf
    due = rng.uniform(*FIRST_BLINK_S)
    while True:
        duration = rng.uniform(*DURATION_S)
        wait = MIN_INTERVAL_S + rng.gamma(INTERVAL_SHAPE, (MEAN_INTERVAL_S - MIN_INTERVAL_S)
                                          / INTERVAL_SHAPE)
        peak = _place(due * fps, last, moments, in_pause, fps)
        if peak + duration * (1 - CLOSING_SHARE) * fps >= n:
            break
        _add_blink(blink, peak, duration * fps)
        last = peak
        due = peak / fps + wait
    return blink.astype(np.float32)


def _pause_starts(speech: np.ndarray) -> np.ndarray:
    is_speech = np.asarray(speech) >= 0.5
    return np.flatnonzero(is_speech[:-1] & ~is_speech[1:]) + 1


def _place(due: float, last: float, moments: np.ndarray, in_pause: np.ndarray,
           fps: int) -> int:
    """The frame of the closed moment: the first of `moments` (pause starts, glances) near
    `due`, else a pause frame near it, else `due` itself; always at least MIN_INTERVAL_S after
    the last blink."""
    earliest = max(due - SNAP_BEFORE_S * fps, last + MIN_INTERVAL_S * fps)
    latest = max(due + SNAP_AFTER_S * fps, earliest)
    near = moments[(moments >= earliest) & (moments <= latest)]
    if near.size:
        return int(near[0]) + 1  # one frame in: the last sound has ended, the glance landed
    lo, hi = int(np.ceil(earliest)), min(int(np.floor(latest)), len(in_pause) - 1)
    candidates = np.flatnonzero(in_pause[lo : hi + 1]) + lo if hi >= lo else np.array([], int)
    if candidates.size:
        return int(candidates[np.argmin(np.abs(candidates - due))])
    return int(np.ceil(max(due, earliest)))


def _add_blink(blink: np.ndarray, peak: int, duration: float) -> None:
    """Smoothstep closing over CLOSING_SHARE of `duration` frames, then slower opening."""
    closing, opening = CLOSING_SHARE * duration, (1 - CLOSING_SHARE) * duration
    first = max(0, int(np.floor(peak - closing)))
    last = min(len(blink), int(np.ceil(peak + opening)) + 1)
    t = np.arange(first, last) - peak
    phase = np.where(t < 0, 1 + t / closing, 1 - t / opening)
    phase = np.clip(phase, 0.0, 1.0)
    blink[first:last] = np.maximum(blink[first:last], phase * phase * (3 - 2 * phase))
