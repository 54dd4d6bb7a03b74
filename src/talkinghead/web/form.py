"""The page's settings form: one control per CLI setting, with the CLI's defaults and ranges.

Everything is read from `talkinghead.settings` (the field defaults of
`RenderSettings`, the range and choice constants, `PRESETS`), so the page and
the CLI cannot drift apart; a setting this version of the settings module does
not have is simply not shown. Values from the page become settings through
`settings_for`, the same function the CLI uses, so a bad value gets the CLI's
one-line message; `field_problems` checks each value on its own, so the page can
say which field is wrong as soon as it is typed.
"""

from __future__ import annotations

import inspect
from dataclasses import MISSING, dataclass, fields
from typing import Any, Literal

from .. import settings as th_settings
from ..errors import SettingsError
from ..jobs.chunking import DEFAULT_CHUNK_SECONDS, MIN_CHUNK_SECONDS
from ..settings import PRESETS, RenderSettings, settings_for

EXPRESSION_STEP = 0.05
BACKENDS = ("local", "runpod")  # the names api.render's `backend` takes
DEFAULT_BACKEND = "local"
TIMEOUT_HELP = ("seconds, from when the render starts; blank: no limit on this machine, "
                "4 min per audio minute + 2 min on RunPod")


@dataclass(frozen=True)
class Control:
    """One setting on the page. `kind`: choice, slider, check, number or text."""

    name: str  # the RenderSettings field it sets
    label: str
    kind: str
    default: Any
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    step: float | None = None
    info: str = ""
    advanced: bool = False  # shown under "More settings"


def _defaults() -> dict[str, Any]:
    return {f.name: f.default for f in fields(RenderSettings) if f.default is not MISSING}


def controls() -> tuple[Control, ...]:
    """The settings form, in page order; only settings that `RenderSettings` has."""
    have = _defaults()
    s = th_settings
    candidates = [
        Control("size", "Size (px)", "choice", have.get("size"), tuple(s.SIZES),
                info="output side for crop and resize"),
        Control("expression_scale", "Expression scale", "slider", have.get("expression_scale"),
                low=s.EXPRESSION_SCALE_RANGE[0], high=s.EXPRESSION_SCALE_RANGE[1],
                step=EXPRESSION_STEP, info="mouth and head motion amplitude"),
        Control("pose_style", "Pose style", "slider", have.get("pose_style"),
                low=s.POSE_STYLE_RANGE[0], high=s.POSE_STYLE_RANGE[1], step=1,
                info="head motion character; each number is a distinct, repeatable style"),
        Control("still", "Still", "check", have.get("still"), info="keep the head almost still"),
        Control("preprocess", "Preprocess", "choice", have.get("preprocess"),
                tuple(s.PREPROCESS_MODES),
                info="crop: square face crop; resize: whole image squeezed to a square; "
                     "full: original picture, only the head animated"),
        Control("enhance", "Enhance", "check", have.get("enhance"),
                info="bicubic resampling of the warped face (off: faster, softer)"),
    ]
    if hasattr(s, "ASPECTS"):
        candidates.append(Control("aspect", "Aspect", "choice", have.get("aspect"),
                                  tuple(s.ASPECTS), advanced=True,
                                  info="anything but 'source' frames the face itself"))
    if hasattr(s, "parse_resolution"):
        candidates.append(Control("resolution", "Resolution (WxH)", "text", "", advanced=True,
                                  info="exact output size, e.g. 1280x720; blank: automatic"))
    if hasattr(s, "FRAMINGS"):
        candidates.append(Control("framing", "Framing", "choice", have.get("framing"),
                                  tuple(s.FRAMINGS), advanced=True,
                                  info="how tight a framed output is around the face"))
    if hasattr(s, "PAD_MODES"):
        candidates.append(Control("pad", "Pad", "text", have.get("pad"), advanced=True,
                                  info="blur, edge or color:#RRGGBB, where the picture "
                                       "does not reach the frame"))
    if hasattr(s, "FPS_CHOICES"):
        candidates.append(Control("fps", "Frame rate", "choice", have.get("fps"),
                                  tuple(s.FPS_CHOICES), advanced=True))
    if hasattr(s, "FORMATS"):
        candidates.append(Control("format", "Format", "choice", have.get("format"),
                                  tuple(s.FORMATS), advanced=True,
                                  info="mp4: H.264 + AAC; webm: VP9 + Opus; mov: ProRes "
                                       "(mov does not play in browsers: download it)"))
    candidates.append(Control("seed", "Seed", "number", None, advanced=True,
                              info="blank: derived from the inputs, so reruns match"))
    return tuple(c for c in candidates if c.name in have)


