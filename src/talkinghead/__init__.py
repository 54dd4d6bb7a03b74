"""talkinghead: one portrait plus a speech recording in, a talking-head MP4 out.

    import talkinghead
    talkinghead.render("portrait.png", "speech.wav", "talking.mp4",
                       talkinghead.settings_for("natural"))
"""

from .api import RenderResult, render
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
