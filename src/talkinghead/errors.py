"""One error family for everything a user can get wrong.

The CLI catches `TalkingHeadError`, prints its message on one line and exits 2;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
from typing import ClassVar


class TalkingHeadError(Exception):
    """Base class: a problem with the user's input or environment, not a bug."""

    exit_code: ClassVar[int] = 2  # what the CLI exits with
    # The state a job it ends is left in (one of jobs/store.py's): most errors fail the job;
    # some only interrupt it (the job is fine, and a rerun carries on).
    job_state: ClassVar[str] = "failed"


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
    job_state = "timed_out"

    def __init__(self, message: str, advice: str | None = None) -> None:
        super().__init__(message)
        self.advice = advice  # what to do with the unfinished job, where the executor knows


class JobNotFinishedError(TalkingHeadError):
    """A job asked for is still pending, running, interrupted or timed out."""

    exit_code = 3


class StorageError(TalkingHeadError):
    """A disk is full, over quota, read-only or failing: nothing is wrong with the inputs."""


# What the user can do about each storage failure (errno -> what happened, what to do).
_STORAGE_ADVICE = {
    errno.ENOSPC: ("the disk is full", "free some space or choose another location"),
    errno.EDQUOT: ("the disk quota is used up", "free some space or choose another location"),
    errno.EROFS: ("the file system is read-only", "choose a writable location"),
    errno.EIO: ("the disk reported an I/O error", "check the disk, or choose another location"),
}


def storage_error(error: BaseException, what: str) -> StorageError | None:
    """A `StorageError` naming `what` could not be written and why, for an `OSError` of a full,
    read-only or failing disk; None for any other error."""
    if not isinstance(error, OSError) or error.errno not in _STORAGE_ADVICE:
        return None
    happened, advice = _STORAGE_ADVICE[error.errno]
    return StorageError(f"cannot write {what}: {happened} ({advice})")
