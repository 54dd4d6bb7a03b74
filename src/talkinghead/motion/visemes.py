"""Pass 1: phones to per-frame mouth targets, from a table of shapes (the viseme table).

Each CMU phone has a target shape and, for the continuous channels, a dominance: how strongly
it holds its shape against its neighbours (Cohen & Massaro's coarticulation model). Vowels own
the jaw; lip consonants own the lips; tongue consonants barely care about the jaw and take it
from the vowels around them. A frame's target is the dominance- and overlap-weighted mean of
the phones it shows, so a phone shorter than a frame still counts in proportion.

Contacts (lip closure for P/B/M, lower-lip tuck for F/V) are not averaged away: a bilabial gets
a full seal on the frame it overlaps most, however short it is, because a "b" that never
closes the lips is the most visible lip-sync error there is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from ..speech.types import SILENCE
from .frames import FramePhone
from .types import MouthTrack, freeze_arrays


@dataclass(frozen=True)
class Shape:
    """A mouth target: MotionPlan units (jaw 0..1, width -1..1, the rest 0..1)."""

    jaw: float
    width: float
    closure: float = 0.0
    tuck: float = 0.0
    teeth: float = 0.0
    tongue: float = 0.0


# The viseme table. Jaw values follow the open/mid/close vowel heights (AA/AO open, EH/AH/OW
# mid, IH/IY/UW close); width follows lip spreading (IY, EY, AE) and rounding (UW, OW, W).
# Tongue consonants keep the lips slightly apart (jaw 0.10-0.15) and never seal them.
SHAPES: Final[dict[str, Shape]] = {
    # vowels
    "AA": Shape(0.85, 0.00, teeth=0.35, tongue=0.10),  # father
    "AE": Shape(0.70, 0.35, teeth=0.50, tongue=0.10),  # cat
    "AH": Shape(0.55, 0.05, teeth=0.35, tongue=0.05),  # but
    "AO": Shape(0.65, -0.45, teeth=0.25),  # caught
    "EH": Shape(0.50, 0.35, teeth=0.55, tongue=0.10),  # bet
    "ER": Shape(0.35, -0.30, teeth=0.30),  # bird
    "IH": Shape(0.35, 0.45, teeth=0.60, tongue=0.10),  # bit
    "IY": Shape(0.25, 0.65, teeth=0.70),  # beet
    "UH": Shape(0.35, -0.55, teeth=0.20),  # book
    "UW": Shape(0.25, -0.85, teeth=0.10),  # boot
    # diphthongs: the start shape; the glide target is in GLIDES
    "AW": Shape(0.75, 0.00, teeth=0.35),  # cow
    "AY": Shape(0.75, 0.05, teeth=0.40),  # bite
    "EY": Shape(0.45, 0.40, teeth=0.55),  # bait
    "OW": Shape(0.50, -0.55, teeth=0.20),  # boat
    "OY": Shape(0.55, -0.55, teeth=0.20),  # boy
    # lips
    "P": Shape(0.02, 0.00, closure=1.0),
    "B": Shape(0.02, 0.00, closure=1.0),
    "M": Shape(0.02, 0.00, closure=1.0),
    "F": Shape(0.12, 0.10, tuck=1.0, teeth=0.80),
    "V": Shape(0.12, 0.10, tuck=1.0, teeth=0.80),
    "W": Shape(0.12, -0.95, teeth=0.05),
    # tongue
    "TH": Shape(0.15, 0.10, teeth=0.70, tongue=1.00),
    "DH": Shape(0.15, 0.10, teeth=0.70, tongue=1.00),
    "T": Shape(0.12, 0.15, teeth=0.60, tongue=0.35),
    "D": Shape(0.12, 0.15, teeth=0.60, tongue=0.35),
    "N": Shape(0.12, 0.15, teeth=0.55, tongue=0.35),
    "L": Shape(0.15, 0.10, teeth=0.50, tongue=0.80),
    "S": Shape(0.10, 0.35, teeth=0.90),
    "Z": Shape(0.10, 0.35, teeth=0.90),
    "SH": Shape(0.12, -0.45, teeth=0.70),
    "ZH": Shape(0.12, -0.45, teeth=0.70),
    "CH": Shape(0.12, -0.45, teeth=0.70),
    "JH": Shape(0.12, -0.45, teeth=0.70),
    "R": Shape(0.15, -0.35, teeth=0.30, tongue=0.10),
    "Y": Shape(0.15, 0.50, teeth=0.50),
    "K": Shape(0.15, 0.05, teeth=0.40),
    "G": Shape(0.15, 0.05, teeth=0.40),
    "NG": Shape(0.15, 0.05, teeth=0.40),
    "HH": Shape(0.35, 0.05, teeth=0.30),  # takes its shape from the next vowel (low dominance)
    SILENCE: Shape(0.0, 0.0),
}
NEUTRAL: Final = Shape(0.30, 0.0, teeth=0.30)  # a label missing from the table

GLIDES: Final[dict[str, Shape]] = {  # where diphthongs end
    "AW": SHAPES["UH"], "AY": SHAPES["IY"], "EY": SHAPES["IY"], "OW": SHAPES["UW"],
    "OY": SHAPES["IY"],
}
GLIDE_START: Final = 0.5  # share of a diphthong spent on its first shape

# Phone classes: dominance of (jaw, width, teeth, tongue), and what the acoustics should show.
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
    # (jaw, width, teeth, tongue). Bilabial jaw stays moderate: a higher value lets a one-frame
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
VOWEL_MIN_COVER: Final = 0.5  # a frame "shows" a vowel when the vowel covers half of it


UNCOVERED_DOMINANCE: Final = 0.05  # frames no phone covers drift to rest, but yield easily


@dataclass(frozen=True, eq=False)
class Dominance:
    """Per-frame dominance of the continuous channels: how hard each frame holds its target."""

    jaw: np.ndarray
    width: np.ndarray
    teeth: np.ndarray
    tongue: np.ndarray

    def __post_init__(self) -> None:
        freeze_arrays(self)


@dataclass(frozen=True, eq=False)
class Visemes:
    """Per-frame targets, the dominance behind them, and the vowel each frame shows."""

    targets: MouthTrack
    dominance: Dominance
    vowel_jaw: np.ndarray  # jaw target of the vowel covering most of a frame (0 if under half)

    def __post_init__(self) -> None:
        freeze_arrays(self, skip=("targets", "dominance"))


def shape_of(label: str) -> Shape:
    return SHAPES.get(label, NEUTRAL)


def viseme_targets(phones: tuple[FramePhone, ...], n_frames: int) -> Visemes:
    """Frame-by-frame targets: overlap- and dominance-weighted shapes of the phones shown."""
    channels = ("jaw", "width", "teeth", "tongue")
    weighted = {c: np.zeros(n_frames) for c in channels}
    weights = {c: np.zeros(n_frames) for c in channels}
    contacts = {"closure": np.zeros(n_frames), "tuck": np.zeros(n_frames)}
    vowel_cover = np.zeros(n_frames)
    vowel_jaw = np.zeros(n_frames)
    for label, start, end, shape in _segments(phones):
        dominance = DOMINANCE[CLASS_OF.get(label, "other")]
        first, last = int(np.floor(start)), min(int(np.ceil(end)), n_frames)
        if last <= first:
            continue
        frames = np.arange(first, last)
        overlap = np.minimum(end, frames + 1) - np.maximum(start, frames)
        for channel, dom in zip(channels, dominance, strict=False):
            weighted[channel][first:last] += overlap * dom * getattr(shape, channel)
            weights[channel][first:last] += overlap * dom
        for channel, values in contacts.items():
            level = getattr(shape, channel)
            if level > 0:
                strength = level * np.clip(overlap / CONTACT_FULL_OVERLAP, 0.0, 1.0)
                values[first:last] = np.maximum(values[first:last], strength)
                values[first + int(np.argmax(overlap))] = level  # a full seal, however short
        if CLASS_OF.get(label) == "vowel":
            better = overlap > vowel_cover[first:last]
            vowel_cover[first:last] = np.where(better, overlap, vowel_cover[first:last])
            vowel_jaw[first:last] = np.where(better, shape.jaw, vowel_jaw[first:last])
    vowel_jaw = np.where(vowel_cover >= VOWEL_MIN_COVER, vowel_jaw, 0.0)
    targets = {c: weighted[c] / np.maximum(weights[c], 1e-9) for c in channels}
    dominance = {c: np.maximum(weights[c], UNCOVERED_DOMINANCE) for c in channels}
    return Visemes(MouthTrack(**targets, **contacts), Dominance(**dominance), vowel_jaw)


def _segments(phones: tuple[FramePhone, ...]):
    """(label, start, end, shape) with each diphthong split into its start and glide shapes."""
    for phone in phones:
        shape = shape_of(phone.label)
        glide = GLIDES.get(phone.label)
        if glide is None:
            yield phone.label, phone.start, phone.end, shape
        else:
            middle = phone.start + GLIDE_START * (phone.end - phone.start)
            yield phone.label, phone.start, middle, shape
            yield phone.label, middle, phone.end, glide
