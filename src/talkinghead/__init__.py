"""talkinghead: one portrait plus a speech recording in, a talking-head MP4 out.

    import talkinghead
    talkinghead.render("portrait.png", "speech.wav", "talking.mp4",
                       talkinghead.settings_for("natural"))
"""

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


def __getattr__(name: str) -> Any:
    """`render` and `RenderResult` load the pipeline (NumPy, OpenCV, PyAV, ...) on first use,
    so that `talkinghead --help` and the light modules start at once."""
    if name in ("render", "RenderResult"):
        from . import api

        return getattr(api, name)
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