def run_controls() -> tuple[Control, ...]:
    """How the job runs, not how it looks: --timeout, --chunk-seconds and (where the API has
    one) the backend that draws the chunks."""
    run = [
        Control("timeout", "Timeout (s)", "number", None, advanced=True, info=TIMEOUT_HELP),
        Control("chunk_seconds", "Chunk seconds", "number", DEFAULT_CHUNK_SECONDS,
                low=MIN_CHUNK_SECONDS, advanced=True,
                info="long audio is rendered in chunks of about this length"),
    ]
    if backend_supported():
        run.append(Control("backend", "Backend", "choice", DEFAULT_BACKEND, BACKENDS,
                           advanced=True, info="where the chunks are drawn: this machine, or "
                                               "RunPod serverless (set up on the server)"))
    return tuple(run)


def backend_supported() -> bool:
    from .. import api

    return "backend" in inspect.signature(api.render).parameters


@dataclass(frozen=True)
class RunOptions:
    timeout_s: float | Literal["auto"]  # "auto": the CLI's rule
    chunk_seconds: float
    backend: str = DEFAULT_BACKEND


def preset_values(preset: str) -> dict[str, Any]:
    """What the controls show for `preset`: the defaults with the preset's values on top."""
    if preset not in PRESETS:
        raise SettingsError(f"--preset must be one of {', '.join(PRESETS)}, got {preset!r}")
    values = {c.name: c.default for c in controls()}
    values.update({k: v for k, v in PRESETS[preset].items() if k in values})
    return values


def settings_from_form(preset: str, values: dict[str, Any]) -> RenderSettings:
    """The page's values (strings, floats from sliders, blanks) as validated settings."""
    clean: dict[str, Any] = {}
    for control in controls():
        if control.name not in values:
            continue
        value = values[control.name]
        if isinstance(value, str):
            value = value.strip()
        if value in ("", None):
            continue  # blank: the preset's or the default value
        if control.name == "resolution":
            value = th_settings.parse_resolution(value)
        elif control.name in ("size", "pose_style", "fps", "seed"):
            value = _whole(value, control)
        elif control.name == "expression_scale":
            value = round(float(value), 4)
        elif control.kind == "check":
            value = bool(value)
        clean[control.name] = value
    return settings_for(preset, **clean)


def run_options(values: dict[str, Any]) -> RunOptions:
    """Timeout, chunk length and backend from the page, checked as the CLI checks them."""
    timeout = values.get("timeout")
    if timeout in ("", None):
        timeout_s: float | Literal["auto"] = "auto"
    else:
        timeout_s = _number(timeout, "--timeout")
        if timeout_s <= 0:
            raise SettingsError(f"--timeout must be a positive number of seconds, "
                                f"got {timeout_s:g}")
    chunk = values.get("chunk_seconds")
    chunk_s = DEFAULT_CHUNK_SECONDS if chunk in ("", None) else _number(chunk, "--chunk-seconds")
    if chunk_s < MIN_CHUNK_SECONDS:
        raise SettingsError(f"--chunk-seconds must be at least {MIN_CHUNK_SECONDS:g}")
    backend = values.get("backend") or DEFAULT_BACKEND
    if backend not in BACKENDS:
        raise SettingsError(f"--backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    return RunOptions(timeout_s, chunk_s, backend)


def field_problems(preset: str, values: dict[str, Any]) -> dict[str, str]:
    """Each value checked on its own, as the CLI checks it: {control name: the CLI's message}.
    Blank values are fine (automatic)."""
    run = {c.name for c in run_controls()}
    found = {}
    for control in (*controls(), *run_controls()):
        if control.name not in values:
            continue
        alone = {control.name: values[control.name]}
        try:
            if control.name in run:
                run_options(alone)
            else:
                settings_from_form(preset, alone)
        except SettingsError as e:
            found[control.name] = str(e)
    return found


def form_problem(preset: str, values: dict[str, Any]) -> str | None:
    """The first thing wrong with the whole form (values that are fine alone may clash), or
    None when a render would be accepted."""
    try:
        settings_from_form(preset, values)
        run_options(values)
    except SettingsError as e:
        return str(e)
    return None


def flag_labels() -> dict[str, str]:
    """The page's name of each command-line flag it has a control for: {"--timeout": "Timeout"}."""
    named = {"--" + c.name.replace("_", "-"): c.label.split(" (")[0]
             for c in (*controls(), *run_controls())}
    return {"--preset": "Preset", **named}


def _number(value: Any, flag: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as e:
        raise SettingsError(f"{flag} must be a number, got {value!r}") from e


def _whole(value: Any, control: Control) -> int:
    number = _number(value, "--" + control.name.replace("_", "-"))
    if number != int(number):
        raise SettingsError(f"--{control.name.replace('_', '-')} must be a whole number, "
                            f"got {value!r}")
    return int(number)
