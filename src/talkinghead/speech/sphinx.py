"""What every use of CMU Sphinx (pocketsphinx's bundled en-us models) shares: the sample rate,
the frame length, the audio preparation and the decoders."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, Final, TypeAlias

import numpy as np

RATE: Final = 16000  # Hz; the rate of the Sphinx acoustic models
Decoder: TypeAlias = Any  # a pocketsphinx.Decoder (pocketsphinx has no type information)
FRAME_S: Final = 0.01  # pocketsphinx reports 100 frames per second

# Phone-loop tuning: language weight 1 (lw 1 found 97 of 132 word-initial and medial bilabials
# of the eSpeak test speech, lw 2 / pip 0.3, the documented values, 94; the insertion penalty
# made no difference). Beams of 1e-8 give the same phones as 1e-20, frame for frame, on every
# recording of ../shared/data/audio (and on 99.6% of the eSpeak frames, with the same
# bilabials found) at half the CPU (0.047 s per audio second against 0.082); at 1e-6 a tenth
# of the frames change, and at 1e-5 a fifth of the bilabials are lost.
PHONE_LOOP_OPTIONS: Final = {"lw": 1.0, "pip": 1.0, "beam": 1e-8, "pbeam": 1e-8}
# Word recognition: the documented defaults, first pass only (the second, flat-lexicon pass and
# the lattice search cost 2x more time and found fewer bilabials on the test speech).
WORD_OPTIONS: Final = {"fwdflat": False, "bestpath": False}

# Comfort noise. Synthetic speech (text-to-speech voice-overs) has stretches of exact digital
# silence, even inside words (stop closures). Sphinx's log-spectral features are meaningless
# there: whole sentences then fail to align ("final result does not match the grammar") and the
# phone loop mislabels stops (a third of the eSpeak bilabials found without, two thirds with).
# Seeded white noise this far under the clip's speech level, far below any real room tone,
# gives those stretches a floor, and leaves real recordings as they were.
COMFORT_NOISE_DB: Final = 30.0
COMFORT_NOISE_SEED: Final = 0x5EED
ACTIVE_SAMPLE: Final = 1e-4  # samples above this count towards the speech level


def to_rate(x: np.ndarray, rate: int) -> np.ndarray:
    """`x` resampled from `rate` to the models' 16 kHz."""
    if rate == RATE:
        return x
    divisor = np.gcd(int(rate), RATE)
    # scipy.signal is imported only here, for audio not at 16 kHz already (renders never get
    # any: load_audio decodes at 16 kHz). It takes half a second to import.
    from scipy import signal

    return signal.resample_poly(x, RATE // divisor, int(rate) // divisor).astype(np.float32)


def comfort_noise(x: np.ndarray) -> np.ndarray:
    """`x` plus seeded white noise COMFORT_NOISE_DB under its speech level (see above)."""
    active = x[np.abs(x) > ACTIVE_SAMPLE]
    if active.size == 0:
        return x
    level = float(np.sqrt(np.mean(active.astype(np.float64) ** 2)))
    rng = np.random.default_rng(COMFORT_NOISE_SEED)
    noise = rng.standard_normal(len(x)).astype(np.float32)
    return (x + level * 10 ** (-COMFORT_NOISE_DB / 20) * noise).astype(np.float32)


def pcm16(x: np.ndarray) -> bytes:
    """16 kHz float samples, with comfort noise, as the 16-bit PCM Sphinx reads."""
    return (np.clip(comfort_noise(x), -1.0, 1.0) * 32767.0).astype(np.int16).tobytes()


def decode(decoder: Decoder, pcm: bytes) -> None:
    """One utterance, decoded in one call (batch cepstral mean): the result depends on nothing
    but these samples."""
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()


def _model(*parts: str) -> str:
    from pocketsphinx import get_model_path

    return os.path.join(get_model_path(), "en-us", *parts)


def phone_loop_decoder() -> Decoder:
    """Phones alone: no dictionary and no word language model (pocketsphinx loads its en-us
    ones unless told not to, 0.1 s of CPU for nothing here)."""
    from pocketsphinx import Decoder

    return Decoder(hmm=_model("en-us"), allphone=_model("en-us-phone.lm.bin"), lm=None,
                   dict=None, samprate=RATE, loglevel="FATAL", **PHONE_LOOP_OPTIONS)


def word_decoder() -> Decoder:
    """English words: the bundled trigram LM and CMU dictionary."""
    from pocketsphinx import Decoder

    return Decoder(hmm=_model("en-us"), lm=_model("en-us.lm.bin"),
                   dict=_model("cmudict-en-us.dict"), samprate=RATE, loglevel="FATAL",
                   **WORD_OPTIONS)


def aligner_decoder(words: Iterable[str]) -> Decoder:
    """For aligning known words: the CMU dictionary's entries for `words` (every pronunciation
    of each, in the dictionary's order), and no language model. Loading all 135 000 entries,
    and the trigram model that pocketsphinx would otherwise load, costs 0.3-0.9 s of CPU."""
    from pocketsphinx import Decoder

    wanted = set(words)
    with open(_model("cmudict-en-us.dict"), encoding="utf-8") as full:
        entries = [line.split(" ", 1) for line in full if _entry_word(line) in wanted]
    decoder = Decoder(hmm=_model("en-us"), dict=None, lm=None, samprate=RATE, loglevel="FATAL")
    for i, (word, phones) in enumerate(entries):
        decoder.add_word(word, phones.strip(), i == len(entries) - 1)  # the last updates
    return decoder


def _entry_word(line: str) -> str:
    """The word a CMU dictionary line pronounces: "read(2) R EH D" -> "read"."""
    return line.split(" ", 1)[0].split("(", 1)[0]
