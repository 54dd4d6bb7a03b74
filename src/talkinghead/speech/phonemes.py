"""Phone timings from speech: recognisers behind one small interface, chosen by name.

- `pocketsphinx-loop`: CMU Sphinx's English phone loop (no words, no transcript). It returns
  *some* phone sequence for any language, fast (about 4% of real time); on the eSpeak test
  speech it finds 73% of the word-initial and medial bilabials, and puts a bilabial on 14% of
  the tongue consonants (40 ms or longer). Its misses are mostly "p" and "b" that the acoustic
  model hears as TH, K or G, in every configuration tried (other language weights, insertion
  penalties, frequency warps, noise levels, lattice passes).
- `pocketsphinx` (the default): the loop's phones, plus the labial stop releases heard in the
  sound itself (`bursts.py`: a closure, then a diffuse, falling burst) wherever the loop has no
  bilabial: 91% of the bilabials found, with a bilabial on 19% of tongue consonants; 0.05 s of
  CPU per second of audio. A piece without a high band (speech that came through a telephone)
  shows no bursts, so there the words' bilabials are added instead, as `pocketsphinx-words`
  does (80% of the bilabials of 8 kHz test speech, against 73%, at 0.28 s per second).
- `pocketsphinx-words`: the above, plus English word recognition with the bundled language
  model, the recognised words aligned phone by phone and their bilabials added too: 93% of the
  bilabials, a bilabial on 17% of tongue consonants, for five times the CPU (0.26 s per second
  of audio). Rendered, the default meets every lip-sync goal of `benchmarks/lipsync.py` at a
  fifth of that cost.
(Measured on the four eSpeak voices of `dev/talkinghead_dev/evaluation/corpus.py`, a phone
counting as found when it overlaps the true one widened by 20 ms, a tongue consonant of 40 ms
or longer counting when a bilabial overlaps it at all.)

Whatever the recogniser, motion planning checks the phones against the acoustics and leans on
the acoustics where the two disagree (other languages, singing, noise). When the transcript is
known, `alignment.py` gives far better phones; the recogniser then only fills what alignment
left out.
"""

from __future__ import annotations

import itertools
import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from multiprocessing.pool import Pool
from typing import Final

import numpy as np

from .alignment import AlignmentFailed, phone_pass
from .bursts import has_high_band, labial_closures
from .sphinx import (
    FRAME_S,
    RATE,
    Decoder,
    decode,
    pcm16,
    phone_loop_decoder,
    to_rate,
    word_decoder,
)
from .types import SILENCE, PhoneSpan

# Audio is decoded in pieces of equal length, at most about PIECE_S, cut at quiet moments: Sphinx
# keeps a lattice of the whole utterance in memory (so an hour must be cut), and pieces can be
# decoded on several cores at once (`jobs/workers.py`). The cuts depend on the audio alone, never on
# the number of cores, so the phones are the same on any machine. (On the eSpeak test speech,
# 15 s pieces find as many bilabials as 30 s ones, within a bilabial or two either way.)
PIECE_S: Final = 15.0
CUT_SEARCH_S: Final = 3.0  # each cut is the quietest moment this close to its even split point
CUT_WINDOW_S: Final = 0.1  # loudness is compared over 100 ms windows when choosing a cut
BILABIALS: Final = frozenset({"P", "B", "M"})
BILABIAL_REACH_S: Final = 0.04  # a loop bilabial this close to a word bilabial is the same one
_FILLER_WORDS: Final = ("<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]")


class PhoneRecognizer(ABC):
    """Turns 16 kHz mono float samples into phone spans (seconds from the start of `samples`).

    Labels may carry stress digits or the recogniser's own silence and noise markers;
    `recognize_phones` normalises them."""

    @abstractmethod
    def recognize(self, samples: np.ndarray) -> list[PhoneSpan]: ...


class SphinxPhoneLoop(PhoneRecognizer):
    """CMU Sphinx English acoustic model with a phone bigram: a phone recogniser, no dictionary."""

    def recognize(self, samples: np.ndarray) -> list[PhoneSpan]:
        decoder = _loop_decoder()
        decode(decoder, pcm16(samples))
        return [PhoneSpan(seg.word, seg.start_frame * FRAME_S, (seg.end_frame + 1) * FRAME_S)
                for seg in decoder.seg() or ()]


