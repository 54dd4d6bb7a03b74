"""Run a job's pending chunks, in parallel worker processes when there are several, then join them.

The database is the source of truth: a chunk counts as done only once its
part file is complete on disk and recorded. Interrupting (Ctrl-C, SIGTERM,
kill -9, a timeout) loses at most the chunks in flight; the next run of the
same job renders only what is missing, and the joined video is the same.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import av

from ..errors import RenderTimeoutError, TalkingHeadError
from ..events import ProgressSink
from ..media.video import encode_soundtrack, join_video
from .chunk_render import ChunkTask, job_format, part_path, render_chunk
from .lock import job_lock
from .store import (
    CHUNK_DONE,
    DONE,
    FAILED,
    INTERRUPTED,
    RENDERING,
    RESULT_STEM,
    TIMED_OUT,
    Chunk,
    Job,
    JobStore,
)
from .timeout import Deadline
from .workers import WorkerPool, report_progress, worker_pool

if TYPE_CHECKING:
    from multiprocessing.queues import Queue

POLL_S = 0.2  # how often the parent checks on workers, progress and the clock
SOUNDTRACK_STEM = "soundtrack"  # a job's encoded sound in its folder, beside the parts


class ChunkExecutor(Protocol):
    """Draws a job's pending chunks into part files and records each as it completes.

    `LocalExecutor` uses this machine's cores; `jobs.runpod.executor.RunPodExecutor` a
    RunPod endpoint. Everything else about a job (planning, resuming, joining,
    states, errors) is the same for both.
    """

    def render(self, store: JobStore, job: Job, todo: list[Chunk],
               advance: Callable[[int], None], deadline: Deadline,
               sink: ProgressSink) -> None: ...


@dataclass(frozen=True)
class LocalExecutor:
    """Chunks in worker processes, one per core (in this process for a single chunk).

    `shared`: workers that the render started already (`api.render`: they analysed the
    speech); without them, the executor starts its own for the chunks."""

    workers: int = 1
    shared: WorkerPool | None = field(default=None, compare=False)

    def render(self, store: JobStore, job: Job, todo: list[Chunk],
               advance: Callable[[int], None], deadline: Deadline,
               sink: ProgressSink) -> None:
        tasks = [ChunkTask(store.folder(job.id), c.index, c.start, c.stop, job.settings,
                           job.engine) for c in todo]
        if len(tasks) <= 1 or self.workers <= 1:
            for task in tasks:
                seconds = render_chunk(task, advance, deadline.check)
                store.chunk_done(job.id, task.index, seconds)
        elif self.shared is not None:
            _render_in_pool(store, job, tasks, self.shared, advance, deadline)
        else:
            with worker_pool(min(self.workers, len(tasks))) as workers:
                assert workers is not None  # two or more processes
                _render_in_pool(store, job, tasks, workers, advance, deadline)


def run_job(store: JobStore, job: Job, *, executor: ChunkExecutor, sink: ProgressSink,
            deadline: Deadline) -> Path:
    """Render what is missing of `job` and join it; returns the finished video in the job folder."""
    folder = store.folder(job.id)
    with job_lock(folder, job.id):
        result = result_path(folder, job)
        if job.state == DONE and result.is_file():
            return result
        todo = chunks_to_render(store, job, sink)
        store.set_state(job.id, RENDERING)
        started = time.monotonic()
        try:
            with soundtrack_alongside(folder, job) as soundtrack_done:
                with sink.stage("render", total=job.frames) as progress:
                    progress.advance(job.frames - sum(c.frames for c in todo))
                    executor.render(store, job, todo, progress.advance, deadline, sink)
                with sink.stage("join"):
                    soundtrack_done()
                    join_parts(store, job)
        except RenderTimeoutError as e:
            store.set_state(job.id, TIMED_OUT, str(e))
            advice = (f"job {job.id} keeps its finished chunks: rerun the same command or "
                      f"'talkinghead --resume {job.id}' to continue, then "
                      f"'talkinghead --retrieve {job.id} --output FILE'")
            raise RenderTimeoutError(f"{e}; {e.advice or advice}") from None
        except (KeyboardInterrupt, SystemExit):
            store.set_state(job.id, INTERRUPTED, "interrupted")
            raise
        except TalkingHeadError as e:
            # An error can say the job was only interrupted (e.g. an unreachable endpoint).
            store.set_state(job.id, e.job_state, str(e))
            raise
        except Exception as e:
            store.set_state(job.id, FAILED, f"{type(e).__name__}: {e}")
            raise
        timings = {**job.timings, "render_s": round(time.monotonic() - started, 3)}
        store.set_state(job.id, DONE, timings=timings)
        return result


def join_parts(store: JobStore, job: Job) -> Path:
    """Join a job's finished parts and its soundtrack (encoded now if it is not there yet)
    into its result file."""
    folder = store.folder(job.id)
    fmt = job_format(job.settings)
    soundtrack = soundtrack_path(folder, job)
    if not soundtrack.is_file():
        _encode_soundtrack(folder, job)
    parts = [part_path(folder, c.index, fmt) for c in job.chunks]
    result = result_path(folder, job)
    join_video(parts, soundtrack, result, fmt)
    return result


@contextmanager
def soundtrack_alongside(folder: Path, job: Job) -> Iterator[Callable[[], None]]:
    """While inside, a thread of this process encodes the job's soundtrack: the frames are
    drawn by worker processes, by RunPod, or in this process (PyAV lets go of the GIL while
    it encodes), so the join that follows only copies streams. Yields a function that waits
    for the soundtrack and raises its error, if any; leaving stops an unfinished one."""
    target = soundtrack_path(folder, job)
    if target.is_file():  # encoded by an earlier run of the job
        yield lambda: None
        return
    leaving = threading.Event()

    def should_stop() -> None:
        if leaving.is_set():
            raise _Abandoned

    with ThreadPoolExecutor(1, thread_name_prefix="soundtrack") as thread:
        encoding = thread.submit(_encode_soundtrack, folder, job, should_stop)
        try:
            yield encoding.result
        finally:
            leaving.set()


def _encode_soundtrack(folder: Path, job: Job,
                      should_stop: Callable[[], None] | None = None) -> None:
    encode_soundtrack(Path(job.audio_path), soundtrack_path(folder, job), job.duration_s,
                      job_format(job.settings), should_stop)


class _Abandoned(Exception):
    """A soundtrack no longer wanted (the render failed or was interrupted)."""


def soundtrack_path(folder: Path, job: Job) -> Path:
    """Where a job's encoded sound lives in its folder, until it is joined with the frames."""
    return folder / f"{SOUNDTRACK_STEM}{job_format(job.settings).suffix}"


