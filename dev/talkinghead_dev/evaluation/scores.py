"""Lip-sync figures from mouth openings measured on rendered frames and known phoneme times.

Frame i shows [i/fps, (i+1)/fps). A phoneme's frames are those whose centre lies inside it (or,
for one shorter than a frame, the frame holding its middle). Openings are judged with a
portrait's `Calibration` (see `rendered.py`). Time is judged in HOLD_S, 40 ms, one frame at
25 fps (the rate the goals were set at): a mouth state (sealed, open, away from rest) counts
only where it is *held* that long, and "within one frame" means within that long. That is one
frame at 24, 25 or 30 fps and two at 50 or 60, so the figures measure the same thing at every
frame rate: with "any one frame", 60 fps would sample the landmark detector's frame-to-frame
noise (its inner-lip points jump between the lips and the teeth on frames that look alike) two
and a half times as often as 25 fps, and a consonant would count as sealed on one 17 ms reading.
The figures, as the issue states them:

- bilabials sealed: share of p, b, m (word-initial and word-medial; word-final reported
  apart) held sealed among the phoneme's frames and the one frame either side ("within one
  frame of the phoneme").
- open vowels open: share of open vowels (60 ms or longer) held open among their frames.
- tongue consonants sealed: share of t, d, n, s, z, l, r, k, g (40 ms or longer) held sealed
  among their own frames. (Lower is better; at most 30% is the goal.)
- pauses at rest: share of the frames lying wholly inside pauses longer than 0.3 s that are at
  rest.
- lag: the shift (in frames) that best correlates the measured opening with the phoneme
  openness curve (`corpus.OPENNESS`, frame by frame); negative = the mouth moves early. The
  goal is -2..0.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Final

import numpy as np

from .corpus import OPENNESS, phoneme_class
from .espeak import KnownPhoneme
from .rendered import Calibration

OPEN_VOWEL_MIN_S: Final = 0.06
TONGUE_MIN_S: Final = 0.04
PAUSE_MIN_S: Final = 0.3
MAX_LAG_FRAMES: Final = 5
HOLD_S: Final = 0.04  # a mouth state counts when held this long (rounded to whole frames),
# and "within one frame" means within this long: one frame at 25 fps, as issue 11 set it


@dataclass(frozen=True)
class Count:
    """`hits` of `total` (a share is hits / total)."""

    hits: int = 0
    total: int = 0

    @property
    def share(self) -> float:
        return self.hits / self.total if self.total else float("nan")

    def __add__(self, other: Count) -> Count:
        return Count(self.hits + other.hits, self.total + other.total)

    def __str__(self) -> str:
        return f"{100 * self.share:5.1f}% ({self.hits}/{self.total})"


@dataclass(frozen=True)
class LipSyncScores:
    bilabial_initial: Count
    bilabial_medial: Count
    bilabial_final: Count
    open_vowels: Count
    tongue_sealed: Count
    pause_rest: Count
    lags: tuple[int | None, ...]  # best lag of each clip (None: nothing varied to align)

    @property
    def bilabials(self) -> Count:
        """Word-initial and word-medial together: the headline figure."""
        return self.bilabial_initial + self.bilabial_medial

    @property
    def lag_range(self) -> tuple[int, int] | None:
        """(earliest, latest) best lag over the clips, or None if none could be measured."""
        known = [lag for lag in self.lags if lag is not None]
        return (min(known), max(known)) if known else None

    def __add__(self, other: LipSyncScores) -> LipSyncScores:
        return LipSyncScores(
            self.bilabial_initial + other.bilabial_initial,
            self.bilabial_medial + other.bilabial_medial,
            self.bilabial_final + other.bilabial_final,
            self.open_vowels + other.open_vowels,
            self.tongue_sealed + other.tongue_sealed,
            self.pause_rest + other.pause_rest,
            self.lags + other.lags)


def score_lipsync(opening: np.ndarray, phonemes: tuple[KnownPhoneme, ...], fps: int,
                  calibration: Calibration) -> LipSyncScores:
    """All figures for one clip: `opening[i]` measured on rendered frame i (NaN: no face)."""
    opening = np.asarray(opening, dtype=np.float64)
    n = len(opening)
    sealed = calibration.sealed(np.nan_to_num(opening, nan=np.inf))
    is_open = calibration.open(np.nan_to_num(opening, nan=-np.inf))
    rest = calibration.at_rest(np.nan_to_num(opening, nan=np.inf))
    bilabial = {"initial": Count(), "medial": Count(), "final": Count(), "only": Count()}
    vowels, tongue = Count(), Count()
    for p in phonemes:
        kind = phoneme_class(p.symbol)
        if kind == "bilabial":
            first, last = _overlapping(p, fps, n)
            reach = hold_frames(fps)
            lo, hi = max(0, first - reach), min(n, last + reach)
            bilabial[p.position] += Count(int(held(sealed[lo:hi], fps)), 1)
        elif kind == "open" and p.duration_s >= OPEN_VOWEL_MIN_S:
            vowels += Count(int(held(is_open[own_frames(p, fps, n)], fps)), 1)
        elif kind == "tongue" and p.duration_s >= TONGUE_MIN_S:
            tongue += Count(int(held(sealed[own_frames(p, fps, n)], fps)), 1)
    pauses = Count()
    for start, end in pauses_of(phonemes, PAUSE_MIN_S):
        inside = np.arange(int(np.ceil(start * fps - 1e-9)), min(n, int(np.floor(end * fps))))
        pauses += Count(int(rest[inside].sum()), len(inside))
    return LipSyncScores(bilabial["initial"], bilabial["medial"],
                         bilabial["final"] + bilabial["only"], vowels, tongue, pauses,
                         (best_lag(opening, openness_curve(phonemes, fps, n)),))


def hold_frames(fps: int) -> int:
    """Consecutive frames that make HOLD_S at `fps` (at least one)."""
    return max(1, round(HOLD_S * fps))


def held(state: np.ndarray, fps: int) -> bool:
    """Whether `state` (per frame) is True for hold_frames(fps) frames in a row."""
    return longest_run(state) >= hold_frames(fps)


def longest_run(state: np.ndarray) -> int:
    """The length of the longest run of True in `state`."""
    longest = current = 0
    for value in np.asarray(state, dtype=bool):
        current = current + 1 if value else 0
        longest = max(longest, current)
    return longest


def own_frames(p: KnownPhoneme, fps: int, n: int) -> np.ndarray:
    """Frames whose centre lies inside the phoneme; else the frame holding its middle."""
    first = int(np.ceil(p.start_s * fps - 0.5))
    last = int(np.ceil(p.end_s * fps - 0.5))
    frames = np.arange(max(first, 0), min(last, n))
    if frames.size == 0:
        middle = min(n - 1, int((p.start_s + p.end_s) / 2 * fps))
        frames = np.array([middle])
    return frames


def _overlapping(p: KnownPhoneme, fps: int, n: int) -> tuple[int, int]:
    """first, last + 1 of the frames the phoneme overlaps at all."""
    first = int(np.floor(p.start_s * fps))
    last = max(first + 1, int(np.ceil(p.end_s * fps)))
    return max(0, first), min(n, last)


def pauses_of(phonemes: tuple[KnownPhoneme, ...], min_s: float) -> list[tuple[float, float]]:
    """(start, end) of runs of pause phonemes lasting at least `min_s`."""
    runs: list[list[float]] = []
    for p in phonemes:
        if phoneme_class(p.symbol) != "pause":
            continue
        if runs and abs(runs[-1][1] - p.start_s) < 1e-9:
            runs[-1][1] = p.end_s
        else:
            runs.append([p.start_s, p.end_s])
    return [(a, b) for a, b in runs if b - a >= min_s]


def openness_curve(phonemes: tuple[KnownPhoneme, ...], fps: int, n: int) -> np.ndarray:
    """Per frame, the overlap-weighted openness of the phonemes it shows."""
    curve = np.zeros(n)
    for p in phonemes:
        value = OPENNESS[phoneme_class(p.symbol)]
        first, last = _overlapping(p, fps, n)
        if value == 0 or last <= first:
            continue
        frames = np.arange(first, last)
        overlap = (np.minimum(p.end_s * fps, frames + 1) - np.maximum(p.start_s * fps, frames))
        curve[first:last] += value * np.clip(overlap, 0, 1)
    return curve


def best_lag(measured: np.ndarray, reference: np.ndarray,
             max_lag: int = MAX_LAG_FRAMES) -> int | None:
    """The shift d maximising corr(measured[t + d], reference[t]); d < 0: measured is early."""
    measured = _fill_gaps(np.asarray(measured, dtype=np.float64))
    best, best_r = None, -np.inf
    for d in range(-max_lag, max_lag + 1):
        a = measured[max(0, d): len(measured) + min(0, d)]
        b = reference[max(0, -d): len(reference) - max(0, d)]
        if a.std() == 0 or b.std() == 0:
            continue
        r = float(np.corrcoef(a, b)[0, 1])
        if r > best_r:
            best, best_r = d, r
    return best


def _fill_gaps(values: np.ndarray) -> np.ndarray:
    good = np.isfinite(values)
    if good.all() or not good.any():
        return np.nan_to_num(values)
    index = np.arange(len(values))
    return np.interp(index, index[good], values[good])


@dataclass(frozen=True)
class SyllableScores:
    """Figures for speech whose phonemes are unknown (other languages, singing)."""

    open_at_peaks: Count  # syllable peaks held open within one frame of the peak
    pause_rest: Count  # frames wholly inside pauses that are at rest
    flaps: int  # open-close cycles inside pauses (rest, then held away from it, then rest)

    def __add__(self, other: SyllableScores) -> SyllableScores:
        return SyllableScores(self.open_at_peaks + other.open_at_peaks,
                              self.pause_rest + other.pause_rest, self.flaps + other.flaps)


def score_syllables(opening: np.ndarray, peaks_s: np.ndarray,
                    pauses_s: list[tuple[float, float]], fps: int,
                    calibration: Calibration) -> SyllableScores:
    """Open at syllable peaks, at rest in pauses, no flapping (see `syllables.py`)."""
    opening = np.asarray(opening, dtype=np.float64)
    n = len(opening)
    is_open = calibration.open(np.nan_to_num(opening, nan=-np.inf))
    rest = calibration.at_rest(np.nan_to_num(opening, nan=np.inf))
    at_peaks = Count()
    for t in peaks_s:
        frame = min(n - 1, int(t * fps))
        reach = hold_frames(fps)
        lo, hi = max(0, frame - reach), min(n, frame + reach + 1)
        at_peaks += Count(int(held(is_open[lo:hi], fps)), 1)
    pause_rest, flaps = Count(), 0
    for start, end in pauses_s:
        inside = np.arange(int(np.ceil(start * fps - 1e-9)), min(n, int(np.floor(end * fps))))
        if inside.size == 0:
            continue
        calm = rest[inside]
        pause_rest += Count(int(calm.sum()), len(inside))
        flaps += count_cycles(calm, hold_frames(fps))
    return SyllableScores(at_peaks, pause_rest, flaps)


def count_cycles(calm: np.ndarray, min_frames: int = 1) -> int:
    """Runs of False at least `min_frames` long with True on both sides: the mouth left rest
    and came back."""
    calm = np.asarray(calm, dtype=bool)
    changes = np.flatnonzero(np.diff(calm.astype(np.int8)))
    cycles = 0
    for leave, back in pairwise(changes):
        if calm[leave] and not calm[leave + 1] and calm[back + 1] and back - leave >= min_frames:
            cycles += 1
    return cycles
