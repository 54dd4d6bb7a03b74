"""The values passed between motion passes, and the plan handed to the renderer.

Every array is indexed by output video frame (`fps` per second). Arrays are float32 copies made
read-only on creation, so passes cannot change each other's inputs: each returns a new value.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Final

import numpy as np

from ..speech.types import frozen_array


def freeze_arrays(obj: Any, skip: tuple[str, ...] = ()) -> int:
    """Freeze every array field of a frozen dataclass in place; return their common length."""
    n = None
    for f in fields(obj):
        if f.name in skip:
            continue
        array = frozen_array(getattr(obj, f.name))
        if array.ndim != 1 or (n is not None and len(array) != n):
            raise ValueError(f"{type(obj).__name__}.{f.name} must be 1-D and as long as the others")
        n = len(array)
        object.__setattr__(obj, f.name, array)
    return n or 0


@dataclass(frozen=True, eq=False)
class MouthTrack:
    """Mouth channels per frame, named and scaled as the `MotionPlan` fields they become."""

    jaw_open: np.ndarray
    mouth_width: np.ndarray
    lips_closed: np.ndarray
    lower_lip_tuck: np.ndarray
    teeth: np.ndarray
    tongue: np.ndarray
    lip_round: np.ndarray
    upper_lip_raise: np.ndarray

    def __post_init__(self) -> None:
        freeze_arrays(self)

    @property
    def n_frames(self) -> int:
        return len(self.jaw_open)

    @classmethod
    def rest(cls, n_frames: int) -> MouthTrack:
        zeros = np.zeros(n_frames, dtype=np.float32)
        return cls(zeros, zeros, zeros, zeros, zeros, zeros, zeros, zeros)

    def with_(self, **channels: np.ndarray) -> MouthTrack:
        return replace(self, **channels)


# MotionPlan fields that belong to the mouth (all 0 = the portrait's own rest mouth).
MOUTH_CHANNELS: Final = ("jaw_open", "mouth_width", "lips_closed", "lower_lip_tuck", "teeth",
                         "tongue", "lip_round", "upper_lip_raise")


# MotionPlan fields added after the first version: all zero (the portrait's own pose) when not
# given, so older callers and stored plans still build a plan.
LATER_CHANNELS: Final = ("lip_round", "upper_lip_raise", "brow_raise", "gaze_x", "gaze_y")


@dataclass(frozen=True, eq=False)
class MotionPlan:
    """Per-frame face parameters for the whole audio; the renderer's only input about motion.

    Mouth: `jaw_open` 0 = the portrait's own rest mouth (lips together for a portrait caught
    mid-word: the renderer decides what its rest is), 1 = wide open ("AA" shouted), typical
    speech 0.2-0.7, up to 1.5 with expression_scale > 1. `mouth_width` -1 fully rounded ("OO",
    "W"), 0 rest, +1 stretched ("EE"). `lips_closed` 1 = lips pressed shut (P, B, M) whatever the
    rest pose. `lower_lip_tuck` 1 = lower lip under the upper teeth (F, V). `teeth`, `tongue`
    0..1 how visible. `blink` 0 = eyes as in the portrait, 1 = closed.
    Added later, so with defaults (all zero when not given): `lip_round` 0..1 how far the lips
    are rounded and pushed forward ("OO", "W", "SH"); the corners' inward pull of rounding is
    already in `mouth_width`, this adds the pucker (a rounder, smaller opening, lips
    protruding). `upper_lip_raise` 0..1 lifts the upper lip's centre off the teeth ("F", "V",
    "SH", "R"; 1 = a raise of a tenth of the mouth width), uncovering the upper teeth.
    `brow_raise` 1 = brows lifted by a tenth of the inter-ocular distance, < 0 lowered and
    drawn together (knitted), 0 as in the portrait. `gaze_x` and `gaze_y`: the irises shifted
    inside the eye openings, right and down, in eye widths (0.1 = a tenth of the eye's width,
    a glance of about 5 degrees), 0 as in the portrait.
    Head (face axes as in engines/warp/rig.py: a right, b down, depth towards the camera):
    `head_yaw` turns about the vertical axis, `head_pitch` > 0 lifts the chin, `head_roll`
    tilts in the image plane, all in radians (|x| < 0.3); `head_x` (right) and `head_y` (down) in
    inter-ocular distances (|x| < 0.15). Frame 0 starts at the rest pose.
    """

    fps: int
    jaw_open: np.ndarray
    mouth_width: np.ndarray
    lips_closed: np.ndarray
    lower_lip_tuck: np.ndarray
    teeth: np.ndarray
    tongue: np.ndarray
    blink: np.ndarray
    head_yaw: np.ndarray
    head_pitch: np.ndarray
    head_roll: np.ndarray
    head_x: np.ndarray
    head_y: np.ndarray
    lip_round: np.ndarray | None = None
    upper_lip_raise: np.ndarray | None = None
    brow_raise: np.ndarray | None = None
    gaze_x: np.ndarray | None = None
    gaze_y: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in LATER_CHANNELS:
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.zeros(len(self.jaw_open), dtype=np.float32))
        freeze_arrays(self, skip=("fps",))

    @property
    def n_frames(self) -> int:
        return len(self.jaw_open)

    def slice(self, start: int, stop: int) -> MotionPlan:
        """Frames start..stop-1 (Python slice rules), for rendering one chunk."""
        arrays = {f.name: getattr(self, f.name)[start:stop]
                  for f in fields(self) if f.name != "fps"}
        return MotionPlan(fps=self.fps, **arrays)
