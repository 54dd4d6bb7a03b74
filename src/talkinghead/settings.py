"""Render settings, presets and their validation, in one place.

The ranges and presets are those of the original SadTalker RunPod tool, so
that its users' command lines keep their meaning. Each field of `RenderSettings`
carries its `Option` (flag, label, one help text), from which the CLI builds its
arguments, the web page its form and `tools/readme_options.py` the README's table,
so the three cannot drift apart.
"""

from __future__ import annotations

from dataclasses import MISSING, Field, dataclass, field, fields, replace
from typing import Any, Final, Literal

from .errors import SettingsError

Preprocess = Literal["crop", "resize", "full"]

SIZES: Final = (256, 512)
PREPROCESS_MODES: Final = ("crop", "resize", "full")
EXPRESSION_SCALE_RANGE: Final = (0.5, 2.0)
POSE_STYLE_RANGE: Final = (0, 45)
FPS: Final = 25  # the original tool's frame rate; every time unit inside motion/ is one frame
FPS_CHOICES: Final = (24, 25, 30, 50, 60)
FORMATS: Final = ("mp4", "webm", "mov")
ASPECTS: Final = {"source": None, "16:9": 16 / 9, "9:16": 9 / 16, "1:1": 1.0, "4:5": 4 / 5}
FRAMINGS: Final = ("head", "shoulders", "chest")
PAD_MODES: Final = ("blur", "edge", "color:#RRGGBB")
BACKGROUNDS: Final = ("keep", "transparent", "blur", "color:#RRGGBB", "FILE")
ALPHA_FORMATS: Final = ("webm", "mov")  # VP9 with alpha, ProRes 4444
RESOLUTION_RANGE: Final = (64, 4096)  # pixels per side

DEFAULT_SIZE: Final = 256
DEFAULT_EXPRESSION_SCALE: Final = 1.0
DEFAULT_POSE_STYLE: Final = 0
DEFAULT_PREPROCESS: Final = "crop"


@dataclass(frozen=True)
class Option:
    """How a setting is offered to people: the same words on the command line, on the web page
    and in the README."""

    label: str  # the page's name for it
    help: str  # what it does, in one sentence
    group: Literal["look", "frame"]  # the CLI's argument group; "frame" is under "More settings"
    choices: tuple[Any, ...] = ()
    range: tuple[float, float] | None = None  # inclusive
    metavar: str | None = None
    default_text: str | None = None  # the default in words, where its value says too little
    inverted_flag: str | None = None  # a boolean on by default is turned off by this flag

    def flag(self, name: str) -> str:
        return self.inverted_flag or "--" + name.replace("_", "-")


def _setting(default: Any, option: Option) -> Any:
    return field(default=default, metadata={"option": option})


