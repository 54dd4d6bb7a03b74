"""The render-engine interface and the registry of engines by name.

An engine prepares once per portrait (`prepare`) and then draws any range of
frames of a motion plan (`render`), so that a long job can be drawn in chunks,
in any order, by several processes or machines.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..face.landmarks import FaceGeometry
from ..settings import RenderSettings


class Engine(ABC):
    """A render engine: `prepare` and `render` are its own; the job hooks below do nothing
    unless an engine plans work of its own for a whole job (the sadtalker engine runs its
    audio networks once per job and its chunks read the result)."""

    name: str
    plans_jobs: bool = False  # True where `plan_job` does work of its own (a stage of its own)

    @abstractmethod
    def prepare(self, canvas: np.ndarray, face: FaceGeometry,
                roi: tuple[int, int, int, int], settings: RenderSettings) -> Any:
        """Per-portrait state: everything that does not change from frame to frame."""

    @abstractmethod
    def render(self, state: Any, plan, start: int, stop: int) -> Iterator[np.ndarray]:
        """Frames `start` to `stop` (exclusive) of `plan`, each H x W x 3 uint8 RGB."""

    def check_ready(self, settings: RenderSettings) -> None:
        """Raise a `TalkingHeadError` before any work if this render cannot run here (files
        missing); nothing to check by default."""
        return None

    def check_portrait(self, canvas: np.ndarray, face: FaceGeometry,
                       roi: tuple[int, int, int, int]) -> None:
        """Raise a `TalkingHeadError` while the job is planned, before it is recorded, if this
        engine cannot animate the framed portrait; nothing to check by default."""
        return None

    def plan_job(self, folder: Path, canvas: np.ndarray, face: FaceGeometry,
                 samples: np.ndarray, settings: RenderSettings, blink: np.ndarray,
                 seed: int) -> None:
        """Once per job, after motion planning: write what the chunks need into `folder`
        (only where `plans_jobs`)."""
        return None

    def prepare_job(self, folder: Path, canvas: np.ndarray, face: FaceGeometry,
                    roi: tuple[int, int, int, int], settings: RenderSettings) -> Any:
        """`prepare`, for a chunk of the job in `folder` (which may hold `plan_job`'s files)."""
        return self.prepare(canvas, face, roi, settings)

    def chunk_files(self, folder: Path, start: int, stop: int) -> dict[str, bytes]:
        """Files of the job folder a remote worker needs for frames start..stop-1, by name."""
        return {}


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