class SphinxWords(PhoneRecognizer):
    """English words recognised with the bundled language model, then aligned phone by phone.

    The alignment is of the recogniser's own guess, so its phones are not `aligned` (known);
    nothing (no words, a failed alignment) comes back as an empty list."""

    def recognize(self, samples: np.ndarray) -> list[PhoneSpan]:
        decoder = _word_decoder()
        pcm = pcm16(samples)
        decode(decoder, pcm)
        words = [seg.word.split("(")[0] for seg in decoder.seg() or ()
                 if seg.word not in _FILLER_WORDS]
        if not words:
            return []
        try:
            groups = phone_pass(decoder, words, pcm)
        except AlignmentFailed:
            return []
        return [PhoneSpan(span.label, span.start_s, span.end_s)
                for group in groups for span in group.spans]


class SphinxLoopBursts(PhoneRecognizer):
    """The phone loop's phones, with the labial stop releases heard in the sound
    (`bursts.py`) laid over them wherever the loop has no bilabial. A piece without a high
    band (telephone audio) shows no bursts, so there the words' bilabials are added instead
    (`SphinxCombined`: 80% of the bilabials of 8 kHz test speech, against the loop's 73%)."""

    def recognize(self, samples: np.ndarray) -> list[PhoneSpan]:
        if not has_high_band(samples, RATE):
            return SphinxCombined().recognize(samples)
        return add_bilabials(SphinxPhoneLoop().recognize(samples), labial_closures(samples, RATE))


class SphinxCombined(PhoneRecognizer):
    """The words' phones, with the phone loop's bilabials added where the words have none,
    and then the labial stop releases heard in the sound (`bursts.py`) where neither has one."""

    def recognize(self, samples: np.ndarray) -> list[PhoneSpan]:
        loop = SphinxPhoneLoop().recognize(samples)
        words = SphinxWords().recognize(samples)
        phones = add_bilabials(words, loop) if words else loop
        return add_bilabials(phones, labial_closures(samples, RATE))


_decoders = threading.local()  # per thread (and so per worker process): never shared


def _loop_decoder() -> Decoder:
    """This thread's phone-loop decoder, made once (0.1-0.4 s), with its feature state reset, so
    that the phones depend on the piece alone, exactly as with a new decoder: the live cepstral
    mean would otherwise carry over from the previous piece."""
    decoder = getattr(_decoders, "loop", None)
    if decoder is None:
        decoder = _decoders.loop = phone_loop_decoder()
    decoder.reinit_feat()
    return decoder


def forget_decoders() -> None:
    """Free this thread's decoders (the next piece makes new ones)."""
    _decoders.__dict__.clear()


def _word_decoder() -> Decoder:
    """This thread's word decoder, made once (0.25-0.9 s: the dictionary and language model),
    back on its language-model search (the phone pass leaves it aligning) with its feature
    state reset, so that the words depend on the piece alone, as with a new decoder."""
    decoder = getattr(_decoders, "words", None)
    if decoder is None:
        decoder = _decoders.words = word_decoder()
    decoder.activate_search()
    decoder.reinit_feat()
    return decoder


def add_bilabials(base: list[PhoneSpan], other: list[PhoneSpan]) -> list[PhoneSpan]:
    """`base`, with every bilabial of `other` that is not within BILABIAL_REACH_S of a bilabial
    of `base` laid over it (the base phones it covers are cut back)."""
    ours = [p for p in base if normalise_label(p.label) in BILABIALS]
    extra = [p for p in other if normalise_label(p.label) in BILABIALS and not any(
        q.start_s < p.end_s + BILABIAL_REACH_S and q.end_s > p.start_s - BILABIAL_REACH_S
        for q in ours)]
    out: list[PhoneSpan] = []
    for span in base:
        pieces = [(span.start_s, span.end_s)]
        for cut in extra:
            pieces = [part for a, b in pieces
                      for part in ((a, min(b, cut.start_s)), (max(a, cut.end_s), b))
                      if part[1] > part[0]]
        out.extend(PhoneSpan(span.label, a, b, span.aligned) for a, b in pieces)
    return sorted(out + extra, key=lambda p: p.start_s)


RECOGNIZERS: Final[dict[str, type[PhoneRecognizer]]] = {
    "pocketsphinx": SphinxLoopBursts,
    "pocketsphinx-loop": SphinxPhoneLoop,
    "pocketsphinx-words": SphinxCombined,
}


def recognize_phones(
    samples: np.ndarray, rate: int, recognizer: str | PhoneRecognizer = "pocketsphinx",
    pool: Pool | None = None,
) -> tuple[PhoneSpan, ...]:
    """Phones covering the whole audio, in order, without gaps ("SIL" fills any).

    With a `pool` of worker processes (`jobs.workers`), the pieces are decoded in
    parallel; the phones are the same either way."""
    return start_recognition(samples, rate, recognizer, pool).result()


