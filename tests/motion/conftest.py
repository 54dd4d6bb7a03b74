"""Hand-made `Speech` for motion tests: phones with acoustics that agree with them."""

from __future__ import annotations

import numpy as np
import pytest

from talkinghead.speech.acoustics import fill_short_runs
from talkinghead.speech.types import AcousticFeatures, PhoneSpan, Speech

HOP_S = 0.01
VOWELS = {"AA", "AE", "AH", "AO", "EH", "ER", "IH", "IY", "UH", "UW", "AW", "AY", "EY", "OW",
          "OY"}
SONORANTS = {"M", "N", "NG", "L", "R", "W", "Y"}
VOICED_FRICATIVES = {"V", "Z", "DH", "ZH", "JH"}
UNVOICED_FRICATIVES = {"F", "S", "SH", "TH", "HH", "CH"}
OPENNESS = {"AA": 1.0, "AO": 0.9, "AE": 0.8, "AH": 0.6, "EH": 0.5, "OW": 0.5, "AW": 0.8,
            "AY": 0.8, "OY": 0.6, "EY": 0.4}
ROUNDING = {"UW": 1.0, "OW": 0.8, "UH": 0.7, "AO": 0.5, "W": 1.0, "OY": 0.5}


def make_speech(phones: list[tuple[str, float]], loudness_scale: float = 1.0) -> Speech:
    """`phones` as (label, seconds); features consistent with each phone's class."""
    spans, t = [], 0.0
    for label, duration in phones:
        spans.append(PhoneSpan(label, t, t + duration))
        t += duration
    n = int(np.ceil(t / HOP_S))
    feats = {k: np.zeros(n) for k in ("loudness", "voicing", "openness", "rounding",
                                       "frication", "speech")}
    for span in spans:
        a, b = round(span.start_s / HOP_S), round(span.end_s / HOP_S)
        label = span.label
        if label == "SIL":
            continue
        feats["speech"][a:b] = 1
        if label in VOWELS:
            loud, voiced, fric = 0.9, 1.0, 0.0
        elif label in SONORANTS:
            loud, voiced, fric = 0.6, 1.0, 0.0
        elif label in VOICED_FRICATIVES:
            loud, voiced, fric = 0.5, 0.6, 0.3
        elif label in UNVOICED_FRICATIVES:
            loud, voiced, fric = 0.5, 0.0, 0.9
        else:  # stops
            loud, voiced, fric = 0.15, 0.0, 0.0
        feats["loudness"][a:b] = loud * loudness_scale
        feats["voicing"][a:b] = voiced
        feats["frication"][a:b] = fric
        feats["openness"][a:b] = OPENNESS.get(label, 0.0) * voiced
        feats["rounding"][a:b] = ROUNDING.get(label, 0.0) * voiced
    feats["speech"] = fill_short_runs(feats["speech"] > 0, False, 25).astype(float)
    return Speech(tuple(spans), AcousticFeatures(hop_s=HOP_S, **feats), t)


@pytest.fixture
def speech_of():
    return make_speech


def frames_of(label: str, phones: list[tuple[str, float]], fps: int = 25) -> np.ndarray:
    """Indices of the frames whose centre lies inside a phone labelled `label`."""
    out, t = [], 0.0
    for name, duration in phones:
        if name == label:
            first, last = int(np.ceil(t * fps - 0.5)), int(np.ceil((t + duration) * fps - 0.5))
            out.extend(range(first, last))
        t += duration
    return np.array(out, dtype=int)


@pytest.fixture
def frames_in():
    return frames_of
