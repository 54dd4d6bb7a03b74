"""The page's settings form: one control per CLI setting, with the CLI's defaults and ranges.

Everything is read from `talkinghead.settings` (each `RenderSettings` field's
default and `Option`: label, help, choices, range; `PRESETS`), so the page and
the CLI cannot drift apart. Values from the page become settings through
`settings_for`, the same function the CLI uses, so a bad value gets the CLI's
one-line message; `field_problems` checks each value on its own, so the page can
say which field is wrong as soon as it is typed.
"""

from __future__ import annotations

import inspect
from dataclasses import Field, dataclass
from typing import Any, Literal

from .. import settings as th_settings
from ..errors import SettingsError
from ..jobs.chunking import DEFAULT_CHUNK_SECONDS, MIN_CHUNK_SECONDS
from ..settings import PRESETS, RenderSettings, option_fields, option_of, settings_for

EXPRESSION_STEP = 0.05
BACKENDS = ("local", "runpod")  # the names api.render's `backend` takes
DEFAULT_BACKEND = "local"
# The page offers these backgrounds, and any color:#RRGGBB typed in; an image FILE is the CLI's
# and the API's: a path typed into a page would name a file on the server.
PAGE_BACKGROUNDS = ("keep", "transparent", "blur", "color:#00b140", "color:#ffffff")
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
    custom: bool = False  # a choice that also takes a typed value (a colour)


def controls() -> tuple[Control, ...]:
    """The settings form, in `RenderSettings` order: labels and help from each field's `Option`
    (the CLI's words), "frame" settings under "More settings"."""
    return tuple(_control(setting) for setting in option_fields())


def _control(setting: Field[Any]) -> Control:
    option = option_of(setting)
    advanced = option.group == "frame"
    default = "" if setting.name == "resolution" else setting.default
    if setting.name == "background":
        return Control(setting.name, option.label, "choice", default, PAGE_BACKGROUNDS,
                       info=f"{option.help} (an image FILE on the command line only: type "
                            "a colour here)",
                       advanced=advanced, custom=True)
    if isinstance(setting.default, bool):
        return Control(setting.name, option.label, "check", default, info=option.help)
    if option.choices:
        return Control(setting.name, option.label, "choice", default, option.choices,
                       info=option.help, advanced=advanced)
    if option.range:
        step = 1 if isinstance(setting.default, int) else EXPRESSION_STEP
        return Control(setting.name, option.label, "slider", default, low=option.range[0],
                       high=option.range[1], step=step, info=option.help, advanced=advanced)
    kind = "number" if setting.name == "seed" else "text"
    help_text = option.help if option.default_text is None else (
        f"{option.help}; blank: {option.default_text}")
    return Control(setting.name, option.label, kind, default, info=help_text, advanced=advanced)


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
        elif control.name == "background" and RenderSettings(
                background=value, format="webm").background_file:
            raise SettingsError(f"Background must be {', '.join(PAGE_BACKGROUNDS[:3])} or "
                                f"color:#RRGGBB on the page, got {value!r} (an image "
                                "background is talkinghead --background FILE)")
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
        if control.name == "background":  # its clash with an mp4 format is the form's problem
            alone["format"] = "webm"
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
    settings = {option_of(s).flag(s.name): option_of(s).label.split(" (")[0]
                for s in option_fields()}
    run = {"--" + c.name.replace("_", "-"): c.label.split(" (")[0] for c in run_controls()}
    return {"--preset": "Preset", **settings, **run}


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
