"""Pass 1: phones to per-frame mouth targets, from a table of shapes (the viseme table).

Each CMU phone has a target shape and, for the continuous channels, a dominance: how strongly
it holds its shape against its neighbours (Cohen & Massaro's coarticulation model). Vowels own
the jaw; lip consonants own the lips; tongue consonants barely care about the jaw and take it
from the vowels around them. A frame's target is the dominance- and overlap-weighted mean of
the phones it shows, so a phone shorter than a frame still counts in proportion.

Contacts (lip closure for P/B/M, lower-lip tuck for F/V) are not averaged away: a bilabial gets
a full seal on one of its frames, however short it is, because a "b" that never closes the
lips is the most visible lip-sync error there is. That frame is the one it overlaps most when
its timing is known (aligned from a transcript); a phone-loop guess, whose edges are often a
frame or two off, seals the quietest frame it overlaps instead, since closed lips stop the
sound (the silence of "p", "b", the murmur of "m"). Tongue consonants, the other way
round, mark their frames `apart`: coarticulation keeps the lips open there, however closed
their neighbours.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np

from ..speech.types import SILENCE
from .frames import FramePhone
from .types import MouthTrack, freeze_arrays


@dataclass(frozen=True)
class Shape:
    """A mouth target, one row of the viseme table (MotionPlan units, see motion/types.py).

    jaw_open 0..1 (1 = "AA" wide open); stretch 0..1 (corners pulled back, "EE"); lip_round
    0..1 (lips pursed and pushed forward, "OO"); upper_lip_raise 0..1 (upper lip raised off the
    teeth); lips_closed 1 = sealed; lower_lip_tuck 1 = lower lip under the upper teeth; teeth,
    tongue 0..1 how visible.
    """

    jaw_open: float
    stretch: float = 0.0
    lip_round: float = 0.0
    upper_lip_raise: float = 0.0
    lips_closed: float = 0.0
    lower_lip_tuck: float = 0.0
    teeth: float = 0.0
    tongue: float = 0.0

    @property
    def mouth_width(self) -> float:
        """Stretch pulls the corners out, rounding draws them in."""
        return self.stretch - self.lip_round


# The viseme table. Jaw follows vowel height (AA/AE/AO open, EH/AH/OW mid, IH/IY/UW/UH close);
# stretch the spreading of IY, EY, AE, IH; round the rounding of UW, OW, AO, W, SH, R (SH, CH,
# R and F/V also raise the upper lip). Tongue consonants keep the lips slightly apart: a jaw of
# 0.15-0.2 leaves a gap of 4-5% of the inter-ocular distance on a closed-mouth portrait, which
# the eye (and the landmark detector) reads as open, so "t", "n", "s" never look like "m".
SHAPES: Final[dict[str, Shape]] = {
    # vowels
    "AA": Shape(0.85, stretch=0.05, upper_lip_raise=0.10, teeth=0.35, tongue=0.10),  # father
    "AE": Shape(0.70, stretch=0.40, upper_lip_raise=0.15, teeth=0.50, tongue=0.10),  # cat
    "AH": Shape(0.55, stretch=0.10, teeth=0.35, tongue=0.05),  # but
    "AO": Shape(0.65, lip_round=0.45, teeth=0.25),  # caught
    "EH": Shape(0.50, stretch=0.35, upper_lip_raise=0.10, teeth=0.55, tongue=0.10),  # bet
    "ER": Shape(0.35, lip_round=0.30, upper_lip_raise=0.20, teeth=0.30),  # bird
    "IH": Shape(0.35, stretch=0.45, teeth=0.60, tongue=0.10),  # bit
    "IY": Shape(0.30, stretch=0.65, upper_lip_raise=0.10, teeth=0.70),  # beet
    "UH": Shape(0.35, lip_round=0.55, teeth=0.20),  # book
    "UW": Shape(0.30, lip_round=0.85, teeth=0.10),  # boot
    # diphthongs: the start shape; the glide target is in GLIDES
    "AW": Shape(0.75, teeth=0.35),  # cow
    "AY": Shape(0.75, stretch=0.05, teeth=0.40),  # bite
    "EY": Shape(0.45, stretch=0.40, teeth=0.55),  # bait
    "OW": Shape(0.50, lip_round=0.55, teeth=0.20),  # boat
    "OY": Shape(0.55, lip_round=0.55, teeth=0.20),  # boy
    # lips
    "P": Shape(0.0, lips_closed=1.0),
    "B": Shape(0.0, lips_closed=1.0),
    "M": Shape(0.0, lips_closed=1.0),
    "F": Shape(0.12, stretch=0.10, upper_lip_raise=0.30, lower_lip_tuck=1.0, teeth=0.80),
    "V": Shape(0.12, stretch=0.10, upper_lip_raise=0.30, lower_lip_tuck=1.0, teeth=0.80),
    "W": Shape(0.12, lip_round=0.95, teeth=0.05),
    # tongue
    "TH": Shape(0.20, stretch=0.10, teeth=0.70, tongue=1.00),
    "DH": Shape(0.20, stretch=0.10, teeth=0.70, tongue=1.00),
    "T": Shape(0.18, stretch=0.15, teeth=0.60, tongue=0.35),
    "D": Shape(0.18, stretch=0.15, teeth=0.60, tongue=0.35),
    "N": Shape(0.18, stretch=0.15, teeth=0.55, tongue=0.35),
    "L": Shape(0.20, stretch=0.10, teeth=0.50, tongue=0.80),
    "S": Shape(0.15, stretch=0.35, teeth=0.90),
    "Z": Shape(0.15, stretch=0.35, teeth=0.90),
    "SH": Shape(0.15, lip_round=0.45, upper_lip_raise=0.40, teeth=0.70),
    "ZH": Shape(0.15, lip_round=0.45, upper_lip_raise=0.40, teeth=0.70),
    "CH": Shape(0.15, lip_round=0.45, upper_lip_raise=0.40, teeth=0.70),
    "JH": Shape(0.15, lip_round=0.45, upper_lip_raise=0.40, teeth=0.70),
    "R": Shape(0.18, lip_round=0.35, upper_lip_raise=0.20, teeth=0.30, tongue=0.10),
    "Y": Shape(0.18, stretch=0.50, teeth=0.50),
    "K": Shape(0.20, stretch=0.05, teeth=0.40),
    "G": Shape(0.20, stretch=0.05, teeth=0.40),
    "NG": Shape(0.20, stretch=0.05, teeth=0.40),
    "HH": Shape(0.35, stretch=0.05, teeth=0.30),  # takes its shape from the next vowel
    SILENCE: Shape(0.0),
}
NEUTRAL: Final = Shape(0.30, teeth=0.30)  # a label missing from the table

GLIDES: Final[dict[str, Shape]] = {  # where diphthongs end
    "AW": SHAPES["UH"], "AY": SHAPES["IY"], "EY": SHAPES["IY"], "OW": SHAPES["UW"],
    "OY": SHAPES["IY"],
}
GLIDE_START: Final = 0.5  # share of a diphthong spent on its first shape

# Phone classes: dominance of (jaw, lips, teeth, tongue), and what the acoustics should show.
# "lips" is the dominance of the lip-shape channels: width, rounding and lift.
CLASSES: Final[dict[str, tuple[str, ...]]] = {
    "vowel": ("AA", "AE", "AH", "AO", "EH", "ER", "IH", "IY", "UH", "UW",
              "AW", "AY", "EY", "OW", "OY"),
    "bilabial": ("P", "B", "M"),
    "labiodental": ("F", "V"),
    "dental": ("TH", "DH"),
    "alveolar": ("T", "D", "N", "L", "S", "Z"),
    "postalveolar": ("SH", "ZH", "CH", "JH"),
    "glide": ("W", "R", "Y"),
    "back": ("K", "G", "NG", "HH"),
    "silence": (SILENCE,),
}
CLASS_OF: Final[dict[str, str]] = {p: c for c, phones in CLASSES.items() for p in phones}
DOMINANCE: Final[dict[str, tuple[float, float, float, float]]] = {
    # (jaw, lips, teeth, tongue). Bilabial jaw stays moderate: a higher value lets a one-frame
    # "M" swallow the vowels on either side of it at 25 fps.
    "vowel": (1.0, 1.0, 0.6, 0.5),
    "bilabial": (1.5, 0.4, 2.0, 1.0),
    "labiodental": (1.5, 0.4, 2.0, 1.0),
    "dental": (0.8, 0.3, 1.5, 3.0),
    "alveolar": (0.5, 0.3, 0.8, 1.5),
    "postalveolar": (0.7, 1.5, 1.0, 0.5),
    "glide": (0.6, 2.0, 0.6, 0.5),
    "back": (0.25, 0.2, 0.3, 0.3),
    "silence": (0.6, 0.6, 0.6, 0.6),
    "other": (0.3, 0.3, 0.3, 0.3),
}
CONTACT_FULL_OVERLAP: Final = 0.5  # a contact phone covering half a frame closes it fully
MIN_CONTACT_S: Final = 0.04  # a contact is held at least this long: one frame at 25 fps, two
# at 50 or 60 (a seal drawn on one 17 ms frame would be shorter than the eye can catch)
VOWEL_MIN_COVER: Final = 0.5  # a frame "shows" a vowel when the vowel covers half of it


UNCOVERED_DOMINANCE: Final = 0.05  # frames no phone covers drift to rest, but yield easily
# Consonants made with the tongue (or further back) keep the lips apart.
APART_CLASSES: Final = frozenset({"dental", "alveolar", "postalveolar", "back"})
# Continuous channels and which dominance (index into DOMINANCE's tuples) each follows.
CONTINUOUS: Final = {"jaw_open": 0, "mouth_width": 1, "lip_round": 1, "upper_lip_raise": 1,
                     "teeth": 2, "tongue": 3}


@dataclass(frozen=True, eq=False)
class Dominance:
    """Per-frame dominance of the continuous channels: how hard each frame holds its target."""

    jaw_open: np.ndarray
    mouth_width: np.ndarray
    lip_round: np.ndarray
    upper_lip_raise: np.ndarray
    teeth: np.ndarray
    tongue: np.ndarray

    def __post_init__(self) -> None:
        freeze_arrays(self)


@dataclass(frozen=True, eq=False)
class Visemes:
    """Per-frame targets, the dominance behind them, the vowel each frame shows, and where a
    tongue consonant wants the lips apart."""

    targets: MouthTrack
    dominance: Dominance
    vowel_jaw: np.ndarray  # jaw target of the vowel covering most of a frame (0 if under half)
    apart: np.ndarray  # 0..1: share of the frame a tongue consonant covers (1 from half on)

    def __post_init__(self) -> None:
        freeze_arrays(self, skip=("targets", "dominance"))


def shape_of(label: str) -> Shape:
    return SHAPES.get(label, NEUTRAL)


def viseme_targets(phones: tuple[FramePhone, ...], n_frames: int,
                   loudness: np.ndarray | None = None, fps: int = 25) -> Visemes:
    """Frame-by-frame targets (at `fps`): overlap- and dominance-weighted shapes of the phones.

    `loudness` (per frame, 0..1) places the seal of phones that are not aligned (see above)."""
    hold = max(1, round(MIN_CONTACT_S * fps))
    weighted = {c: np.zeros(n_frames) for c in CONTINUOUS}
    weights = {c: np.zeros(n_frames) for c in CONTINUOUS}
    contacts = {"lips_closed": np.zeros(n_frames), "lower_lip_tuck": np.zeros(n_frames)}
    vowel_cover = np.zeros(n_frames)
    vowel_jaw = np.zeros(n_frames)
    apart = np.zeros(n_frames)
    for phone, label, start, end, shape in _segments(phones):
        kind = CLASS_OF.get(label, "other")
        strength_of = DOMINANCE[kind]
        first, last = int(np.floor(start)), min(int(np.ceil(end)), n_frames)
        if last <= first:
            continue
        frames = np.arange(first, last)
        overlap = np.minimum(end, frames + 1) - np.maximum(start, frames)
        for channel, which in CONTINUOUS.items():
            dom = strength_of[which]
            weighted[channel][first:last] += overlap * dom * getattr(shape, channel)
            weights[channel][first:last] += overlap * dom
        if kind in APART_CLASSES:
            share = np.clip(overlap / CONTACT_FULL_OVERLAP, 0.0, 1.0)
            apart[first:last] = np.maximum(apart[first:last], share)
        for channel, values in contacts.items():
            level = getattr(shape, channel)
            if level > 0:
                strength = level * np.clip(overlap / CONTACT_FULL_OVERLAP, 0.0, 1.0)
                values[first:last] = np.maximum(values[first:last], strength)
                at = first + _contact_frame(phone.aligned, first, overlap, loudness)
                # A full contact, however short the phone, held for MIN_CONTACT_S.
                values[at : at + hold] = np.maximum(values[at : at + hold], level)
        if CLASS_OF.get(label) == "vowel":
            better = overlap > vowel_cover[first:last]
            vowel_cover[first:last] = np.where(better, overlap, vowel_cover[first:last])
            vowel_jaw[first:last] = np.where(better, shape.jaw_open, vowel_jaw[first:last])
    vowel_jaw = np.where(vowel_cover >= VOWEL_MIN_COVER, vowel_jaw, 0.0)
    targets = {c: weighted[c] / np.maximum(weights[c], 1e-9) for c in CONTINUOUS}
    dominance = {c: np.maximum(weights[c], UNCOVERED_DOMINANCE) for c in CONTINUOUS}
    return Visemes(MouthTrack(**targets, **contacts), Dominance(**dominance), vowel_jaw,
                   apart * (contacts["lips_closed"] < 1))


def _segments(phones: tuple[FramePhone, ...]
              ) -> Iterator[tuple[FramePhone, str, float, float, Shape]]:
    """(phone, label, start, end, shape); a diphthong comes as its start and glide shapes."""
    for phone in phones:
        shape = shape_of(phone.label)
        glide = GLIDES.get(phone.label)
        if glide is None:
            yield phone, phone.label, phone.start, phone.end, shape
        else:
            middle = phone.start + GLIDE_START * (phone.end - phone.start)
            yield phone, phone.label, phone.start, middle, shape
            yield phone, phone.label, middle, phone.end, glide


def _contact_frame(aligned: bool, first: int, overlap: np.ndarray,
                   loudness: np.ndarray | None) -> int:
    """Index (into `overlap`, which starts at frame `first`) of the frame a contact phone
    closes fully (see the module docstring)."""
    if aligned or loudness is None or len(overlap) == 1:
        return int(np.argmax(overlap))
    level = np.asarray(loudness[first : first + len(overlap)], dtype=np.float64)
    if len(level) < len(overlap):
        return int(np.argmax(overlap))
    return int(np.argmin(level - 1e-3 * overlap))  # the quietest; ties to the most covered
