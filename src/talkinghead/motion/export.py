"""The motion plan as JSON (`--motion-json FILE`): one documented, versioned structure.

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
"""

from __future__ import annotations

import json
import os
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
    version = data.get("version", VERSION)
    if not isinstance(version, int) or version > VERSION:
        raise SettingsError(f"motion plan version {version!r} is newer than this talkinghead "
                            f"reads ({VERSION}); upgrade talkinghead")
    fps = data.get("fps")
    if not isinstance(fps, int) or fps <= 0:
        raise SettingsError("motion plan needs a positive whole \"fps\"")
    given = data.get("channels", {})
    if not isinstance(given, dict):
        raise SettingsError("motion plan \"channels\" must be an object")
    arrays = {}
    for name, channel in given.items():
        if name not in CHANNELS:
            continue
        values = channel.get("values") if isinstance(channel, dict) else channel
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise SettingsError(f"motion plan channel {name!r} must be a list of numbers") from e
        if array.ndim != 1 or not np.isfinite(array).all():
            raise SettingsError(f"motion plan channel {name!r} must be a list of numbers")
        arrays[name] = np.clip(array, *CHANNELS[name][1])
    frames = data.get("frames", len(next(iter(arrays.values()))) if arrays else 0)
    for name, array in arrays.items():
        if len(array) != frames:
            raise SettingsError(f"motion plan channel {name!r} has {len(array)} values for "
                                f"{frames} frames")
    zeros = np.zeros(frames, dtype=np.float32)
    return MotionPlan(fps=fps, **{f.name: arrays.get(f.name, zeros)
                                  for f in fields(MotionPlan) if f.name != "fps"})


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
