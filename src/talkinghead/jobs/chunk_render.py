"""Render one chunk of a job into its own video part: the unit of work of every executor.

Runs in a worker process (or in the caller's, for a one-chunk job). The part
is written under a `.partial` name, flushed to disk and renamed, so a part
file that exists is complete; a kill at any moment leaves at most a
`.partial` file that the next run deletes.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..engines.registry import get_engine
from ..face.framing import FramedPortrait
from ..media.formats import OutputFormat, output_format
from ..media.video import VideoEncoder
from ..settings import RenderSettings
from .inputs import load_inputs

CHUNKS_FOLDER = "chunks"
PROGRESS_EVERY = 10  # frames between progress reports


@dataclass(frozen=True)
class ChunkTask:
    job_folder: Path
    index: int
    start: int
    stop: int
    settings: dict
    engine: str


def job_format(settings: dict) -> OutputFormat:
    return output_format(settings.get("format", "mp4"))


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
    engine, state, canvas_size, plan = _engine_state(task)
    fmt = job_format(task.settings)
    target = part_path(task.job_folder, task.index, fmt)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.stem}.partial{fmt.suffix}")
    pending = 0
    try:
        with VideoEncoder(partial, *canvas_size, plan.fps, fmt) as encoder:
            for frame in engine.render(state, plan, task.start, task.stop):
                encoder.write(frame)
                pending += 1
                if pending == PROGRESS_EVERY:
                    if progress:
                        progress(pending)
                    pending = 0
                    if should_stop:
                        should_stop()
        with open(partial, "rb") as f:
            os.fsync(f.fileno())
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if progress and pending:
        progress(pending)
    return time.monotonic() - started


def _engine_state(task: ChunkTask):
    """The engine, its prepared state, the frame size and the plan for the task's job."""
    key = (task.job_folder, task.engine)
    if getattr(_prepared, "key", None) != key:
        inputs = load_inputs(task.job_folder)
        engine = get_engine(task.engine)
        settings = RenderSettings(**task.settings)
        portrait = FramedPortrait(inputs.canvas, inputs.face, inputs.roi)
        state = engine.prepare(portrait, settings, task.job_folder)
        height, width = inputs.canvas.shape[:2]
        _prepared.key, _prepared.value = key, (engine, state, (width, height), inputs.plan)
    return _prepared.value
