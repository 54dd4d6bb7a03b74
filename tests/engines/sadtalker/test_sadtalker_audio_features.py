"""The audio networks' input: wav2lip-style mel windows, one per 25 fps frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from talkinghead.engines.sadtalker import audio_features as af

GOLDEN = Path(__file__).resolve().parent / "golden"
TOLERANCE = 1e-4


def _tone(hz: float, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(seconds * af.SAMPLE_RATE)) / af.SAMPLE_RATE
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def test_one_window_per_frame_in_range():
    windows = af.mel_windows(_tone(440, 1.0))
    assert windows.shape == (25, af.MELS, af.WINDOW_SPECTRA)
    assert windows.min() >= -af.MAX_ABS and windows.max() <= af.MAX_ABS


def test_silence_is_the_floor():
    assert np.all(af.mel_windows(np.zeros(8000, np.float32)) == -af.MAX_ABS)


def test_a_tone_lights_the_band_at_its_pitch():
    spectrum = af.mel_spectrogram(_tone(1000.0)).mean(axis=0)
    filters = af.mel_filters()
    centres = (filters * np.linspace(0, 8000, filters.shape[1])).sum(1) / filters.sum(1)
    assert abs(centres[int(np.argmax(spectrum))] - 1000.0) < 100.0


def test_filters_span_55_to_7600_hz():
    filters = af.mel_filters()
    hz = np.linspace(0, 8000, filters.shape[1])
    covered = hz[filters.sum(axis=0) > 0]
    assert filters.shape == (80, 401) and covered.min() >= 55 and covered.max() <= 7600
    assert np.all(filters.max(axis=1) > 0)  # no empty band


def test_early_frames_repeat_the_first_spectrum():
    """Frame 0's window starts two frames before the audio: clamped to its first spectrum."""
    windows = af.mel_windows(np.random.default_rng(0).standard_normal(16000).astype(np.float32))
    assert np.array_equal(windows[0][:, 0], windows[0][:, 6])
    assert not np.array_equal(windows[0][:, 6], windows[0][:, 7])


def test_mel_spectrogram_matches_original():
    """Ours (numpy) against the original's librosa-based one, STFT padding as pinned."""
    from talkinghead.engines.sadtalker.audio_features import mel_spectrogram

    with np.load(GOLDEN / "inputs.npz") as x, np.load(GOLDEN / "outputs.npz") as y:
        if "mel" not in y.files:
            pytest.skip("goldens made without librosa")
        ours = mel_spectrogram(x["mel_wav"])
        assert ours.shape == y["mel"].shape
        difference = float(np.abs(ours - y["mel"]).max())
    assert difference <= TOLERANCE, f"max abs difference {difference:.3g}"
