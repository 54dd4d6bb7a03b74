"""Phone timings from speech: recognisers behind one small interface, chosen by name.

The default, `pocketsphinx`, runs CMU Sphinx's English phone loop (no words, no transcript), so
it returns *some* phone sequence for any language; motion planning checks it against the
acoustics and leans on the acoustics where the two disagree. A forced aligner that also takes
the transcript can be added to `RECOGNIZERS` later without changing callers.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import Final

import numpy as np
from scipy import signal

from .types import SILENCE, PhoneSpan

RATE: Final = 16000  # Hz; the rate of the Sphinx acoustic models
PIECE_S: Final = 30.0  # longest stretch decoded at once: Sphinx keeps a lattice of the whole
# utterance in memory, so an hour of audio is decoded as pieces cut at quiet moments
CUT_SEARCH_S: Final = 10.0  # look for the quietest moment in the last 10 s of each piece
CUT_WINDOW_S: Final = 0.1  # loudness is compared over 100 ms windows when choosing a cut

SPHINX_FRAME_S: Final = 0.01  # pocketsphinx reports 100 frames per second
SPHINX_CHUNK: Final = 1600  # samples fed per call. Streaming (live cepstral mean) in fixed 0.1 s
# chunks: one batch call (full_utt=True) stalls on some clips, emitting one phone for the last
# several seconds; fixed chunks keep the result independent of anything but the samples
PRIME_S: Final = 10.0  # streaming starts from a default cepstral mean and misreads the first
# second or two ("M AA M" came out "L AA L"); decoding up to 10 s once first primes the mean,
# which matched the batch result on test clips
# Phone-loop tuning from the pocketsphinx documentation: language weight, phone insertion
# penalty and very wide beams (the phone loop is small, so wide beams stay fast).
SPHINX_OPTIONS: Final = {"lw": 2.0, "pip": 0.3, "beam": 1e-10, "pbeam": 1e-10}


class PhoneRecognizer(ABC):
    """Turns 16 kHz mono float samples into phone spans (seconds from the start of `samples`).

    Labels may carry stress digits or the recogniser's own silence and noise markers;
    `recognize_phones` normalises them."""

    @abstractmethod
    def recognize(self, samples: np.ndarray) -> list[PhoneSpan]: ...


class SphinxPhoneLoop(PhoneRecognizer):
    """CMU Sphinx English acoustic model with a phone bigram: a phone recogniser, no dictionary."""

    def recognize(self, samples: np.ndarray) -> list[PhoneSpan]:
        # A fresh decoder for each piece: the live cepstral mean carries over between
        # utterances, so reusing one would make results depend on what was decoded before.
        decoder = _sphinx_decoder()
        pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)
        _decode(decoder, pcm[: int(PRIME_S * RATE)])
        _decode(decoder, pcm)
        return [
            PhoneSpan(seg.word, seg.start_frame * SPHINX_FRAME_S,
                      (seg.end_frame + 1) * SPHINX_FRAME_S)
            for seg in decoder.seg()
        ]


RECOGNIZERS: Final[dict[str, type[PhoneRecognizer]]] = {"pocketsphinx": SphinxPhoneLoop}


def recognize_phones(
    samples: np.ndarray, rate: int, recognizer: str | PhoneRecognizer = "pocketsphinx"
) -> tuple[PhoneSpan, ...]:
    """Phones covering the whole audio, in order, without gaps ("SIL" fills any)."""
    if isinstance(recognizer, str):
        if recognizer not in RECOGNIZERS:
            known = ", ".join(RECOGNIZERS)
            raise ValueError(f"unknown phone recognizer {recognizer!r}; have {known}")
        recognizer = RECOGNIZERS[recognizer]()
    x = _to_rate(np.asarray(samples, dtype=np.float32).reshape(-1), rate)
    duration = len(x) / RATE
    spans: list[PhoneSpan] = []
    for start, stop in _pieces(x):
        offset = start / RATE
        for span in recognizer.recognize(x[start:stop]):
            spans.append(PhoneSpan(_normalise(span.label), span.start_s + offset,
                                   span.end_s + offset))
    return _tidy(spans, duration)


def _to_rate(x: np.ndarray, rate: int) -> np.ndarray:
    if rate == RATE:
        return x
    divisor = np.gcd(int(rate), RATE)
    return signal.resample_poly(x, RATE // divisor, int(rate) // divisor).astype(np.float32)


def _pieces(x: np.ndarray) -> list[tuple[int, int]]:
    """Cut points at the quietest 100 ms inside the last CUT_SEARCH_S of every PIECE_S."""
    piece, search, window = (int(PIECE_S * RATE), int(CUT_SEARCH_S * RATE),
                             int(CUT_WINDOW_S * RATE))
    bounds, start = [], 0
    while len(x) - start > piece:
        region = x[start + piece - search : start + piece].astype(np.float64)
        running = np.concatenate([[0.0], np.cumsum(region**2)])
        energy = running[window:] - running[:-window]  # of each 100 ms window
        cut = start + piece - search + int(np.argmin(energy)) + window // 2
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(x)))
    return bounds


def _normalise(label: str) -> str:
    """ "AA1" -> "AA"; silence, fillers and noise ("<sil>", "+NSN+", "+SPN+") -> "SIL"."""
    label = label.strip().upper()
    if not label or label.startswith(("+", "<", "[")) or label in ("SIL", "SP"):
        return SILENCE
    return label.rstrip("012")


def _tidy(spans: list[PhoneSpan], duration: float) -> tuple[PhoneSpan, ...]:
    """Order, clip to the audio, fill gaps and the ends with silence, merge silences."""
    out: list[PhoneSpan] = []
    cursor = 0.0
    for span in sorted(spans, key=lambda s: s.start_s):
        start, end = max(span.start_s, cursor), min(span.end_s, duration)
        if end <= start:
            continue
        if start > cursor:
            out.append(PhoneSpan(SILENCE, cursor, start))
        out.append(PhoneSpan(span.label, start, end))
        cursor = end
    if cursor < duration:
        out.append(PhoneSpan(SILENCE, cursor, duration))
    merged: list[PhoneSpan] = []
    for span in out:
        if merged and span.label == SILENCE and merged[-1].label == SILENCE:
            merged[-1] = PhoneSpan(SILENCE, merged[-1].start_s, span.end_s)
        else:
            merged.append(span)
    return tuple(merged)


def _decode(decoder, pcm: np.ndarray) -> None:
    decoder.start_utt()
    for start in range(0, len(pcm), SPHINX_CHUNK):
        decoder.process_raw(pcm[start : start + SPHINX_CHUNK].tobytes(), full_utt=False)
    decoder.end_utt()


def _sphinx_decoder():
    from pocketsphinx import Decoder, get_model_path

    models = get_model_path()
    return Decoder(
        hmm=os.path.join(models, "en-us", "en-us"),
        allphone=os.path.join(models, "en-us", "en-us-phone.lm.bin"),
        samprate=RATE,
        loglevel="FATAL",
        **SPHINX_OPTIONS,
    )
