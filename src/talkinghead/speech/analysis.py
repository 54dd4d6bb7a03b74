"""The speech stage: phone timings plus acoustic cues for one recording."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.pool import Pool
from typing import Final, TypeVar

import numpy as np

from ..errors import AudioError
from ..media.audio import Audio
from .acoustics import extract_features, features_from, hop_blocks, measure_block
from .alignment import ALIGN_MAX_S, align_transcript
from .phonemes import PendingPhones, PhoneRecognizer, start_recognition, tidy_spans
from .types import AcousticFeatures, PhoneSpan, Speech

MIN_GAP_S: Final = 0.05  # stretches alignment left out that are shorter than this stay silence
T = TypeVar("T")


@dataclass(frozen=True)
class StartedAnalysis:
    """A speech analysis begun by `start_analysis`: each part is asked for when needed."""

    phones: PendingPhones
    features: Callable[[], AcousticFeatures]
    aligned: Callable[[], tuple[PhoneSpan, ...] | None]


def start_analysis(audio: Audio, transcript: str | None = None,
                   recognizer: str | PhoneRecognizer = "pocketsphinx",
                   pool: Pool | None = None) -> StartedAnalysis:
    """The parts of `analyse_speech`, begun. With a `pool` of worker processes (see
    `jobs/workers.py`), the workers recognise the phones (piece by piece), measure the
    acoustic features (block by block) and align the transcript while the caller goes on
    (finding the face);
    without one, each part is computed in this process when it is asked for."""
    samples = np.asarray(audio.samples, dtype=np.float32).reshape(-1)
    if samples.size == 0:
        raise AudioError("the audio has no samples: nothing to lip-sync")
    rate = int(audio.sample_rate)
    phones = start_recognition(samples, rate, recognizer, pool)
    # longer audio is never aligned (align_transcript): no copy of it goes to a worker
    alignable = bool(transcript) and len(samples) <= ALIGN_MAX_S * rate
    return StartedAnalysis(phones, _features_begun(pool, samples, rate),
                           _begun(pool, align_transcript, samples, rate, transcript)
                           if alignable else _no_alignment)


def _features_begun(pool: Pool | None, samples: np.ndarray,
                    rate: int) -> Callable[[], AcousticFeatures]:
    """The acoustic features, block by block in the `pool` (each worker gets a block's
    samples, never the whole recording: 230 MB an hour), or here when asked for."""
    if pool is None:
        return partial(extract_features, samples, rate)
    blocks = hop_blocks(len(samples), rate)
    measured = pool.starmap_async(measure_block, [(samples[b.start:b.stop], b, len(samples), rate)
                                                  for b in blocks], chunksize=1)
    return lambda: features_from(measured.get(), rate)


def _begun(pool: Pool | None, work: Callable[..., T], *args: object) -> Callable[[], T]:
    """`work(*args)`, started now in the `pool`, or (without one) done when asked for."""
    if pool is None:
        return partial(work, *args)
    return pool.apply_async(work, args).get


def _no_alignment() -> None:
    return None


def analyse_speech(audio: Audio, transcript: str | None = None,
                   recognizer: str | PhoneRecognizer = "pocketsphinx",
                   pool: Pool | None = None, started: StartedAnalysis | None = None) -> Speech:
    """Phones and per-hop acoustic features for `audio` .

    With `transcript` (plain text of what is said, any punctuation and numbers), the phones
    come from forced alignment of that text (`aligned=True`); wherever alignment fails, wholly
    or for some words, the phone loop fills in. Without it, the phone loop gives them all.
    The acoustic features never depend on the phones, so motion planning can weigh the two
    frame by frame (the phones say which shape, the acoustics how much and whether at all).
    A `pool` of worker processes does the work in parallel; `started`, the same analysis
    begun earlier (`start_analysis`), lets the workers work while the caller does other work
    first. The result is the same either way.
    """
    if started is None:
        started = start_analysis(audio, transcript, recognizer, pool)
    duration = np.asarray(audio.samples).size / int(audio.sample_rate)
    aligned = started.aligned()
    phones = (started.phones.result() if aligned is None
              else _fill_gaps(aligned, started.phones, duration))
    return Speech(phones=phones, features=started.features(), duration_s=duration)


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
