"""load_audio: every common container decodes to 16 kHz mono float32; each failure names itself."""

from __future__ import annotations

import dataclasses
import hashlib
import wave
from pathlib import Path

import numpy as np
import pytest

from talkinghead.errors import AudioError
from talkinghead.media.audio import (
    SAMPLE_RATE,
    SILENCE_PEAK,
    Audio,
    audio_sha256,
    load_audio,
    write_wav,
)

from .synth import TONE_AMPLITUDE, TONE_HZ, tone, write_audio, write_movie

# Lossy encoders add up to a few frames of priming/padding (MP3: ~1152 samples at 44.1 kHz).
DURATION_TOLERANCE_S = 0.08

FORMATS = {  # name: (file name, codec, input rate, container format)
    "wav": ("a.wav", "pcm_s16le", 44100, None),
    "flac": ("a.flac", "flac", 22050, None),
    "mp3": ("a.mp3", "libmp3lame", 44100, None),
    "m4a": ("a.m4a", "aac", 48000, "ipod"),
    "opus": ("a.ogg", "libopus", 48000, "ogg"),
}


def dominant_hz(audio: Audio) -> float:
    spectrum = np.abs(np.fft.rfft(audio.samples))
    return float(np.argmax(spectrum) * audio.sample_rate / len(audio.samples))


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_formats_decode_to_16k_mono_float(tmp_path: Path, kind: str) -> None:
    name, codec, rate, fmt = FORMATS[kind]
    path = write_audio(tmp_path / name, codec, tone(1.0, rate, channels=2), rate, fmt)
    audio = load_audio(path)
    assert audio.sample_rate == SAMPLE_RATE == 16000
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert audio.samples.flags.c_contiguous
    assert abs(audio.duration_s - 1.0) < DURATION_TOLERANCE_S
    assert abs(dominant_hz(audio) - TONE_HZ) < 3
    assert np.max(np.abs(audio.samples)) == pytest.approx(TONE_AMPLITUDE, abs=0.1)
    assert audio.source == path
    assert audio.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_hash_of_the_file_is_read_once(tmp_path: Path, monkeypatch) -> None:
    """api.render hashes the file to find a job, then decodes it for a new one."""
    import talkinghead.media.audio as audio_module

    path = write_wav(tmp_path / "speech.wav", tone(0.5, SAMPLE_RATE)[0])
    known = audio_sha256(path)
    assert known == hashlib.sha256(path.read_bytes()).hexdigest()

    def read_again(path):
        raise AssertionError("the file was hashed again")

    monkeypatch.setattr(audio_module, "sha256_of_file", read_again)
    assert load_audio(path, known).sha256 == known


def test_audio_track_of_a_video_file(tmp_path: Path) -> None:
    audio = load_audio(write_movie(tmp_path / "clip.mp4", 1.0, with_audio=True))
    assert abs(audio.duration_s - 1.0) < DURATION_TOLERANCE_S
    assert abs(dominant_hz(audio) - TONE_HZ) < 3


def test_accepts_str_path_and_is_frozen(tmp_path: Path) -> None:
    path = write_audio(tmp_path / "a.wav", "pcm_s16le", tone(0.5, 16000), 16000)
    audio = load_audio(str(path))
    assert len(audio.samples) == 8000
    with pytest.raises(dataclasses.FrozenInstanceError):
        audio.sample_rate = 8000  # type: ignore[misc]


def test_over_full_scale_float_audio_is_clipped(tmp_path: Path) -> None:
    path = write_audio(tmp_path / "loud.wav", "pcm_f32le", tone(0.5, 16000, amplitude=1.5), 16000)
    samples = load_audio(path).samples
    assert samples.max() <= 1.0 and samples.min() >= -1.0


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match=r"audio not found: .*nope\.wav"):
        load_audio(tmp_path / "nope.wav")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="is a directory"):
        load_audio(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioError, match="file is empty"):
        load_audio(tmp_path / "empty.wav")


@pytest.mark.parametrize("content", [b"just some text, not sound\n" * 20, bytes(range(256)) * 8])
def test_not_a_media_file(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "speech.mp3").write_bytes(content)
    with pytest.raises(AudioError, match="not an audio or video file"):
        load_audio(tmp_path / "speech.mp3")


def test_video_without_audio_track(tmp_path: Path) -> None:
    path = write_movie(tmp_path / "mute.mp4", 0.4, with_audio=False)
    with pytest.raises(AudioError, match="has no audio track"):
        load_audio(path)


def test_zero_samples(tmp_path: Path) -> None:
    path = tmp_path / "hollow.wav"
    with wave.open(str(path), "wb") as w:  # a valid header and no data
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
    with pytest.raises(AudioError, match="has no samples"):
        load_audio(path)


@pytest.mark.parametrize("amplitude", [0.0, SILENCE_PEAK / 4])
def test_silence(tmp_path: Path, amplitude: float) -> None:
    path = write_audio(
        tmp_path / "quiet.flac", "flac", tone(0.5, 16000, amplitude=amplitude), 16000
    )
    with pytest.raises(AudioError, match="is silent: nothing to lip-sync"):
        load_audio(path)


def test_error_messages_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(AudioError) as info:
        load_audio(tmp_path / "nope.wav")
    assert "\n" not in str(info.value)


def test_write_wav_round_trips_through_load_audio(tmp_path: Path) -> None:
    samples = 0.5 * np.sin(np.linspace(0, 200 * np.pi, SAMPLE_RATE))
    samples[:10] = 3.0  # beyond full scale: clipped, not wrapped around
    path = write_wav(tmp_path / "tone.wav", samples)
    audio = load_audio(path)
    assert audio.sample_rate == SAMPLE_RATE and len(audio.samples) == len(samples)
    np.testing.assert_allclose(audio.samples[10:], samples[10:], atol=1e-4)
    assert np.all(audio.samples[:10] > 0.99)


@pytest.mark.parametrize("seconds", [0.3, 65.0])  # one block; three blocks, the last short
def test_high_pass_is_a_two_pole_butterworth(seconds: float) -> None:
    """FFmpeg's highpass, block by block, is scipy.signal's butter(2) + sosfilt: the same
    causal filter, to within the rounding of its coefficients."""
    from scipy import signal

    from talkinghead.media.audio import high_pass

    rng = np.random.default_rng(3)
    x = (0.3 * rng.standard_normal(round(seconds * SAMPLE_RATE))).astype(np.float32)
    x += 0.2 * np.sin(2 * np.pi * 50 * np.arange(len(x)) / SAMPLE_RATE)  # mains hum
    sos = signal.butter(2, 60.0, btype="highpass", fs=SAMPLE_RATE, output="sos")
    filtered = high_pass(x, SAMPLE_RATE, 60.0)
    assert filtered.dtype == np.float32 and filtered.shape == x.shape
    np.testing.assert_allclose(filtered, signal.sosfilt(sos, x), atol=1e-4)