@dataclass(frozen=True)
class RenderSettings:
    """Everything that changes how a video looks. Validated on creation."""

    size: int = _setting(DEFAULT_SIZE, Option(
        "Size (px)", "output side for crop and resize, in pixels", "look", choices=SIZES))
    expression_scale: float = _setting(DEFAULT_EXPRESSION_SCALE, Option(
        "Expression scale", "mouth and head motion amplitude; higher is more animated", "look",
        range=EXPRESSION_SCALE_RANGE, metavar="0.5-2.0"))
    pose_style: int = _setting(DEFAULT_POSE_STYLE, Option(
        "Pose style", "head motion character; each number is a distinct, repeatable style",
        "look", range=POSE_STYLE_RANGE, metavar="0-45"))
    still: bool = _setting(False, Option("Still", "keep the head almost still", "look"))
    preprocess: Preprocess = _setting(DEFAULT_PREPROCESS, Option(
        "Preprocess", "crop: square face crop; resize: whole image squeezed to a square; "
        "full: the original picture, only the head animated", "look",
        choices=PREPROCESS_MODES))
    enhance: bool = _setting(True, Option(
        "Enhance", "the warped face sampled from the portrait upsampled twice over and sharpened "
        "as much as resampling blurred it (turned off: faster, softer)", "look",
        default_text="enhanced", inverted_flag="--no-enhance"))
    fps: int = _setting(FPS, Option(
        "Frame rate", "frames per second; motion is planned at this rate", "frame",
        choices=FPS_CHOICES))
    seed: int | None = _setting(None, Option(
        "Seed", "seed for blinks and head motion", "frame",
        default_text="derived from the inputs, so reruns match"))
    format: str = _setting("mp4", Option(
        "Format", "mp4: H.264 + AAC; webm: VP9 + Opus; mov: ProRes 422 + AAC (mov does not "
        "play in browsers: download it); with a transparent background, VP9 with alpha or "
        "ProRes 4444", "frame", choices=FORMATS))
    aspect: str = _setting("source", Option(
        "Aspect", "output aspect ratio; anything but 'source' frames the face itself", "frame",
        choices=tuple(ASPECTS), default_text="source: the preprocess mode sets the frame"))
    resolution: tuple[int, int] | None = _setting(None, Option(
        "Resolution (WxH)", "exact output size, e.g. 1280x720", "frame", metavar="WxH",
        default_text="720 px on the short side when an aspect is chosen"))
    framing: str = _setting("shoulders", Option(
        "Framing", "how tight a framed output is: face 50%, 32% or 22% of the height, eyes "
        "one third down", "frame", choices=FRAMINGS))
    pad: str = _setting("blur", Option(
        "Pad", "what fills a framed output where the picture does not reach: blur, edge or "
        "color:#RRGGBB", "frame", metavar="blur|edge|color:#RRGGBB"))
    background: str = _setting("keep", Option(
        "Background", "behind the person: keep the portrait's; transparent (webm or mov "
        "output with alpha); blur it; or replace it with color:#RRGGBB or an image FILE", "frame",
        metavar="keep|transparent|blur|color:#RRGGBB|FILE"))

    @property
    def cuts_out(self) -> bool:
        """True when the person is cut out of the portrait's background (any but `keep`)."""
        return self.background != "keep"

    @property
    def has_alpha(self) -> bool:
        """True when the video carries an alpha channel (`--background transparent`)."""
        return self.background == "transparent"

    @property
    def background_file(self) -> str | None:
        """The image named by `--background FILE`, if that is the choice."""
        if self.background in ("keep", "transparent", "blur") or self.background.startswith(
                "color:"):
            return None
        return self.background

    @property
    def frames_the_face(self) -> bool:
        """True when the output frame is chosen around the face (--aspect / --resolution)."""
        return self.aspect != "source" or self.resolution is not None

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
        if self.fps not in FPS_CHOICES:
            raise SettingsError(f"--fps must be one of {', '.join(map(str, FPS_CHOICES))}, "
                                f"got {self.fps}")
        _check_choice("--format", self.format, FORMATS)
        _check_choice("--aspect", self.aspect, tuple(ASPECTS))
        _check_choice("--framing", self.framing, FRAMINGS)
        _check_pad(self.pad)
        _check_background(self.background, self.format)
        if self.resolution is not None:
            object.__setattr__(self, "resolution", _checked_resolution(self.resolution,
                                                                       self.aspect))

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, values: object) -> RenderSettings:
        """Settings stored by `to_dict` (a job record, a RunPod payload). Fields added since they
        were stored take their defaults; a field this version does not know is refused."""
        if not isinstance(values, dict):
            raise SettingsError("'settings' must be an object of render settings")
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise SettingsError(f"unknown settings: {', '.join(unknown)} (made by a newer "
                                "talkinghead? upgrade this one)")
        return cls(**values)