def start_recognition(
    samples: np.ndarray, rate: int, recognizer: str | PhoneRecognizer = "pocketsphinx",
    pool: Pool | None = None,
) -> PendingPhones:
    """`recognize_phones`, begun: with a `pool`, the workers decode while this process goes on
    (finding the face, aligning a transcript); without one, nothing is decoded until
    `result()` is asked for."""
    if isinstance(recognizer, str):
        if recognizer not in RECOGNIZERS:
            known = ", ".join(RECOGNIZERS)
            raise ValueError(f"unknown phone recognizer {recognizer!r}; have {known}")
        recognizer = RECOGNIZERS[recognizer]()
    x = to_rate(np.asarray(samples, dtype=np.float32).reshape(-1), rate)
    bounds = piece_bounds(x)
    pieces = [x[start:stop] for start, stop in bounds]
    if pool is None:
        return PendingPhones(bounds, len(x) / RATE, lambda: _in_this_process(recognizer, pieces))
    decoding = pool.map_async(recognizer.recognize, pieces, chunksize=1)
    return PendingPhones(bounds, len(x) / RATE, decoding.get)


class PendingPhones:
    """Phones being recognised, piece by piece (see `start_recognition`)."""

    def __init__(self, bounds: list[tuple[int, int]], duration_s: float,
                 found: Callable[[], list[list[PhoneSpan]]]) -> None:
        self._bounds, self._duration_s, self._found = bounds, duration_s, found

    def result(self) -> tuple[PhoneSpan, ...]:
        """The phones of the whole audio, waiting for the workers where they are not done (a
        worker's error is raised here)."""
        spans = [PhoneSpan(normalise_label(span.label), span.start_s + start / RATE,
                           span.end_s + start / RATE)
                 for (start, _), piece_spans in zip(self._bounds, self._found(), strict=True)
                 for span in piece_spans]
        return tidy_spans(spans, self._duration_s)


def _in_this_process(recognizer: PhoneRecognizer,
                     pieces: list[np.ndarray]) -> list[list[PhoneSpan]]:
    found = [recognizer.recognize(piece) for piece in pieces]
    forget_decoders()  # memory this process need not hold while it draws frames
    return found


def piece_count(duration_s: float) -> int:
    """How many pieces audio this long is decoded in."""
    return max(1, math.ceil(duration_s / PIECE_S))


def piece_bounds(x: np.ndarray) -> list[tuple[int, int]]:
    """Sample ranges of `piece_count` pieces, each cut at the quietest 100 ms within
    CUT_SEARCH_S of where an even split would put it."""
    count = piece_count(len(x) / RATE)
    window = int(CUT_WINDOW_S * RATE)
    reach = int(min(CUT_SEARCH_S, PIECE_S / 4) * RATE)
    cuts = [0]
    for k in range(1, count):
        ideal = k * len(x) // count
        low, high = max(cuts[-1] + window, ideal - reach), min(len(x) - window, ideal + reach)
        region = x[low:high].astype(np.float64)
        if len(region) <= window:
            cuts.append(ideal)
            continue
        running = np.concatenate([[0.0], np.cumsum(region**2)])
        energy = running[window:] - running[:-window]  # of each 100 ms window
        cuts.append(low + int(np.argmin(energy)) + window // 2)
    cuts.append(len(x))
    return list(itertools.pairwise(cuts))


def normalise_label(label: str) -> str:
    """ "AA1" -> "AA"; silence, fillers and noise ("<sil>", "+NSN+", "+SPN+") -> "SIL"."""
    label = label.strip().upper()
    if not label or label.startswith(("+", "<", "[")) or label in ("SIL", "SP"):
        return SILENCE
    return label.rstrip("012")


def tidy_spans(spans: list[PhoneSpan], duration: float) -> tuple[PhoneSpan, ...]:
    """Order, clip to the audio, fill gaps and the ends with silence, merge silences."""
    out: list[PhoneSpan] = []
    cursor = 0.0
    for span in sorted(spans, key=lambda s: s.start_s):
        start, end = max(span.start_s, cursor), min(span.end_s, duration)
        if end <= start:
            continue
        if start > cursor:
            out.append(PhoneSpan(SILENCE, cursor, start))
        out.append(PhoneSpan(span.label, start, end, span.aligned))
        cursor = end
    if cursor < duration:
        out.append(PhoneSpan(SILENCE, cursor, duration))
    merged: list[PhoneSpan] = []
    for span in out:
        if merged and span.label == SILENCE and merged[-1].label == SILENCE:
            merged[-1] = PhoneSpan(SILENCE, merged[-1].start_s, span.end_s,
                                   merged[-1].aligned and span.aligned)
        else:
            merged.append(span)
    return tuple(merged)
