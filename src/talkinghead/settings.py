"""Render settings, presets and their validation, in one place.

The ranges and presets are those of the original SadTalker RunPod tool, so
that its users' command lines keep their meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Final, Literal

from .errors import SettingsError

Preprocess = Literal["crop", "resize", "full"]

SIZES: Final = (256, 512)
PREPROCESS_MODES: Final = ("crop", "resize", "full")
EXPRESSION_SCALE_RANGE: Final = (0.5, 2.0)
POSE_STYLE_RANGE: Final = (0, 45)
FPS: Final = 25  # the original tool's frame rate; every time unit inside motion/ is one frame

DEFAULT_SIZE: Final = 256
DEFAULT_EXPRESSION_SCALE: Final = 1.0
DEFAULT_POSE_STYLE: Final = 0
DEFAULT_PREPROCESS: Final = "crop"


@dataclass(frozen=True)
class RenderSettings:
    """Everything that changes how a video looks. Validated on creation."""

    size: int = DEFAULT_SIZE
    expression_scale: float = DEFAULT_EXPRESSION_SCALE
    pose_style: int = DEFAULT_POSE_STYLE
    still: bool = False
    preprocess: Preprocess = DEFAULT_PREPROCESS
    enhance: bool = True
    fps: int = FPS
    seed: int | None = None  # None: derived from the inputs' hashes, so reruns match

    def __post_init__(self) -> None:
        if self.size not in SIZES:
            sizes = ", ".join(map(str, SIZES))
            raise SettingsError(f"--size must be one of {sizes}, got {self.size}")
        lo, hi = EXPRESSION_SCALE_RANGE
        if not lo <= float(self.expression_scale) <= hi:
            raise SettingsError(
                f"--expression-scale must be between {lo} and {hi}, got {self.expression_scale}"
            )
        lo_p, hi_p = POSE_STYLE_RANGE
        if int(self.pose_style) != self.pose_style or not lo_p <= self.pose_style <= hi_p:
            raise SettingsError(
                f"--pose-style must be a whole number from {lo_p} to {hi_p}, got {self.pose_style}"
            )
        if self.preprocess not in PREPROCESS_MODES:
            raise SettingsError(
                f"--preprocess must be one of {', '.join(PREPROCESS_MODES)}, "
                f"got {self.preprocess!r}"
            )
        if self.fps <= 0:
            raise SettingsError(f"fps must be positive, got {self.fps}")

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# The original README's preset table. A preset only sets these values;
# explicit flags override them (see `settings_for`).
PRESETS: Final[dict[str, dict]] = {
    "default": {"pose_style": 0, "expression_scale": 1.0},
    "natural": {"pose_style": 45, "expression_scale": 1.0},
    "expressive": {"pose_style": 45, "expression_scale": 1.3},
    "professional": {"still": True, "expression_scale": 0.8},
    "fullbody": {"still": True, "preprocess": "full"},
}


def settings_for(preset: str = "default", **overrides) -> RenderSettings:
    """Settings from a preset, with explicit values (not None) taking precedence."""
    if preset not in PRESETS:
        raise SettingsError(f"--preset must be one of {', '.join(PRESETS)}, got {preset!r}")
    values = dict(PRESETS[preset])
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return RenderSettings(**values)
    except TypeError as e:  # an unknown keyword
        raise SettingsError(str(e)) from e


__all__ = ["PRESETS", "RenderSettings", "replace", "settings_for"]
