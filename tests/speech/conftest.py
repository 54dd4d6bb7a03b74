"""Synthetic speech-like signals, so that speech tests need no recordings."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import signal

RATE = 16000


def harmonic_tone(seconds: float, f0: float = 150.0, rate: int = RATE) -> np.ndarray:
    """A voiced, buzzy tone: 20 harmonics of f0 falling off at 6 dB/octave."""
    t = np.arange(int(seconds * rate)) / rate
    tone = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 21))
    return (0.3 * tone / np.abs(tone).max()).astype(np.float32)


def vowel(seconds: float, formants: tuple[float, ...], f0: float = 120.0,
          rate: int = RATE) -> np.ndarray:
    """Source-filter vowel: a glottal pulse train through cascaded formant resonators (each with
    unit gain at 0 Hz, as in Klatt's synthesiser, so higher formants keep their strength)."""
    n = int(seconds * rate)
    pulses = np.zeros(n)
    pulses[:: int(rate / f0)] = 1.0
    out = signal.lfilter([1.0], [1.0, -0.95], pulses)  # glottal roll-off
    for freq in formants:
        r = np.exp(-np.pi * 80.0 / rate)  # 80 Hz bandwidth
        a = [1.0, -2 * r * np.cos(2 * np.pi * freq / rate), r * r]
        out = signal.lfilter([sum(a)], a, out)
    out = np.diff(out, prepend=0.0)  # lip radiation: +6 dB/octave
    return (0.3 * out / np.abs(out).max()).astype(np.float32)


def noise(seconds: float, level: float = 0.2, seed: int = 0, rate: int = RATE) -> np.ndarray:
    return (level * np.random.default_rng(seed).standard_normal(int(seconds * rate))).astype(
        np.float32)


def silence(seconds: float, rate: int = RATE) -> np.ndarray:
    return np.zeros(int(seconds * rate), dtype=np.float32)


@pytest.fixture
def synth():
    """The generators above, as a fixture (test modules cannot import two conftests by name)."""
    return SimpleNamespace(RATE=RATE, harmonic_tone=harmonic_tone, vowel=vowel, noise=noise,
                           silence=silence)
