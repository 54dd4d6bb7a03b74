"""Per-hop acoustic cues for the mouth, from numpy, OpenCV and FFmpeg (no model, any language).

Each hop gets a 25 ms Hann spectrum (level, formant and noise cues) and a 40 ms normalised
autocorrelation (voicing). Everything is vectorised over hops: a second of audio takes a few
milliseconds, so the cues are always available, even where phone recognition fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Final

import numpy as np

from .. import filters
from ..media.audio import high_pass
from .types import AcousticFeatures

HOP_S: Final = 0.01  # 100 hops/s: the phone recogniser's frame rate, 4 hops per 25 fps frame
SPECTRUM_WINDOW_S: Final = 0.025  # short enough to resolve a 50 ms lip closure
PITCH_WINDOW_S: Final = 0.040  # holds 2.4 periods of a 60 Hz voice, enough for autocorrelation
MIN_F0_HZ: Final = 60.0  # lowest speaking pitch (deep male voices)
MAX_F0_HZ: Final = 500.0  # highest (children, singing); shorter lags are formants, not pitch
HIGHPASS_HZ: Final = 60.0  # mains hum and DC carry no speech and fake voicing
BLOCK_HOPS: Final = 1000  # hops measured at once (10 s): bounds memory for hour-long audio
# The high-pass filter's memory: its poles at 60 Hz decay by e^-267 within a second, so a block
# filtered from this long before its first frame has the samples of the whole clip filtered.
FILTER_SETTLE_S: Final = 1.0

# Level. Speech level = this percentile of the active hops: the stressed vowels of the clip.
SPEECH_LEVEL_PERCENTILE: Final = 90.0
LOUDNESS_RANGE_DB: Final = 35.0  # loudness 0..1 spans this range below the speech level; weak
# consonants sit 20-30 dB under the vowels, so they stay above 0
SILENCE_FLOOR_DBFS: Final = -65.0  # below this a hop is silence whatever the clip's level

# Voicing: normalised autocorrelation peak of white noise over these lags is ~0.2; sung or spoken
# vowels reach 0.85-0.99. Map that range to 0..1.
VOICING_NOISE_NCCF: Final = 0.35
VOICING_FULL_NCCF: Final = 0.85
PERIOD_PEAK_SHARE: Final = 0.9  # the pitch period: the first autocorrelation peak this close to
# the best one (the best is often a multiple of the period: an octave too low)
PITCH_MIN_VOICING: Final = 0.5  # hops less voiced than this have no pitch
PITCH_RANGE_ST: Final = 12.0  # an octave either way of the median; beyond is a tracking error

# Formant cues read from the spectrum smoothed across ~250 Hz (which hides the pitch harmonics).
ENVELOPE_SMOOTH_HZ: Final = 250.0
F1_BAND_HZ: Final = (200.0, 1100.0)  # where the first formant lives
# The band centroid is ~320 Hz for "IY"/"UW" (jaw nearly closed) and ~760 Hz for "AA"/"AO"
# (wide open) in eSpeak voices, but real talkers vary with vocal tract, pitch and microphone
# (radio and singing clips: 10th percentile of voiced hops 270-350 Hz, 90th 490-730 Hz). So the
# closed and open ends are the clip's own 10th and 90th percentiles, held inside these bounds.
F1_CLOSED_HZ: Final = (260.0, 360.0)
F1_OPEN_HZ: Final = (480.0, 760.0)
F1_PERCENTILES: Final = (10.0, 90.0)
# Rounding lowers the second and third formants, so a rounded vowel has a steep spectral tilt:
# power at 1.5-3.5 kHz against 0.2-1.5 kHz is -4 dB for "IY"/"EH", -15 to -20 dB for "OW"/"UH".
# "AA" tilts steeply too (its F1/F2 are low and close), so open vowels count less.
TILT_LOW_HZ: Final = (200.0, 1500.0)
TILT_HIGH_HZ: Final = (1500.0, 3500.0)
TILT_REFERENCE_DB: Final = (-13.0, -7.0)  # the clip's median voiced tilt, held in this range so
# that a dull microphone does not round every vowel, nor a one-vowel clip none
TILT_FULL_ROUND_DB: Final = 7.0  # this much steeper than the reference is fully rounded
OPEN_UNROUNDS: Final = 0.6  # share of rounding removed at full openness
CUE_SMOOTH_HOPS: Final = 5  # 50 ms moving average: formant cues jitter hop to hop

# Frication: share of power above FRICATION_HZ; vowels have ~1%, "S" ~80%, white noise ~55%.
FRICATION_HZ: Final = 3500.0
FRICATION_SHARE: Final = (0.12, 0.45)  # share mapped to 0..1
FRICATION_LOUDNESS: Final = (0.05, 0.3)  # hiss quieter than this is room noise, not a fricative

# Voice activity: a hop is speech when its loudness exceeds this (28 dB under the speech level)
# and it stands clear of the clip's noise floor.
SPEECH_MIN_LOUDNESS: Final = 0.2
NOISE_FLOOR_PERCENTILE: Final = 10.0
NOISE_MARGIN_DB: Final = 10.0  # over the noise floor, so room tone and breaths do not count
NOISE_MARGIN_CAP_DB: Final = 12.0  # but never demand more than 12 dB under the speech level:
# continuous speech has no noise floor to measure; its 10th percentile is a quiet consonant
SPEECH_GAP_BRIDGE_S: Final = 0.25  # gaps shorter than this are inside a word or phrase
SPEECH_MIN_BURST_S: Final = 0.05  # shorter bursts are clicks, not speech


@dataclass(frozen=True)
class HopBlock:
    """Hops first..first+count-1, measured at once from samples start..stop of the clip: the
    frames around those hops, and before them the high-pass filter's settling time."""

    first: int
    count: int
    start: int
    stop: int


