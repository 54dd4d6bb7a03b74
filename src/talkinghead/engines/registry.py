"""The render engines by name: the one list the CLI, the web page and the worker offer.

Light to import (the CLI reads `ENGINE_NAMES` before it parses an argument); an engine's
modules load when it is asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ..errors import SettingsError

if TYPE_CHECKING:
    from .base import Engine

ENGINE_NAMES: Final = ("warp", "sadtalker")
DEFAULT_ENGINE: Final = "warp"


def get_engine(name: str) -> Engine:
    """A new engine of that name; an optional one imports its dependencies only here."""
    if name == "warp":
        from .warp.engine import WarpEngine

        return WarpEngine()
    if name == "sadtalker":
        try:
            from .sadtalker.engine import SadTalkerEngine
        except ImportError as e:
            raise SettingsError(f"the sadtalker engine needs PyTorch ({e}): "
                                "pip install 'talkinghead[sadtalker]'") from e
        return SadTalkerEngine()
    raise SettingsError(f"unknown engine {name!r}: choose one of {', '.join(ENGINE_NAMES)}")
