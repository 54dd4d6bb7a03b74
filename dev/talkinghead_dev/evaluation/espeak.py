"""English test speech whose phoneme timings are known by construction, from eSpeak NG.

eSpeak NG's library reports the start of every phoneme it speaks through its synthesis callback
(phoneme events), so the audio and its phoneme timeline come out of one call: no recogniser, no
alignment, no guessing. Whole sentences are synthesised in one call, so the speech is
continuous, with the coarticulation and pauses eSpeak puts between words and sentences.

Only `ctypes` and Debian's `libespeak-ng.so.1` (package `espeak-ng`) are needed; eSpeak is a
test tool here, never a dependency of rendering. The library keeps global state, so calls are
serialised with a lock and the voice and rate are set again for every clip.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np

from talkinghead.speech.types import frozen_array

LIBRARY_NAMES: Final = ("libespeak-ng.so.1", "libespeak-ng.so", "espeak-ng")

# espeak_Initialize(output, buflength, path, options): AUDIO_OUTPUT_SYNCHRONOUS (2) hands every
# buffer to the callback before espeak_Synth returns; option 1 (espeakINITIALIZE_PHONEME_EVENTS)
# adds an event per phoneme. The buffer length (ms) only sets how often the callback runs.
OUTPUT_SYNCHRONOUS: Final = 2
BUFFER_MS: Final = 500
PHONEME_EVENTS: Final = 1
# espeak_Synth flags: espeakCHARS_UTF8 (1) and espeakSSML (0x10), so <break time="700ms"/> works.
SYNTH_FLAGS: Final = 0x1 | 0x10
POSITION_CHARACTER: Final = 1
PARAMETER_RATE: Final = 1  # espeakRATE, words per minute
# Event types (espeak_EVENT_TYPE).
EVENT_END_OF_LIST: Final = 0
EVENT_WORD: Final = 1
EVENT_PHONEME: Final = 7

PAUSE: Final = "_"  # eSpeak's pause mnemonics all start with "_" ("_", "_:", "_!")
MARKER_CHARACTERS: Final = frozenset(";,'%=|")  # eSpeak's markers between phonemes (";"
# after "the" before a vowel): no sound of their own; their time goes to the phoneme before


class EspeakUnavailable(RuntimeError):
    """libespeak-ng could not be loaded (install Debian's `espeak-ng`)."""


class _Event(ctypes.Structure):
    """`espeak_EVENT` from speak_lib.h (the `id` union read as its 8-byte `string` member)."""

    _fields_ = (
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # milliseconds
        ("sample", ctypes.c_int),  # samples from the start of the output, at the voice's rate
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    )


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                             ctypes.POINTER(_Event))
_LOCK = threading.Lock()


@dataclass(frozen=True)
class KnownPhoneme:
    """One phoneme as eSpeak spoke it: its mnemonic, when, and where it sits in its word.

    `position` is "initial", "medial", "final" or "only" (a one-phoneme word) inside the word,
    or "pause" for eSpeak's pauses and the silence before the first and after the last sound.
    """

    symbol: str
    start_s: float
    end_s: float
    word: int  # index of the word in the text (-1 for pauses)
    position: str

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, eq=False)
class KnownSpeech:
    """Audio (float32 mono) and the phonemes that cover it end to end, in order."""

    text: str
    voice: str
    rate_wpm: int
    samples: np.ndarray
    sample_rate: int
    phonemes: tuple[KnownPhoneme, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "samples", frozen_array(self.samples))

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def espeak_available() -> bool:
    try:
        _library()
    except EspeakUnavailable:
        return False
    return True


