"""Forced alignment: phone timings from the audio *and* the text of what is said.

When the transcript is known, the phones are known; only their timing is left to find. CMU
Sphinx aligns the words (`set_align_text`: a left-to-right grammar of the transcript with
optional silences), then a second pass over the same audio gives every phone's start and
duration (`set_alignment`, `get_alignment`). On eSpeak test speech this places all of the
bilabials the phone loop misses a third of (see `dev/talkinghead_dev/evaluation/`).

Alignment can fail, wholly (the transcript does not match the audio at all, the search never
reaches the last word) or in part (a sentence of the transcript is not spoken, or words are
spoken that the transcript lacks). In part, the aligner still places every word somewhere, but
the wrong words fit the sound badly: their acoustic score per frame is several times worse than
the clip's typical word (on eSpeak speech: typical -10 to -50, a replaced sentence -60 to -120),
or they are squeezed into a few frames or stretched over seconds. Such words are dropped, and
`analyse_speech` fills the time they covered from the phone loop; a whole failure returns None.

The phone pass (Sphinx's state alignment) holds every phone inside the frames the word pass gave
its word, and it fails outright ("Failed to stop utterance processing") where those bounds leave
a phone less than its three frames; a word starting or ending at the very edge of the audio is
the usual case (on eSpeak sentences: 9 of 45 failed, "The quick brown fox..." at most rates).
So each piece is aligned with a margin of comfort-noise silence on both sides
(`EDGE_PADS_S`, tried in turn), and the phones are then clipped back to the piece; a piece
that fails with every margin is cut in two at a word boundary and each half aligned alone. Of
45 eSpeak sentences (three voices, three rates), the margins aligned 44 and the halving the
last one.

Memory: the word pass keeps a back-pointer table of the whole audio (about 1.2 MB a second), the
phone pass several times that, so the phone pass runs on pieces cut at the silences the word
pass found, and audio longer than ALIGN_MAX_S is not aligned at all (the phone loop takes it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Final

import numpy as np

from .sphinx import FRAME_S, RATE, Decoder, aligner_decoder, decode, pcm16, to_rate
from .text import spell_out, transcript_words
from .types import SILENCE, PhoneSpan

ALIGN_MAX_S: Final = 600.0  # longer audio: ~700 MB for the word pass; the phone loop is used
PIECE_TARGET_S: Final = 30.0  # the phone pass runs on pieces about this long, cut in silences
MIN_CUT_SILENCE_S: Final = 0.1  # a silence at least this long can be a cut
EDGE_PADS_S: Final = (0.15, 0.3, 0.0)  # silence around a piece for the phone pass, tried in turn
MAX_SPLITS: Final = 3  # a piece that fails with every margin is halved, at most this deep
# Plausible word timing. The HMMs give each phone at least 3 frames (30 ms): a word whose
# phones average under SQUEEZED_PHONE_S (nearly all at that minimum) was forced into time that
# holds other speech; even fast speech (190 words a minute) averages 60 ms a phone. Real
# phones rarely last longer than STRETCHED_PHONE_S on average over a word, except sung or
# drawn-out words, hence the allowance per word.
SQUEEZED_PHONE_S: Final = 0.032
STRETCHED_PHONE_S: Final = 0.35
STRETCH_ALLOWANCE_S: Final = 0.6
MIN_ALIGNED_SHARE: Final = 0.5  # under half the words plausible: the transcript is not this audio
# A word (with its neighbouring words, as the aligner's errors spill over word edges) or a
# silence that scores per frame worse than this multiple of the median word is a misfit.
MISFIT_SCORE_RATIO: Final = 2.0

_FILLERS: Final = ("<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]")


class AlignmentFailed(RuntimeError):
    """The transcript could not be aligned to the audio."""


def align_transcript(samples: np.ndarray, rate: int, text: str) -> tuple[PhoneSpan, ...] | None:
    """Phones of `text` placed in the audio (seconds), flagged `aligned=True`; None on failure.

    Silences between words come back as "SIL" spans. The result covers only the stretches the
    alignment is sure of: implausibly timed words are left out (a gap), for the caller to fill.
    """
    words = transcript_words(text)
    x = to_rate(np.asarray(samples, dtype=np.float32).reshape(-1), rate)
    if not words or len(x) / RATE > ALIGN_MAX_S:
        return None
    possessives = (word[:-2] for word in words if word.endswith("'s"))  # see _known_words
    decoder = aligner_decoder([*words, *possessives])
    words = _known_words(decoder, words)
    if not words:
        return None
    try:
        segments = _word_pass(decoder, words, pcm16(x))
    except AlignmentFailed:
        return None
    groups: list[Group] = []
    for piece in _pieces(segments):
        groups.extend(_align_piece(decoder, piece, x))
    kept = _plausible(groups)
    if sum(1 for g in kept if not g.silence) < MIN_ALIGNED_SHARE * len(words):
        return None
    return tuple(span for group in kept for span in group.spans)


def _known_words(decoder: Decoder, words: list[str]) -> list[str]:
    """The words, each in the dictionary: missing ones added with a spelled-out pronunciation
    (possessives as the word plus Z), unpronounceable ones dropped."""
    out: list[str] = []
    added: dict[str, str] = {}
    for word in words:
        if word in added or decoder.lookup_word(word) is not None:
            out.append(word)
            continue
        base = word[:-2] if word.endswith("'s") else None
        base_phones = decoder.lookup_word(base) if base else None
        phones = f"{base_phones} Z" if base_phones else spell_out(word)
        if phones:
            added[word] = phones
            out.append(word)
    for i, (word, phones) in enumerate(added.items()):
        decoder.add_word(word, phones, i == len(added) - 1)
    return out


def _word_pass(decoder: Decoder, words: list[str], pcm: bytes) -> list[tuple[str, int, int]]:
    """(word or "<sil>", first frame, frame after the last) for the whole audio."""
    try:
        decoder.set_align_text(" ".join(words))
        decode(decoder, pcm)
        segments = [(seg.word, seg.start_frame, seg.end_frame + 1)
                    for seg in decoder.seg() or ()]
    except RuntimeError as e:
        raise AlignmentFailed(str(e)) from e
    if not any(word not in _FILLERS for word, _, _ in segments):
        raise AlignmentFailed("the search did not reach the end of the transcript")
    return segments


@dataclass(frozen=True)
class Piece:
    """Words of the transcript (with the sample each starts at) in samples first..last."""

    words: tuple[tuple[str, int], ...]
    first: int
    last: int

    def halves(self) -> tuple[Piece, Piece]:
        """The piece cut at the word boundary nearest its middle (at least two words)."""
        k = len(self.words) // 2
        cut = self.words[k][1]
        return (Piece(self.words[:k], self.first, cut), Piece(self.words[k:], cut, self.last))


def _pieces(segments: list[tuple[str, int, int]]) -> Iterator[Piece]:
    """Pieces of about PIECE_TARGET_S, cut mid-silence."""
    frames_per_piece = PIECE_TARGET_S / FRAME_S
    samples_per_frame = round(FRAME_S * RATE)
    words: list[tuple[str, int]] = []
    start = 0
    end = segments[-1][2] if segments else 0
    for word, first, last in segments:
        if word in _FILLERS:
            long_silence = (last - first) * FRAME_S >= MIN_CUT_SILENCE_S
            if word == "<sil>" and long_silence and words and (
                    first - start) >= frames_per_piece:
                cut = (first + last) // 2
                yield Piece(tuple(words), start * samples_per_frame, cut * samples_per_frame)
                words, start = [], cut
            continue
        words.append((_base_word(word), first * samples_per_frame))
    if words:
        yield Piece(tuple(words), start * samples_per_frame, end * samples_per_frame)


def _align_piece(decoder: Decoder, piece: Piece, x: np.ndarray,
                 splits: int = MAX_SPLITS) -> list[Group]:
    """The phone pass over `piece` of the samples `x`, with a margin of silence around it; where
    every margin fails, its halves, each aligned alone (see the module docstring)."""
    words = [word for word, _ in piece.words]
    for pad_s in EDGE_PADS_S:
        pad = np.zeros(round(pad_s * RATE), dtype=np.float32)
        pcm = pcm16(np.concatenate([pad, x[piece.first : piece.last], pad]))
        try:
            groups = phone_pass(decoder, words, pcm, piece.first - len(pad))
        except AlignmentFailed:
            continue
        return _clipped(groups, piece.first / RATE, piece.last / RATE)
    if splits == 0 or len(words) < 2:
        return []
    return [group for half in piece.halves() for group in _align_piece(decoder, half, x,
                                                                        splits - 1)]


def _clipped(groups: list[Group], start_s: float, end_s: float) -> list[Group]:
    """The groups with their phones cut to start_s..end_s (the margin's silence dropped)."""
    out = []
    for group in groups:
        spans = tuple(replace(span, start_s=max(span.start_s, start_s),
                              end_s=min(span.end_s, end_s))
                      for span in group.spans if span.end_s > start_s and span.start_s < end_s)
        if spans:
            out.append(replace(group, spans=spans))
    return out


def _base_word(word: str) -> str:
    """"remember(2)" -> "remember": the pass picks the variant again."""
    return word.split("(")[0]


@dataclass(frozen=True)
class Group:
    """The phones of one aligned word (or one silence) and the word's acoustic score."""

    spans: tuple[PhoneSpan, ...]
    score: float  # log-likelihood, Sphinx's scaled units; only ratios between words matter
    frames: int

    @property
    def silence(self) -> bool:
        return self.spans[0].label == SILENCE


def phone_pass(decoder: Decoder, words: list[str], pcm: bytes, offset: int = 0) -> list[Group]:
    """Phone spans of `words` aligned in `pcm` (16-bit, 16 kHz; `offset` samples from the start
    of the audio), grouped by word (silences are one-span groups). Every word must be in the
    decoder's dictionary; raises AlignmentFailed when the search cannot reach the last word."""
    try:
        decoder.set_align_text(" ".join(words))
        decode(decoder, pcm)
        decoder.set_alignment()
        decode(decoder, pcm)
        alignment = decoder.get_alignment()
    except RuntimeError as e:
        raise AlignmentFailed(str(e)) from e
    if alignment is None:
        raise AlignmentFailed("no phone alignment")
    base = offset / RATE
    groups = []
    for word in alignment:
        spans = []
        for phone in word:
            label = SILENCE if word.name in _FILLERS else phone.name.upper().rstrip("012")
            start = base + phone.start * FRAME_S
            end = base + (phone.start + phone.duration) * FRAME_S
            if end > start:
                spans.append(PhoneSpan(label, start, end, aligned=True))
        if spans and word.duration > 0:
            groups.append(Group(tuple(spans), float(word.score), int(word.duration)))
    return groups


def _plausible(groups: list[Group]) -> list[Group]:
    """The groups whose timing and fit are plausible (see the module docstring)."""
    words = [i for i, g in enumerate(groups) if not g.silence]
    if not words:
        return []
    typical = float(np.median([groups[i].score / groups[i].frames for i in words]))
    limit = MISFIT_SCORE_RATIO * typical  # scores are negative: below the limit is a misfit
    position = {index: at for at, index in enumerate(words)}
    kept = []
    for k, group in enumerate(groups):
        if group.silence:
            if group.score / group.frames >= limit:
                kept.append(group)
            continue
        at = position[k]
        near = [groups[i] for i in words[max(0, at - 1) : at + 2]]
        fit = sum(g.score for g in near) / sum(g.frames for g in near)
        duration = group.spans[-1].end_s - group.spans[0].start_s
        n = len(group.spans)
        timed = SQUEEZED_PHONE_S * n <= duration <= STRETCHED_PHONE_S * n + STRETCH_ALLOWANCE_S
        if fit >= limit and timed:
            kept.append(group)
    return kept
