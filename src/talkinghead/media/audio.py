"""Decode the speech recording into 16 kHz mono float samples, whatever the container.

FFmpeg (through PyAV) reads the file, so WAV, MP3, M4A/AAC, FLAC, OGG/Opus and the sound of
a video file all work. `iter_pcm` is shared with the final mux, which re-reads the original
file at a higher rate so the output sounds like the input, not like the 16 kHz analysis copy.
"""

from __future__ import annotations

import os
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import av
import av.error
import numpy as np

from talkinghead.errors import AudioError
from talkinghead.media._files import checked_input, sha256_of_file

SAMPLE_RATE: Final = 16000  # Hz; what the speech analysis expects
FILTER_BLOCK_S: Final = 30.0  # `high_pass` filters this much at a time: flat memory at any length
# Peak below -60 dBFS: quieter than any usable speech take, yet above the dither/noise of a
# "silent" 16-bit recording (1 LSB is 3e-5), so room tone alone still counts as silent.
SILENCE_PEAK: Final = 1e-3
# swresample downmixes stereo to mono as 0.707 * (L + R), +3 dB for identical channels, which
# clips loud recordings; capping the matrix at 1.0 makes it the plain average.
DOWNMIX_OPTIONS: Final = {"rematrix_maxval": "1.0"}


@dataclass(frozen=True)
class Audio:
    """Speech as float32 mono samples in [-1, 1] at `sample_rate` Hz."""

    samples: np.ndarray
    sample_rate: int
    source: Path
    sha256: str

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def load_audio(path: str | os.PathLike[str], sha256: str | None = None) -> Audio:
    """Read any audio (or video) file FFmpeg knows into an `Audio`, or raise `AudioError`.
    `sha256`: the file's `audio_sha256`, where the caller has it already (not read again)."""
    source = checked_input(path, "audio", AudioError)
    blocks = [block[0] for block in iter_pcm(source, SAMPLE_RATE, "mono", "flt")]
    samples = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
    del blocks  # an hour of audio is 230 MB: never more than two copies at once
    if samples.size == 0:
        raise AudioError(f"audio '{source}' has no samples (check that the file is not cut off)")
    np.clip(samples, -1.0, 1.0, out=samples)  # float32 ("flt"), in place
    if max(float(samples.max()), -float(samples.min())) < SILENCE_PEAK:
        raise AudioError(
            f"audio '{source}' is silent: nothing to lip-sync (use a speech recording)"
        )
    return Audio(
        samples=np.ascontiguousarray(samples),
        sample_rate=SAMPLE_RATE,
        source=source,
        sha256=sha256 or sha256_of_file(source),
    )


def audio_sha256(path: str | os.PathLike[str]) -> str:
    """`Audio.sha256` of the file at `path`, read without decoding it (checking that a job's
    audio is unchanged costs no decoding, and no memory, at any length)."""
    return sha256_of_file(checked_input(path, "audio", AudioError))


def write_wav(path: str | os.PathLike[str], samples: np.ndarray,
              rate: int = SAMPLE_RATE) -> Path:
    """Write float mono `samples` in [-1, 1] as 16-bit PCM WAV (for tests, benchmarks, tools)."""
    pcm = (np.clip(np.asarray(samples, dtype=np.float64), -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(int(rate))
        out.writeframes(pcm.tobytes())
    return Path(path)


def iter_pcm(path: Path, rate: int, layout: str, sample_format: str) -> Iterator[np.ndarray]:
    """Yield the first audio track as (channels, samples) float32 blocks at `rate` Hz.

    Decoding streams block by block so callers decide what to keep in memory.
    """
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as e:
        raise AudioError(
            f"cannot read audio '{path}': not an audio or video file FFmpeg can read "
            "(use WAV, MP3, M4A, FLAC or OGG)"
        ) from e
    with container:
        if not container.streams.audio:
            raise AudioError(f"'{path}' has no audio track (give a file with sound)")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(
            format=sample_format, layout=layout, rate=rate, options=DOWNMIX_OPTIONS
        )
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    yield _planar(out.to_ndarray(), layout)
            for out in resampler.resample(None):  # flush what the resampler holds back
                yield _planar(out.to_ndarray(), layout)
        except (av.error.FFmpegError, ValueError) as e:
            raise AudioError(
                f"cannot decode audio '{path}': the file is corrupt (re-export or re-download it)"
            ) from e


def _planar(block: np.ndarray, layout: str) -> np.ndarray:
    """PyAV gives packed formats as (1, samples * channels); return (channels, samples)."""
    channels = av.AudioLayout(layout).nb_channels
    if block.shape[0] == channels:
        return block
    return block.reshape(-1, channels).T



def high_pass(samples: np.ndarray, rate: int, cutoff_hz: float) -> np.ndarray:
    """`samples` (float mono) through a two-pole Butterworth high-pass at `cutoff_hz`, as
    float32: FFmpeg's causal `highpass` filter, fed FILTER_BLOCK_S at a time. (It is
    scipy.signal's butter(2) with sosfilt, within 1e-4 of full scale; scipy.signal takes
    half a second to import, more than filtering an hour of speech.)"""
    graph = av.filter.Graph()
    source = graph.add_abuffer(format="dbl", sample_rate=rate, layout="mono", channels=1)
    highpass = graph.add("highpass", f=str(cutoff_hz), p="2")
    sink = graph.add("abuffersink")
    source.link_to(highpass)
    highpass.link_to(sink)
    graph.configure()
    x = np.asarray(samples).reshape(-1)
    out = np.empty(len(x), dtype=np.float32)
    block, done = max(1, round(FILTER_BLOCK_S * rate)), 0
    for start in [*range(0, len(x), block), None]:  # None: the end of the stream
        frame = None
        if start is not None:  # in double precision a block at a time: no copy of it all
            piece = x[None, start:start + block].astype(np.float64)
            frame = av.AudioFrame.from_ndarray(piece, format="dbl", layout="mono")
            frame.sample_rate, frame.pts = rate, start
        graph.push(frame)
        while True:
            try:
                filtered = graph.pull().to_ndarray()[0]
            except (av.error.BlockingIOError, av.error.EOFError):
                break
            out[done:done + len(filtered)] = filtered
            done += len(filtered)
    if done != len(x):
        raise RuntimeError(f"FFmpeg's highpass gave {done} samples for {len(x)}")
    return out