def synthesize(text: str, voice: str = "en-us", rate_wpm: int = 150) -> KnownSpeech:
    """Speak `text` (plain text, or SSML such as <break time="700ms"/>) with its phoneme times."""
    lib, rate = _library()
    chunks: list[np.ndarray] = []
    events: list[tuple[int, int, str]] = []  # (type, sample, phoneme mnemonic)

    def on_audio(wav, count, event_list) -> int:
        if wav and count > 0:
            chunks.append(np.ctypeslib.as_array(wav, (count,)).astype(np.float32) / 32768.0)
        i = 0
        while event_list[i].type != EVENT_END_OF_LIST:
            event = event_list[i]
            if event.type in (EVENT_WORD, EVENT_PHONEME):
                name = bytes(event.id).split(b"\0")[0].decode("utf-8", "replace")
                events.append((event.type, event.sample, name))
            i += 1
        return 0

    callback = _CALLBACK(on_audio)
    data = text.encode("utf-8")
    with _LOCK:
        lib.espeak_SetSynthCallback(callback)
        if lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise ValueError(f"eSpeak NG has no voice {voice!r}")
        lib.espeak_SetParameter(PARAMETER_RATE, int(rate_wpm), 0)
        lib.espeak_Synth(data, len(data) + 1, 0, POSITION_CHARACTER, 0, SYNTH_FLAGS, None, None)
        lib.espeak_Synchronize()
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return KnownSpeech(text, voice, int(rate_wpm), samples, rate,
                       phoneme_timeline(events, len(samples), rate))


def phoneme_timeline(events: list[tuple[int, int, str]], n_samples: int,
                     rate: int) -> tuple[KnownPhoneme, ...]:
    """Phoneme events (type, sample, mnemonic) to spans covering 0..n_samples, in order.

    A phoneme lasts until the next phoneme starts. Word events number the words; the phonemes
    between two word events belong to the first. Markers and zero-length events vanish,
    silence before the first phoneme becomes a pause.
    """
    raw: list[tuple[str, int, int]] = []  # (symbol, start sample, word)
    word = -1
    for kind, sample, name in events:
        if kind == EVENT_WORD:
            word += 1
        elif name and not set(name) <= MARKER_CHARACTERS:
            raw.append((name, sample, -1 if name.startswith(PAUSE) else max(word, 0)))
    spans: list[tuple[str, int, int, int]] = []
    if raw and raw[0][1] > 0:
        spans.append((PAUSE, 0, raw[0][1], -1))
    for i, (name, start, w) in enumerate(raw):
        end = raw[i + 1][1] if i + 1 < len(raw) else n_samples
        end = min(end, n_samples)
        if end > start:
            spans.append((name, start, end, w))
    if not spans:
        return ()
    if spans[-1][2] < n_samples:
        spans.append((PAUSE, spans[-1][2], n_samples, -1))
    positions = _positions([w for *_, w in spans])
    return tuple(KnownPhoneme(name, start / rate, end / rate, w, pos)
                 for (name, start, end, w), pos in zip(spans, positions, strict=True))


def _positions(words: list[int]) -> list[str]:
    out = []
    for i, w in enumerate(words):
        if w < 0:
            out.append("pause")
            continue
        first = i == 0 or words[i - 1] != w
        last = i == len(words) - 1 or words[i + 1] != w
        out.append("only" if first and last else "initial" if first else
                   "final" if last else "medial")
    return out


@lru_cache(maxsize=1)
def _library():
    lib = None
    for name in (*LIBRARY_NAMES, ctypes.util.find_library("espeak-ng")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError:
            continue
    if lib is None:
        raise EspeakUnavailable("libespeak-ng is not installed (apt-get install espeak-ng)")
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetVoiceByName.argtypes = (ctypes.c_char_p,)
    lib.espeak_SetSynthCallback.argtypes = (_CALLBACK,)
    lib.espeak_Synth.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                 ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p)
    rate = lib.espeak_Initialize(OUTPUT_SYNCHRONOUS, BUFFER_MS, None, PHONEME_EVENTS)
    if rate <= 0:
        raise EspeakUnavailable(f"espeak_Initialize failed ({rate})")
    return lib, int(rate)
