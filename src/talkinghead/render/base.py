"""The render-engine interface and the registry of engines by name.

An engine prepares once per portrait (`prepare`) and then draws any range of
frames of a motion plan (`render`), so that a long job can be drawn in chunks,
in any order, by several processes or machines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

import numpy as np

from ..face.landmarks import FaceGeometry
from ..settings import RenderSettings


class Engine(Protocol):
    name: str

    def prepare(self, canvas: np.ndarray, face: FaceGeometry,
                roi: tuple[int, int, int, int], settings: RenderSettings) -> Any:
        """Per-portrait state: everything that does not change from frame to frame."""

    def render(self, state: Any, plan, start: int, stop: int) -> Iterator[np.ndarray]:
        """Frames `start` to `stop` (exclusive) of `plan`, each H x W x 3 uint8 RGB."""


def get_engine(name: str) -> Engine:
    from .warp import WarpEngine

    engine_classes: dict[str, Callable[[], type]] = {"warp": lambda: WarpEngine,
                                                     "sadtalker": _sadtalker}
    if name not in engine_classes:
        from ..errors import SettingsError

        raise SettingsError(f"unknown engine {name!r}: choose one of {', '.join(engine_classes)}")
    engine_class = engine_classes[name]()  # optional engines import their dependencies here
    return engine_class()


def _sadtalker() -> type:
    """Imported only when chosen: it needs torch (the `sadtalker` extra)."""
    try:
        from ..engines.sadtalker.engine import SadTalkerEngine
    except ImportError as e:
        from ..errors import SettingsError

        raise SettingsError(f"the sadtalker engine needs PyTorch ({e}): "
                            "pip install 'talkinghead[sadtalker]'") from e
    return SadTalkerEngine
