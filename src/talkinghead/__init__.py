"""talkinghead: one portrait plus a speech recording in, a talking-head MP4 out.

    import talkinghead
    talkinghead.render("portrait.png", "speech.wav", "talking.mp4",
                       talkinghead.settings_for("natural"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    AudioError,
    ImageError,
    NoFaceError,
    OutputError,
    RenderTimeoutError,
    SettingsError,
    TalkingHeadError,
)
from .settings import PRESETS, RenderSettings, settings_for
from .version import __version__

if TYPE_CHECKING:
    from .api import RenderResult, render
else:
    def render(*args: Any, **kwargs: Any) -> RenderResult:
        """`talkinghead.api.render`: the pipeline (OpenCV, PyAV, pocketsphinx, ...) loads on
        the first call, so that `talkinghead --help` and the light modules start at once."""
        from .api import render as run

        return run(*args, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "RenderResult":
        from .api import RenderResult

        return RenderResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PRESETS",
    "AudioError",
    "ImageError",
    "NoFaceError",
    "OutputError",
    "RenderResult",
    "RenderSettings",
    "RenderTimeoutError",
    "SettingsError",
    "TalkingHeadError",
    "__version__",
    "render",
    "settings_for",
]