def hop_blocks(n_samples: int, rate: int) -> list[HopBlock]:
    """The blocks of BLOCK_HOPS hops that a clip of `n_samples` is measured in. Each depends
    only on its own samples, so blocks can be measured anywhere, in any order."""
    hop = _hop(rate)
    n_hops = max(1, int(np.ceil(n_samples / hop)))
    windows = (round(SPECTRUM_WINDOW_S * rate), round(PITCH_WINDOW_S * rate))
    before = max(length // 2 for length in windows)  # of a hop's centre, its frames reach
    after = max(length - length // 2 for length in windows)
    settle = round(FILTER_SETTLE_S * rate)
    blocks = []
    for first in range(0, n_hops, BLOCK_HOPS):
        count = min(BLOCK_HOPS, n_hops - first)
        start = max(0, first * hop - before - settle)
        stop = min(n_samples, (first + count - 1) * hop + after)
        blocks.append(HopBlock(first, count, start, max(start, stop)))
    return blocks


def measure_block(samples: np.ndarray, block: HopBlock, n_samples: int,
                  rate: int) -> dict[str, np.ndarray]:
    """The raw measures of `block`'s hops, from `samples` (the clip's samples block.start to
    block.stop) of a clip `n_samples` long."""
    x = high_pass(np.asarray(samples, dtype=np.float32).reshape(-1), rate, HIGHPASS_HZ)
    return _measure(x, rate, block, n_samples)


def features_from(measured: list[dict[str, np.ndarray]], rate: int) -> AcousticFeatures:
    """Loudness, voicing, openness, rounding, frication and voice activity, one value per hop,
    from the raw measures of all the clip's blocks, in order (`measure_block`): each is
    normalised to the whole clip (its speech level, its own formant range)."""
    raw = {key: np.concatenate([m[key] for m in measured]) for key in measured[0]}
    loudness = _loudness(raw["level_db"])
    voicing = _ramp(raw["nccf"], VOICING_NOISE_NCCF, VOICING_FULL_NCCF) * (loudness > 0)
    pitch = _relative_pitch(rate / raw["period"], voicing)
    openness = _openness(raw["f1"], voicing)
    rounding = _rounding(raw["tilt_db"], voicing) * (1.0 - OPEN_UNROUNDS * openness)
    frication = (_ramp(raw["high_share"], *FRICATION_SHARE) * (1.0 - voicing)
                 * _ramp(loudness, *FRICATION_LOUDNESS))
    return AcousticFeatures(
        hop_s=_hop(rate) / rate,
        loudness=loudness,
        voicing=voicing,
        openness=_smooth_hops(openness * voicing),
        rounding=_smooth_hops(rounding * voicing),
        frication=frication,
        speech=_voice_activity(raw["level_db"], loudness),
        pitch=pitch,
    )


def extract_features(samples: np.ndarray, rate: int) -> AcousticFeatures:
    """Loudness, voicing, openness, rounding, frication and voice activity, one value per hop
    (`features_from`, with every block measured here)."""
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    return features_from([measure_block(x[b.start:b.stop], b, len(x), rate)
                          for b in hop_blocks(len(x), rate)], rate)


def _hop(rate: int) -> int:
    return max(1, round(HOP_S * rate))


def _measure(x: np.ndarray, rate: int, block: HopBlock,
             n_samples: int) -> dict[str, np.ndarray]:
    """Raw per-hop measures for the hops of `block`, from `x`, the clip's samples block.start
    to block.stop, high-passed (clip-independent, so blockwise)."""
    frames = partial(_frames, x, _hop(rate), block, n_samples)
    power, freqs = _power_spectra(frames, rate)
    envelope = _smooth_across_frequency(power, freqs)
    low = _band(envelope, freqs, TILT_LOW_HZ).sum(axis=1)
    high = _band(envelope, freqs, TILT_HIGH_HZ).sum(axis=1)
    total = power[:, freqs >= HIGHPASS_HZ].sum(axis=1) + 1e-20
    nccf, period = _nccf_peak(frames, rate)
    return {
        "level_db": _level_db(power),
        "nccf": nccf,
        "period": period,
        "f1": _band_centroid(envelope, freqs, F1_BAND_HZ),
        "tilt_db": 10.0 * np.log10((high + 1e-20) / (low + 1e-20)),
        "high_share": power[:, freqs >= FRICATION_HZ].sum(axis=1) / total,
    }


def _frames(x: np.ndarray, hop: int, block: HopBlock, n_samples: int,
            length: int) -> np.ndarray:
    """(count, length) frames of the clip, frame i centred on sample (block.first + i) * hop,
    zero-padded beyond the ends of the clip; `x` holds its samples block.start..block.stop."""
    start = block.first * hop - length // 2
    stop = start + (block.count - 1) * hop + length
    padded = np.zeros(stop - start, dtype=np.float32)
    lo, hi = max(start, 0), min(stop, n_samples)
    if hi > lo:
        padded[lo - start : hi - start] = x[lo - block.start : hi - block.start]
    view = np.lib.stride_tricks.sliding_window_view(padded, length)
    return view[::hop]


def _power_spectra(frames_of: Callable[[int], np.ndarray],
                   rate: int) -> tuple[np.ndarray, np.ndarray]:
    length = round(SPECTRUM_WINDOW_S * rate)
    n_fft = 1 << int(np.ceil(np.log2(length)))
    window = hann(length).astype(np.float32)
    frames = frames_of(length) * window
    power = np.abs(np.fft.rfft(frames, n_fft, axis=1)) ** 2 / float(np.sum(window**2))
    return power.astype(np.float32), np.fft.rfftfreq(n_fft, 1.0 / rate)


def hann(length: int) -> np.ndarray:
    """The periodic Hann window of `length` samples (for spectra): scipy.signal's
    get_window("hann", length)."""
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(length) / length)


def _level_db(power: np.ndarray) -> np.ndarray:
    """Mean-square level of each hop in dBFS (a full-scale sine is -3 dB)."""
    n_fft = 2 * (power.shape[1] - 1)
    mean_square = 2.0 * power.sum(axis=1) / n_fft  # Parseval over the one-sided spectrum
    return 10.0 * np.log10(mean_square + 1e-12)


def _loudness(level_db: np.ndarray) -> np.ndarray:
    active = level_db[level_db > SILENCE_FLOOR_DBFS]
    if active.size == 0:
        return np.zeros_like(level_db)
    reference = np.percentile(active, SPEECH_LEVEL_PERCENTILE)
    loudness = (level_db - (reference - LOUDNESS_RANGE_DB)) / LOUDNESS_RANGE_DB
    return np.where(level_db > SILENCE_FLOOR_DBFS, np.clip(loudness, 0.0, 1.0), 0.0)


def _nccf_peak(frames_of: Callable[[int], np.ndarray], rate: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Peak normalised cross-correlation over the pitch lags (the RAPT/YIN periodicity measure),
    and the period in samples: the shortest lag whose local peak is within PERIOD_PEAK_SHARE of
    the best, since every multiple of the period scores nearly as high (octave errors).

    Normalising each lag by the energies of the two overlapping parts (not by the whole frame)
    makes a periodic signal score 1 at its period whatever the window length.
    """
    length = round(PITCH_WINDOW_S * rate)
    min_lag = max(1, int(rate / MAX_F0_HZ))
    max_lag = min(length // 2, int(np.ceil(rate / MIN_F0_HZ)))
    frames = frames_of(length).astype(np.float64)
    count = len(frames)
    frames = frames - frames.mean(axis=1, keepdims=True)
    n_fft = 1 << int(np.ceil(np.log2(length + max_lag)))
    spectrum = np.fft.rfft(frames, n_fft, axis=1)
    lags = np.arange(min_lag, max_lag + 1)
    autocorr = np.fft.irfft(np.abs(spectrum) ** 2, n_fft, axis=1)[:, lags]
    energy = np.concatenate([np.zeros((count, 1)), np.cumsum(frames**2, axis=1)], axis=1)
    head = energy[:, length - lags]  # energy of x[0 : length - lag]
    tail = energy[:, [length]] - energy[:, lags]  # energy of x[lag : length]
    nccf = autocorr / np.sqrt(head * tail + 1e-20)
    best = nccf.max(axis=1)
    peak = np.zeros_like(nccf, dtype=bool)
    peak[:, 1:-1] = (nccf[:, 1:-1] >= nccf[:, :-2]) & (nccf[:, 1:-1] > nccf[:, 2:])
    peak &= nccf >= PERIOD_PEAK_SHARE * best[:, None]
    first_peak = np.where(peak.any(axis=1), peak.argmax(axis=1), nccf.argmax(axis=1))
    return best, lags[first_peak].astype(np.float64)


def _relative_pitch(f0_hz: np.ndarray, voicing: np.ndarray) -> np.ndarray:
    """Semitones above the median pitch of the clearly voiced hops; 0 where not voiced."""
    voiced = voicing >= PITCH_MIN_VOICING
    if voiced.sum() < 10:
        return np.zeros(len(f0_hz), dtype=np.float32)
    semitones = 12.0 * np.log2(f0_hz / np.median(f0_hz[voiced]))
    return np.where(voiced, np.clip(semitones, -PITCH_RANGE_ST, PITCH_RANGE_ST),
                    0.0).astype(np.float32)


def _smooth_across_frequency(power: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    bins = max(1, round(ENVELOPE_SMOOTH_HZ / (freqs[1] - freqs[0])))
    return filters.uniform_filter1d(power, bins, axis=1, mode="nearest")


def _band_centroid(envelope: np.ndarray, freqs: np.ndarray,
                   band: tuple[float, float]) -> np.ndarray:
    inside = (freqs >= band[0]) & (freqs <= band[1])
    weights = envelope[:, inside]
    return (weights @ freqs[inside]) / (weights.sum(axis=1) + 1e-20)


def _openness(f1: np.ndarray, voicing: np.ndarray) -> np.ndarray:
    voiced = f1[voicing > 0.5]
    if voiced.size >= 10:
        low, high = np.percentile(voiced, F1_PERCENTILES)
    else:
        low, high = F1_CLOSED_HZ[0], F1_OPEN_HZ[1]
    return _ramp(f1, float(np.clip(low, *F1_CLOSED_HZ)), float(np.clip(high, *F1_OPEN_HZ)))


def _rounding(tilt_db: np.ndarray, voicing: np.ndarray) -> np.ndarray:
    voiced = voicing > 0.5
    median = float(np.median(tilt_db[voiced])) if voiced.any() else np.mean(TILT_REFERENCE_DB)
    reference = float(np.clip(median, *TILT_REFERENCE_DB))
    return _ramp(reference - tilt_db, 0.0, TILT_FULL_ROUND_DB)


def _band(envelope: np.ndarray, freqs: np.ndarray, band: tuple[float, float]) -> np.ndarray:
    return envelope[:, (freqs >= band[0]) & (freqs < band[1])]


def _smooth_hops(values: np.ndarray) -> np.ndarray:
    return filters.uniform_filter1d(values, CUE_SMOOTH_HOPS, mode="nearest")


def _voice_activity(level_db: np.ndarray, loudness: np.ndarray) -> np.ndarray:
    active = level_db > SILENCE_FLOOR_DBFS
    if not active.any():
        return np.zeros_like(level_db)
    noise_floor = np.percentile(level_db, NOISE_FLOOR_PERCENTILE)
    reference = np.percentile(level_db[active], SPEECH_LEVEL_PERCENTILE)
    threshold = min(noise_floor + NOISE_MARGIN_DB, reference - NOISE_MARGIN_CAP_DB)
    speech = active & (loudness >= SPEECH_MIN_LOUDNESS) & (level_db > threshold)
    speech = fill_short_runs(speech, False, round(SPEECH_GAP_BRIDGE_S / HOP_S))
    speech = fill_short_runs(speech, True, round(SPEECH_MIN_BURST_S / HOP_S))
    return speech.astype(np.float32)


def fill_short_runs(mask: np.ndarray, value: bool, max_len: int) -> np.ndarray:
    """Flip interior runs of `value` shorter than `max_len` (runs touching an end are kept)."""
    mask = np.asarray(mask, dtype=bool)
    edges = np.flatnonzero(np.diff(mask.astype(np.int8))) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [len(mask)]])
    out = mask.copy()
    for start, end in zip(starts, ends, strict=False):
        if mask[start] == value and end - start < max_len and start > 0 and end < len(mask):
            out[start:end] = not value
    return out


def _ramp(values: np.ndarray | float, low: float, high: float) -> np.ndarray:
    """0 at or below `low`, 1 at or above `high`, linear between."""
    return np.clip((np.asarray(values, dtype=np.float32) - low) / (high - low), 0.0, 1.0)