def _check_choice(flag: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise SettingsError(f"{flag} must be one of {', '.join(choices)}, got {value!r}")


def _check_pad(pad: str) -> None:
    if pad in ("blur", "edge"):
        return
    if not _is_colour(pad):
        raise SettingsError(f"--pad must be blur, edge or color:#RRGGBB, got {pad!r}")


def _is_colour(value: str) -> bool:
    colour = value.removeprefix("color:")
    return (value.startswith("color:") and len(colour) == 7 and colour.startswith("#")
            and all(c in "0123456789abcdefABCDEF" for c in colour[1:]))


def _check_background(background: str, format: str) -> None:
    """keep, transparent, blur and color:#RRGGBB; anything else names an image file (whether
    it can be read is checked when a render starts: a remote worker never reads it)."""
    if not isinstance(background, str) or not background.strip():
        raise SettingsError("--background must be keep, transparent, blur, color:#RRGGBB or "
                            "an image file")
    if background.startswith("color:") and not _is_colour(background):
        raise SettingsError(f"--background color must look like color:#1a2b3c, "
                            f"got {background!r}")
    if background == "transparent" and format not in ALPHA_FORMATS:
        raise SettingsError(f"--background transparent needs --format webm (VP9 with alpha) "
                            f"or mov (ProRes 4444): {format} video has no alpha channel")


def _checked_resolution(resolution: Any, aspect: str) -> tuple[int, int]:
    """(width, height): even (for 4:2:0 video), in range, and matching --aspect if given."""
    try:
        width, height = (int(v) for v in resolution)
    except (TypeError, ValueError) as e:
        raise SettingsError(f"--resolution must be WIDTHxHEIGHT, got {resolution!r}") from e
    lo, hi = RESOLUTION_RANGE
    if not (lo <= width <= hi and lo <= height <= hi) or width % 2 or height % 2:
        raise SettingsError(f"--resolution must be even numbers from {lo} to {hi}, "
                            f"got {width}x{height}")
    ratio = ASPECTS[aspect]
    if ratio is not None and abs(width / height - ratio) > 0.01 * ratio:
        raise SettingsError(f"--resolution {width}x{height} does not match --aspect {aspect}")
    return width, height


def parse_resolution(text: str) -> tuple[int, int]:
    """'1280x720' -> (1280, 720)."""
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise SettingsError(f"--resolution must look like 1280x720, got {text!r}")
    return int(parts[0]), int(parts[1])


# The original README's preset table. A preset only sets these values;
# explicit flags override them (see `settings_for`).
PRESETS: Final[dict[str, dict]] = {
    "default": {"pose_style": 0, "expression_scale": 1.0},
    "natural": {"pose_style": 45, "expression_scale": 1.0},
    "expressive": {"pose_style": 45, "expression_scale": 1.3},
    "professional": {"still": True, "expression_scale": 0.8},
    "fullbody": {"still": True, "preprocess": "full"},
}


def option_fields() -> tuple[Field[Any], ...]:
    """The settings' fields, in order, each with its `Option` in `metadata["option"]`."""
    return fields(RenderSettings)


def option_of(setting: Field[Any]) -> Option:
    option: Option = setting.metadata["option"]
    return option


def default_text(setting: Field[Any]) -> str:
    """A setting's default as the CLI, the page and the README say it."""
    option = option_of(setting)
    if option.default_text:
        return option.default_text
    value = setting.default
    assert value is not MISSING
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def preset_sets(name: str) -> bool:
    """Whether any preset chooses this setting (its default then reads "or the preset's")."""
    return any(name in values for values in PRESETS.values())


def settings_for(preset: str = "default", **overrides: Any) -> RenderSettings:
    """Settings from a preset, with explicit values (not None) taking precedence."""
    if preset not in PRESETS:
        raise SettingsError(f"--preset must be one of {', '.join(PRESETS)}, got {preset!r}")
    values = dict(PRESETS[preset])
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return RenderSettings(**values)
    except TypeError as e:  # an unknown keyword
        raise SettingsError(str(e)) from e


__all__ = ["PRESETS", "Option", "RenderSettings", "option_fields", "replace", "settings_for"]
