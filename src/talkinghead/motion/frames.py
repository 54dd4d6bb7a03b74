"""The edge between seconds and frames: `Speech` resampled to output video frames, once.

Frame i is on screen from i/fps to (i+1)/fps, so it shows what is said in that interval: phone
spans become fractional frame positions (span [0.04 s, 0.10 s) at 25 fps is [1.0, 2.5)), and each
acoustic feature is averaged over the hops that fall inside the frame. Frames after the end of
the audio are silence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..speech.types import Speech
from .types import freeze_arrays

SPEECH_FRAME_SHARE = 0.5  # a frame is speech when at least half of its hops are


@dataclass(frozen=True)
class FramePhone:
    """A phone span in frame units: it covers [start, end) on the frame axis."""

    label: str
    start: float
    end: float
    aligned: bool = False  # from a transcript (see speech.types.PhoneSpan)


@dataclass(frozen=True, eq=False)
class FrameSpeech:
    """`Speech` on the frame axis: phones in frames, every feature one value per frame."""

    fps: int
    phones: tuple[FramePhone, ...]
    loudness: np.ndarray
    voicing: np.ndarray
    openness: np.ndarray
    rounding: np.ndarray
    frication: np.ndarray
    speech: np.ndarray
    pitch: np.ndarray  # semitones above the clip's median voice pitch, 0 where unvoiced

    def __post_init__(self) -> None:
        freeze_arrays(self, skip=("fps", "phones"))

    @property
    def n_frames(self) -> int:
        return len(self.loudness)


def speech_to_frames(speech: Speech, fps: int, n_frames: int) -> FrameSpeech:
    """Convert phone times and per-hop features to the frame axis of a video of `n_frames`."""
    phones = tuple(
        FramePhone(p.label, p.start_s * fps, p.end_s * fps, p.aligned)
        for p in speech.phones
        if p.start_s * fps < n_frames
    )
    feats = speech.features
    per_frame = {
        name: _hops_to_frames(getattr(feats, name), feats.hop_s, fps, n_frames)
        for name in ("loudness", "voicing", "openness", "rounding", "frication", "speech",
                     "pitch")
    }
    per_frame["speech"] = (per_frame["speech"] >= SPEECH_FRAME_SHARE).astype(np.float32)
    return FrameSpeech(fps=fps, phones=phones, **per_frame)


def _hops_to_frames(values: np.ndarray, hop_s: float, fps: int, n_frames: int) -> np.ndarray:
    """Mean of the hops centred inside each frame; interpolated where a frame holds no hop."""
    hop_times = np.arange(len(values)) * hop_s
    frame_of_hop = np.floor(hop_times * fps + 1e-9).astype(np.int64)
    inside = frame_of_hop < n_frames
    sums = np.bincount(frame_of_hop[inside], weights=values[inside], minlength=n_frames)
    counts = np.bincount(frame_of_hop[inside], minlength=n_frames)
    out = np.divide(sums, counts, out=np.zeros(n_frames), where=counts > 0)
    empty = counts == 0
    if empty.any() and len(values):
        centres = (np.flatnonzero(empty) + 0.5) / fps
        out[empty] = np.interp(centres, hop_times, values, left=0.0, right=0.0)
    return out.astype(np.float32)
