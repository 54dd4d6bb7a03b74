"""What speech analysis hands to motion planning: phone timings plus acoustic cues.

Times are in seconds here (this is the edge where audio meets motion); motion/ converts them to
output frames once, in `motion/frames.py`. Arrays are float32 and read-only, so a `Speech` can be
shared between passes without one of them changing it under the others.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

SILENCE: str = "SIL"  # the one label for silence, breath and noise


def frozen_array(values: object) -> np.ndarray:
    """A read-only float32 copy: the dataclasses below are values, not buffers."""
    array = np.array(values, dtype=np.float32)
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class PhoneSpan:
    """One phone: a CMU/ARPAbet label without stress ("AA", "M") or "SIL", from start to end.

    `aligned`: the phone comes from aligning a known transcript, so its label is what was said;
    otherwise it is a phone-loop guess that motion checks against the acoustics."""

    label: str
    start_s: float
    end_s: float
    aligned: bool = False

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, eq=False)
class AcousticFeatures:
    """Language-independent cues, one value per hop of `hop_s` seconds (hop i centred on i * hop_s).

    All but `pitch` are 0..1. They drive the mouth where the phones are unsure, set how far it
    opens, and give motion its pauses, emphasis and accents.
    """

    hop_s: float
    loudness: np.ndarray  # level in dB relative to the clip's speech level, mapped to 0..1
    voicing: np.ndarray  # periodicity (normalised autocorrelation peak at the pitch lag)
    openness: np.ndarray  # first-formant height: high for "AA", low for "IY"/"UW"; 0 unvoiced
    rounding: np.ndarray  # low second formant of voiced sounds: high for "UW"/"OW"; 0 unvoiced
    frication: np.ndarray  # high-frequency noise of unvoiced sounds ("S", "F", "SH")
    speech: np.ndarray  # voice activity, 0 or 1, short in-word gaps already bridged
    pitch: np.ndarray | None = None  # semitones above the clip's median voice pitch where
    # voiced, 0 elsewhere (and where not given): what the brows follow, not a 0..1 cue

    def __post_init__(self) -> None:
        if self.pitch is None:
            object.__setattr__(self, "pitch", np.zeros(len(self.loudness), dtype=np.float32))
        n = None
        for f in fields(self):
            if f.name == "hop_s":
                continue
            array = frozen_array(getattr(self, f.name))
            if array.ndim != 1 or (n is not None and len(array) != n):
                raise ValueError(f"feature {f.name} must be 1-D and as long as the others")
            n = len(array)
            object.__setattr__(self, f.name, array)

    @property
    def n_hops(self) -> int:
        return len(self.loudness)


@dataclass(frozen=True, eq=False)
class Speech:
    """Everything motion needs from the audio. `phones` cover 0..duration_s in order, no gaps."""

    phones: tuple[PhoneSpan, ...]
    features: AcousticFeatures
    duration_s: float
