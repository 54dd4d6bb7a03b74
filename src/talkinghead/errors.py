"""One error family for everything a user can get wrong.

The CLI catches `TalkingHeadError`, prints its message on one line and exits 2;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class TalkingHeadError(Exception):
    """Base class: a problem with the user's input or environment, not a bug."""

    exit_code = 2  # what the CLI exits with


class SettingsError(TalkingHeadError, ValueError):
    """A setting is out of range or unknown."""


class ImageError(TalkingHeadError):
    """The portrait cannot be read or is unusable (missing, corrupt, too large)."""


class NoFaceError(ImageError):
    """No usable face was found in the portrait."""


class AudioError(TalkingHeadError):
    """The audio cannot be read, has no samples, or is silent."""


class OutputError(TalkingHeadError):
    """The output path cannot be written."""


class RenderTimeoutError(TalkingHeadError):
    """The render ran past its time limit; the job keeps its finished chunks."""

    exit_code = 3


class JobNotFinishedError(TalkingHeadError):
    """A job asked for is still pending, running, interrupted or timed out."""

    exit_code = 3
