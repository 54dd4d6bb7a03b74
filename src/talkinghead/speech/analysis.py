"""The speech stage: phone timings plus acoustic cues for one recording."""

from __future__ import annotations

import numpy as np

from ..errors import AudioError
from .acoustics import extract_features
from .phonemes import PhoneRecognizer, recognize_phones
from .types import Speech


def analyse_speech(audio, recognizer: str | PhoneRecognizer = "pocketsphinx") -> Speech:
    """Phones and per-hop acoustic features for `audio` (anything with .samples, .sample_rate).

    Both halves see the same samples; neither needs the other, so motion planning can weigh
    them frame by frame (the phones say which shape, the acoustics how much and whether at all).
    """
    samples = np.asarray(audio.samples, dtype=np.float32).reshape(-1)
    if samples.size == 0:
        raise AudioError("the audio has no samples: nothing to lip-sync")
    rate = int(audio.sample_rate)
    return Speech(
        phones=recognize_phones(samples, rate, recognizer),
        features=extract_features(samples, rate),
        duration_s=samples.size / rate,
    )
