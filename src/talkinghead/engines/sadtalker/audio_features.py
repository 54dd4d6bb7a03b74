"""Mel spectrogram windows for the audio networks, as they were trained (wav2lip settings).

16 kHz audio, pre-emphasis 0.97, STFT of 800 samples every 200 (80 spectra per
second, reflect-padded and centred), 80 Slaney mel bands from 55 to 7600 Hz,
decibels above -100 relative to 20 dB, scaled to -4..4. Each 25 fps video frame i
sees the 16 spectra (0.2 s) starting two frames earlier. Written with numpy alone.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from scipy.signal import lfilter

SAMPLE_RATE: Final = 16000
FPS: Final = 25  # the networks' frame rate
N_FFT: Final = 800
HOP: Final = 200
MELS: Final = 80
FMIN, FMAX = 55.0, 7600.0
PREEMPHASIS: Final = 0.97
MIN_LEVEL_DB: Final = -100.0
REF_LEVEL_DB: Final = 20.0
MAX_ABS: Final = 4.0
WINDOW_SPECTRA: Final = 16  # spectra per video frame's window (0.2 s)
SPECTRA_PER_SECOND: Final = SAMPLE_RATE / HOP
LEAD_FRAMES: Final = 2  # a frame's window starts this many video frames earlier


def _hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / (200.0 / 3)
    log_step = np.log(6.4) / 27.0
    above = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / log_step
    return np.where(hz >= 1000.0, above, linear)


def _mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    log_step = np.log(6.4) / 27.0
    return np.where(mel >= 15.0, 1000.0 * np.exp(log_step * (mel - 15.0)), mel * 200.0 / 3)


def mel_filters() -> np.ndarray:
    """(80, 401) triangular filters, each normalised to unit area (Slaney)."""
    fft_hz = np.linspace(0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(FMIN), _hz_to_mel(FMAX), MELS + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_hz[None, :]
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    filters = np.maximum(0, np.minimum(rising, falling))
    return filters * (2.0 / (edges[2:] - edges[:-2]))[:, None]


def mel_spectrogram(samples: np.ndarray) -> np.ndarray:
    """16 kHz mono samples -> (spectra, 80) normalised log-mel spectrogram."""
    emphasised = lfilter([1, -PREEMPHASIS], [1], samples.astype(np.float64))
    padded = np.pad(emphasised, N_FFT // 2, mode="reflect")
    count = 1 + (len(padded) - N_FFT) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:count]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)  # periodic Hann
    magnitude = np.abs(np.fft.rfft(frames * window, axis=1))
    mel = magnitude @ mel_filters().T
    min_level = 10 ** (MIN_LEVEL_DB / 20)
    db = 20 * np.log10(np.maximum(min_level, mel)) - REF_LEVEL_DB
    scaled = 2 * MAX_ABS * (db - MIN_LEVEL_DB) / -MIN_LEVEL_DB - MAX_ABS
    return np.clip(scaled, -MAX_ABS, MAX_ABS).astype(np.float32)


def frame_count(samples: int) -> int:
    """Whole 25 fps frames in the audio."""
    return int(samples / (SAMPLE_RATE / FPS))


def mel_windows(samples: np.ndarray) -> np.ndarray:
    """(frames, 80, 16): each 25 fps frame's window of the spectrogram, edges clamped."""
    frames = frame_count(len(samples))
    spectrogram = mel_spectrogram(samples[:int(frames * SAMPLE_RATE / FPS)])
    starts = (SPECTRA_PER_SECOND * (np.arange(frames) - LEAD_FRAMES) / FPS).astype(int)
    index = np.clip(starts[:, None] + np.arange(WINDOW_SPECTRA), 0, len(spectrogram) - 1)
    return np.ascontiguousarray(spectrogram[index].transpose(0, 2, 1))
