"""Tiny synthetic media files for the media tests, made on the fly so nothing is committed."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

TONE_HZ = 440.0
TONE_AMPLITUDE = 0.5


def tone(seconds: float, rate: int, channels: int = 1, amplitude: float = TONE_AMPLITUDE):
    """A sine as (channels, samples) float32."""
    t = np.arange(round(seconds * rate)) / rate
    wave = (amplitude * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32)
    return np.repeat(wave[None, :], channels, axis=0)


def write_audio(
    path: Path,
    codec: str,
    samples: np.ndarray,
    rate: int,
    container_format: str | None = None,
) -> Path:
    """Encode (channels, samples) float32 with any FFmpeg audio encoder."""
    layout = "mono" if samples.shape[0] == 1 else "stereo"
    with av.open(str(path), mode="w", format=container_format) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples), format="fltp", layout=layout
        )
        frame.sample_rate, frame.pts, frame.time_base = rate, 0, Fraction(1, rate)
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def write_movie(path: Path, seconds: float, with_audio: bool, fps: int = 25) -> Path:
    """A small H.264 MP4, with or without an AAC track, like a phone clip."""
    with av.open(str(path), mode="w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = out.add_stream("aac", rate=48000, layout="mono") if with_audio else None
        for i in range(round(seconds * fps)):
            img = np.full((48, 64, 3), (i * 7) % 256, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if sound is not None:
            frame = av.AudioFrame.from_ndarray(tone(seconds, 48000), format="fltp", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = 48000, 0, Fraction(1, 48000)
            out.mux(sound.encode(frame))
            out.mux(sound.encode(None))
    return path
