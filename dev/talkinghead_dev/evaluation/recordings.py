"""Test speech of any length from real recordings, for benchmarks and the slow test tiers."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from talkinghead.media.audio import SAMPLE_RATE, load_audio, write_wav


def repeated_speech(recordings: Sequence[str | os.PathLike], seconds: float, path: Path,
                    lead_in_s: float = 0.0) -> Path:
    """`lead_in_s` of silence, then `recordings` one after another, repeated or cut so that the
    whole lasts `seconds`; written to `path` as 16 kHz mono WAV."""
    joined = np.concatenate([load_audio(r).samples for r in recordings])
    speech = np.resize(joined, int((seconds - lead_in_s) * SAMPLE_RATE))
    silence = np.zeros(int(lead_in_s * SAMPLE_RATE), dtype=speech.dtype)
    return write_wav(path, np.concatenate([silence, speech]))
