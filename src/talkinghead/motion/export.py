"""The motion plan's stored forms, one versioned schema: JSON (`--motion-json FILE`) and named
arrays (the job folder's `plan.npz`, a RunPod chunk request's slice).

    {
      "format": "talkinghead-motion",
      "version": 1,
      "fps": 25,
      "frames": 250,
      "channels": {
        "jaw_open": {"unit": "...", "range": [0, 1.5], "values": [0.0, 0.02, ...]},
        ...
      }
    }

Each channel has one value per output video frame (frame i is on screen from i/fps to
(i+1)/fps); its meaning, unit and range are those of the same-named `MotionPlan` field and are
repeated in "unit" so that the file explains itself. Values are rounded to 4 decimals (a
ten-thousandth of the range is far below a pixel). Reading accepts any version up to
`VERSION`, ignores channels it does not know (written by a newer version), and treats a missing
channel as all zero, which is the rest pose for every channel; so a hand-written file needs
only "fps" and the channels it moves. The renderer consumes the `MotionPlan` this returns, so
an exported plan, edited or not, renders the same video.

The arrays form (`plan_to_arrays`, `plan_from_arrays`) holds the same channels as float32 arrays
beside "fps" and "version", and is read by the same rules (a job folder written before a
channel existed reads it at rest), except that values are kept as planned, not clipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Final

import numpy as np

from ..errors import SettingsError
from ..media.files import atomic_path
from .types import MotionPlan

FORMAT: Final = "talkinghead-motion"
VERSION: Final = 1
DECIMALS: Final = 4

CHANNELS: Final[dict[str, tuple[str, tuple[float, float]]]] = {
    "jaw_open": ("0 = the portrait's rest mouth, 1 = wide open ('AA')", (0.0, 1.5)),
    "mouth_width": ("-1 = fully rounded ('OO'), 0 = rest, +1 = stretched ('EE')", (-1.0, 1.0)),
    "lips_closed": ("1 = lips pressed shut (P, B, M), whatever the rest pose", (0.0, 1.0)),
    "lower_lip_tuck": ("1 = lower lip under the upper teeth (F, V)", (0.0, 1.0)),
    "teeth": ("visibility of the teeth, 0..1", (0.0, 1.0)),
    "tongue": ("visibility of the tongue, 0..1", (0.0, 1.0)),
    "lip_round": ("pucker: lips pushed forward, opening rounder, 0..1", (0.0, 1.0)),
    "upper_lip_raise": ("upper lip centre lifted off the teeth, 1 = a tenth of the mouth "
                        "width", (0.0, 1.0)),
    "blink": ("0 = eyes as in the portrait, 1 = closed", (0.0, 1.0)),
    "brow_raise": ("1 = brows lifted by a tenth of the inter-ocular distance, < 0 knitted",
                   (-1.0, 2.0)),
    "gaze_x": ("irises shifted right, in eye widths", (-0.3, 0.3)),
    "gaze_y": ("irises shifted down, in eye widths", (-0.3, 0.3)),
    "head_yaw": ("radians, turn about the vertical axis", (-0.5, 0.5)),
    "head_pitch": ("radians, > 0 lifts the chin", (-0.5, 0.5)),
    "head_roll": ("radians, tilt in the image plane", (-0.5, 0.5)),
    "head_x": ("inter-ocular distances, to the right", (-0.5, 0.5)),
    "head_y": ("inter-ocular distances, downwards", (-0.5, 0.5)),
}


def plan_to_dict(plan: MotionPlan) -> dict:
    channels = {}
    for f in fields(plan):
        if f.name == "fps":
            continue
        unit, bounds = CHANNELS[f.name]
        values = np.round(getattr(plan, f.name).astype(np.float64), DECIMALS)
        channels[f.name] = {"unit": unit, "range": list(bounds),
                            "values": [float(v) + 0.0 for v in values]}  # + 0.0: no "-0.0"
    return {"format": FORMAT, "version": VERSION, "fps": plan.fps, "frames": plan.n_frames,
            "channels": channels}


def plan_from_dict(data: dict) -> MotionPlan:
    """A `MotionPlan` from the structure above; `SettingsError` says what is wrong."""
    if not isinstance(data, dict) or data.get("format", FORMAT) != FORMAT:
        raise SettingsError(f"not a motion plan: expected \"format\": \"{FORMAT}\"")
    given = data.get("channels", {})
    if not isinstance(given, dict):
        raise SettingsError("motion plan \"channels\" must be an object")
    channels = {name: channel.get("values") if isinstance(channel, dict) else channel
                for name, channel in given.items()}
    return plan_from_channels(data.get("version", VERSION), data.get("fps"), channels,
                              data.get("frames"), clip=True)


def plan_to_arrays(plan: MotionPlan, start: int = 0, stop: int | None = None
                   ) -> dict[str, np.ndarray]:
    """Frames start..stop of the plan as named arrays, for `np.savez`."""
    arrays = {"version": np.array(VERSION), "fps": np.array(plan.fps)}
    arrays.update({name: np.asarray(getattr(plan, name)[start:stop], dtype=np.float32)
                   for name in CHANNELS})
    return arrays


def plan_from_arrays(arrays: Mapping[str, np.ndarray], fps: int | None = None) -> MotionPlan:
    """A plan from `plan_to_arrays`' arrays (an open .npz will do); `fps` for arrays saved
    without it (RunPod clients before the version field sent it beside them)."""
    stored_fps = int(arrays["fps"]) if "fps" in arrays else fps
    version = int(arrays["version"]) if "version" in arrays else VERSION
    channels = {name: arrays[name] for name in CHANNELS if name in arrays}
    return plan_from_channels(version, stored_fps, channels)


def plan_from_channels(version: object, fps: object, channels: Mapping[str, object],
                       frames: object = None, clip: bool = False) -> MotionPlan:
    """The reading rules every stored form shares: a version up to `VERSION`, a positive whole
    fps, channels of one length (`frames`, if given) of finite numbers; unknown channels are
    ignored, missing ones are at rest (zero). `clip` limits values to each channel's range."""
    if not isinstance(version, int) or version > VERSION:
        raise SettingsError(f"motion plan version {version!r} is newer than this talkinghead "
                            f"reads ({VERSION}); upgrade talkinghead")
    if not isinstance(fps, int) or fps <= 0:
        raise SettingsError("motion plan needs a positive whole \"fps\"")
    arrays = {}
    for name, values in channels.items():
        if name not in CHANNELS:
            continue
        array = values if isinstance(values, np.ndarray) else _numbers(values, name)
        if array.ndim != 1 or array.dtype.kind not in "fiu" or not np.isfinite(array).all():
            raise SettingsError(f"motion plan channel {name!r} must be a list of numbers")
        arrays[name] = np.clip(array, *CHANNELS[name][1]) if clip else array
    if frames is None:
        frames = len(next(iter(arrays.values()))) if arrays else 0
    if not isinstance(frames, int) or frames < 0:
        raise SettingsError("motion plan \"frames\" must be a whole number")
    for name, array in arrays.items():
        if len(array) != frames:
            raise SettingsError(f"motion plan channel {name!r} has {len(array)} values for "
                                f"{frames} frames")
    zeros = np.zeros(frames, dtype=np.float32)
    return MotionPlan(fps=fps, **{name: arrays.get(name, zeros) for name in CHANNELS})


def _numbers(values: object, name: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise SettingsError(f"motion plan channel {name!r} must be a list of numbers") from e


def write_plan_json(plan: MotionPlan, path: str | os.PathLike) -> None:
    """Write `plan` to `path` (through a temporary file, so a reader never sees half a plan)."""
    with atomic_path(Path(path)) as partial:
        partial.write_text(json.dumps(plan_to_dict(plan), separators=(",", ":")) + "\n")


def read_plan_json(path: str | os.PathLike) -> MotionPlan:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise SettingsError(f"cannot read motion plan '{path}': {e}") from e
    return plan_from_dict(data)
