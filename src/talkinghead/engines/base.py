"""The render-engine interface.

An engine prepares once per portrait (`prepare`) and then draws any range of frames of a
motion plan (`render`), so that a long job can be drawn in chunks, in any order, by several
processes or machines. An engine whose frames need work done once for the whole audio (the
sadtalker engine's audio networks) does it in `plan_job` and finds the result in the job
folder when it prepares.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, Generic, TypeVar

import numpy as np

from ..errors import SettingsError
from ..face.framing import FramedPortrait
from ..motion.types import MotionPlan
from ..settings import RenderSettings

State = TypeVar("State")  # what `prepare` builds and `render` reads: the engine's own type


class Engine(ABC, Generic[State]):
    """A render engine: `prepare` and `render` are its own; the other hooks do nothing unless
    an engine needs them."""

    name: ClassVar[str]
    plans_jobs: ClassVar[bool] = False  # True where `plan_job` does work (a stage of its own)

    @abstractmethod
    def prepare(self, portrait: FramedPortrait, settings: RenderSettings,
                job_folder: Path | None = None) -> State:
        """Per-portrait state: everything that does not change from frame to frame.
        `job_folder` holds what `plan_job` wrote (None outside a job)."""

    @abstractmethod
    def render(self, state: State, plan: MotionPlan, start: int,
               stop: int) -> Iterator[np.ndarray]:
        """Frames `start` to `stop` (exclusive) of `plan`, each H x W x 3 uint8 RGB, or
        H x W x 4 RGBA (straight alpha) where the portrait has a matte."""

    cuts_out: ClassVar[bool] = False  # True where `render` carries a portrait's matte

    def still_outside(self, state: State) -> tuple[int, int, int, int] | None:
        """The box (x0, y0, x1, y1) outside which every frame `render` draws is the same
        picture (the encoder then converts only the box); None where frames may change
        anywhere."""
        return None

    def check_ready(self, settings: RenderSettings) -> None:
        """Raise a `TalkingHeadError` before any work if this render cannot run here (files
        missing, a setting it does not support)."""
        if settings.cuts_out and not self.cuts_out:
            raise SettingsError(f"the {self.name} engine cannot cut the person out: use "
                                "--background keep, or the default engine (warp)")

    def check_portrait(self, portrait: FramedPortrait) -> None:
        """Raise a `TalkingHeadError` while the job is planned, before it is recorded, if this
        engine cannot animate the framed portrait; nothing to check by default."""
        return None

    def plan_job(self, job_folder: Path, portrait: FramedPortrait, plan: MotionPlan,
                 samples: np.ndarray, settings: RenderSettings, seed: int) -> None:
        """Once per job, after motion planning, with the job's audio (mono float32 at the
        analysis rate): write what the chunks need into `job_folder` (where `plans_jobs`)."""
        return None

    def chunk_files(self, job_folder: Path, start: int, stop: int) -> dict[str, bytes]:
        """Files of the job folder a remote worker needs for frames start..stop-1, by name."""
        return {}
