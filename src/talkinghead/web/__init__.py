"""A local web page over the public API: drop a portrait and a voice-over, watch it render.

`serve(host, port, token)` runs it until Ctrl-C; `start(...)` runs it in the
background and returns its address (tests, notebooks). It needs the `ui`
extra (`pip install "talkinghead[ui]"`); importing this package does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import RunningServer

from .defaults import DEFAULT_HOST, DEFAULT_MAX_UPLOAD_MB, DEFAULT_PORT


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, token: str | None = None,
          **options: Any) -> None:
    """Serve the page until Ctrl-C, printing its address (with the token when one is needed)."""
    from .app import serve as _serve

    _serve(host, port, token, **options)


def start(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, token: str | None = None,
          **options: Any) -> RunningServer:
    """Start the page in a background thread; `.url` is its address, `.stop()` ends it."""
    from .app import start as _start

    return _start(host, port, token, **options)


__all__ = ["DEFAULT_HOST", "DEFAULT_MAX_UPLOAD_MB", "DEFAULT_PORT", "serve", "start"]
