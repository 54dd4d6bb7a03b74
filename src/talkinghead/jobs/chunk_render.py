"""Render one chunk of a job into its own video part: the unit of work of every executor.

Runs in a worker process (or in the caller's, for a one-chunk job). The part
is written through `atomic_path` (a hidden name, flushed to disk, renamed), so a
part file that exists is complete; a kill at any moment leaves at most a hidden
partial file, which the next render of that chunk deletes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engines.registry import get_engine
from ..face.framing import FramedPortrait
from ..media.compose import Compositor
from ..media.files import atomic_path
from ..media.formats import OutputFormat, output_format
from ..media.video import VideoEncoder
from ..motion.types import MotionPlan
from ..settings import RenderSettings
from .inputs import load_inputs

if TYPE_CHECKING:
    from ..engines.base import Engine

CHUNKS_FOLDER = "chunks"
PROGRESS_EVERY = 10  # frames between progress reports


@dataclass(frozen=True)
class ChunkTask:
    job_folder: Path
    index: int
    start: int
    stop: int
    settings: RenderSettings
    engine: str


def job_format(settings: RenderSettings) -> OutputFormat:
    return output_format(settings.format, alpha=settings.has_alpha)


def part_path(job_folder: Path, index: int, fmt: OutputFormat) -> Path:
    return job_folder / CHUNKS_FOLDER / f"{index:05d}{fmt.suffix}"


# Per thread, the last job prepared: a worker renders many chunks of one job, and a RunPod
# worker may run handlers in threads (an engine state holds scratch buffers: never shared).
_prepared = threading.local()


def render_chunk(task: ChunkTask, progress: Callable[[int], None] | None = None,
                 should_stop: Callable[[], None] | None = None) -> float:
    """Render frames start..stop of the job into its part file; return the seconds it took.

    `progress(n)` is told of every few frames drawn; `should_stop()` may raise to abandon
    the chunk (a timeout), leaving no part file behind.
    """
    started = time.monotonic()
    if should_stop:
        should_stop()  # a limit already passed (while planning, say): draw nothing
    engine, state, canvas_size, plan, compose = _engine_state(task)
    fmt = job_format(task.settings)
    target = part_path(task.job_folder, task.index, fmt)
    target.parent.mkdir(parents=True, exist_ok=True)
    pending = 0
    width, height = canvas_size
    still = engine.still_outside(state)  # and so is the composite over a new background
    with atomic_path(target) as partial, VideoEncoder(partial, width, height, plan.fps,
                                                      fmt) as encoder:
        for frame in engine.render(state, plan, task.start, task.stop):
            encoder.write(compose(frame) if compose else frame, still)
            pending += 1
            if pending == PROGRESS_EVERY:
                if progress:
                    progress(pending)
                pending = 0
                if should_stop:
                    should_stop()
    if progress and pending:
        progress(pending)
    return time.monotonic() - started


def _engine_state(task: ChunkTask) -> tuple[Engine[Any], Any, tuple[int, int], MotionPlan,
                                           Compositor | None]:
    """The engine, its prepared state, the frame size, the plan for the task's job, and what
    puts a cut-out person on their background (None where the frames go out as drawn)."""
    key = (task.job_folder, task.engine)
    if getattr(_prepared, "key", None) != key:
        inputs = load_inputs(task.job_folder)
        engine = get_engine(task.engine)
        portrait = FramedPortrait(inputs.canvas, inputs.face, inputs.roi, inputs.matte)
        state = engine.prepare(portrait, task.settings, task.job_folder)
        height, width = inputs.canvas.shape[:2]
        compose = None
        if inputs.matte is not None and inputs.backdrop is not None:
            compose = Compositor(inputs.backdrop, np.dstack([inputs.canvas, inputs.matte]),
                                 inputs.roi)
        _prepared.key = key
        _prepared.value = (engine, state, (width, height), inputs.plan, compose)
    return _prepared.value
