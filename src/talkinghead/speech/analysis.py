"""The speech stage: phone timings plus acoustic cues for one recording."""

from __future__ import annotations

from multiprocessing.pool import Pool
from typing import Final

import numpy as np

from ..errors import AudioError
from ..media.audio import Audio
from .acoustics import extract_features
from .alignment import align_transcript
from .phonemes import PendingPhones, PhoneRecognizer, start_recognition, tidy_spans
from .types import PhoneSpan, Speech

MIN_GAP_S: Final = 0.05  # stretches alignment left out that are shorter than this stay silence


def analyse_speech(audio: Audio, transcript: str | None = None,
                   recognizer: str | PhoneRecognizer = "pocketsphinx",
                   pool: Pool | None = None, recognized: PendingPhones | None = None) -> Speech:
    """Phones and per-hop acoustic features for `audio` .

    With `transcript` (plain text of what is said, any punctuation and numbers), the phones
    come from forced alignment of that text (`aligned=True`); wherever alignment fails, wholly
    or for some words, the phone loop fills in. Without it, the phone loop gives them all.
    The acoustic features never depend on the phones, so motion planning can weigh the two
    frame by frame (the phones say which shape, the acoustics how much and whether at all).
    A `pool` of worker processes (`jobs.workers`) recognises phones in parallel;
    `recognized`, the same recognition started earlier (`phonemes.start_recognition`), lets
    the workers decode while the caller does other work first (and the transcript is aligned).
    """
    samples = np.asarray(audio.samples, dtype=np.float32).reshape(-1)
    if samples.size == 0:
        raise AudioError("the audio has no samples: nothing to lip-sync")
    rate = int(audio.sample_rate)
    duration = samples.size / rate
    if recognized is None:
        recognized = start_recognition(samples, rate, recognizer, pool)
    features = extract_features(samples, rate)  # here while any workers decode
    aligned = align_transcript(samples, rate, transcript) if transcript else None
    if aligned is None:
        phones = recognized.result()
    else:
        phones = _fill_gaps(aligned, recognized, duration)
    return Speech(phones=phones, features=features, duration_s=duration)


def _fill_gaps(aligned: tuple[PhoneSpan, ...], recognized: PendingPhones,
               duration: float) -> tuple[PhoneSpan, ...]:
    """Aligned phones, with the phone loop's phones in the stretches alignment left out."""
    gaps, cursor = [], 0.0
    for span in sorted(aligned, key=lambda s: s.start_s):
        if span.start_s - cursor >= MIN_GAP_S:
            gaps.append((cursor, span.start_s))
        cursor = max(cursor, span.end_s)
    if duration - cursor >= MIN_GAP_S:
        gaps.append((cursor, duration))
    filled = list(aligned)
    if gaps:
        for span in recognized.result():
            for start, end in gaps:
                first, last = max(span.start_s, start), min(span.end_s, end)
                if last > first:
                    filled.append(PhoneSpan(span.label, first, last))
    return tidy_spans(filled, duration)
