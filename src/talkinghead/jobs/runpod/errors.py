"""Errors of remote rendering; all are `TalkingHeadError`s, so the CLI prints one line."""

from __future__ import annotations

from ...errors import JobNotFinishedError, TalkingHeadError


class RemoteError(TalkingHeadError):
    """The remote endpoint refused, failed or could not be reached."""


class RemoteConfigError(RemoteError):
    """No API key or endpoint configured, or the configuration is unusable."""


class RemoteUnavailableError(RemoteError):
    """The endpoint did not answer (network errors, 429 or 5xx) within the retry budget."""

    job_state = "interrupted"  # the job itself is fine: rerun or --retrieve later


class RemoteJobFailedError(RemoteError):
    """A remote job ended FAILED, CANCELLED or TIMED_OUT."""


class RemoteResultExpiredError(RemoteError):
    """RunPod no longer has the job: results of /run are kept 30 minutes after completion."""


class PayloadTooLargeError(RemoteError):
    """A request or result would exceed RunPod's payload limit."""


class RemoteJobNotFinishedError(JobNotFinishedError):
    """Remote chunks are still queued or running (exit status 3, like a local unfinished job)."""


__all__ = ["PayloadTooLargeError", "RemoteConfigError", "RemoteError", "RemoteJobFailedError",
           "RemoteJobNotFinishedError", "RemoteResultExpiredError", "RemoteUnavailableError"]