def result_path(folder: Path, job: Job) -> Path:
    """Where a job's finished video lives in its folder."""
    return folder / f"{RESULT_STEM}{job_format(job.settings).suffix}"


def chunks_to_render(store: JobStore, job: Job, sink: ProgressSink) -> list[Chunk]:
    """Pending chunks, plus done ones whose part file is gone or damaged (said aloud)."""
    folder = store.folder(job.id)
    for stale in folder.glob("chunks/*.partial*"):
        stale.unlink(missing_ok=True)
    todo = []
    for chunk in job.chunks:
        if chunk.state == CHUNK_DONE:
            frames = part_frames(part_path(folder, chunk.index, job_format(job.settings)))
            if frames == chunk.frames:
                continue
            sink.notice(f"job {job.id}: chunk {chunk.index} is missing or damaged on disk; "
                        "rendering it again")
            store.chunk_pending(job.id, chunk.index)
        todo.append(chunk)
    return todo


def part_frames(path: Path) -> int | None:
    """Frames in a finished part file, or None when it is missing or unreadable."""
    try:
        with av.open(str(path)) as container:
            return container.streams.video[0].frames
    except (OSError, av.error.FFmpegError, IndexError):
        return None


def _render_in_pool(store: JobStore, job: Job, tasks: list[ChunkTask], workers: WorkerPool,
                    advance: Callable[[int], None], deadline: Deadline) -> None:
    """The chunks drawn by `workers`; this process records finished chunks and forwards
    progress."""
    try:
        running = {task.index: workers.pool.apply_async(_pool_render, (task,))
                   for task in tasks}
        while running:
            _drain(workers.progress, advance, POLL_S)
            for index in [i for i, r in running.items() if r.ready()]:
                seconds = running.pop(index).get()  # re-raises a worker's error here
                store.chunk_done(job.id, index, seconds)
            deadline.check()
        _drain(workers.progress, advance, 0)
    except BaseException:
        workers.pool.terminate()  # on any error or interrupt, in-flight chunks die as .partial
        raise


def _drain(progress: Queue[int], advance: Callable[[int], None], wait_s: float) -> None:
    try:
        advance(progress.get(timeout=wait_s) if wait_s else progress.get_nowait())
        while True:
            advance(progress.get_nowait())
    except queue.Empty:
        pass


def _pool_render(task: ChunkTask) -> float:
    return render_chunk(task, report_progress)
