"""How long a render may take: the `--timeout` rule and the clock that enforces it."""

from __future__ import annotations

import time
from typing import Literal

from ..errors import RenderTimeoutError

Timeout = float | Literal["auto"] | None  # seconds, the original tool's rule, or no limit


def auto_timeout_s(audio_seconds: float) -> float:
    """The original tool's rule for its RunPod jobs: 4 minutes per audio minute, plus 2."""
    return 4.0 * audio_seconds + 120.0


class Deadline:
    """Raises `RenderTimeoutError` once `limit_s` seconds have passed since `started` (a
    `time.monotonic()` reading; by default, when it was made)."""

    def __init__(self, limit_s: float | None, started: float | None = None) -> None:
        self.limit_s = limit_s
        self.started = time.monotonic() if started is None else started

    def check(self) -> None:
        if self.limit_s is not None and time.monotonic() - self.started > self.limit_s:
            raise RenderTimeoutError(f"timed out after {self.limit_s:g} s")
