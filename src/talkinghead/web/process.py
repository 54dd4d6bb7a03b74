"""Run one queued render in a child process, as the CLI would run it.

A child process, not a thread, because a render must be stoppable: Cancel
sends it SIGTERM, which (as in the CLI) becomes KeyboardInterrupt, so the job
runner records the job as interrupted and keeps its finished chunks for
Resume. The child reports progress through a queue (see progress.py) and ends
with one ("outcome", state, error, result) event. Nothing here imports the UI
library, so the child starts as quickly as the CLI does.
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from .progress import Event, EventSink
from .queue import CANCELLED, DONE, FAILED, Outcome, RenderRequest, ResumeRequest, Ticket

if TYPE_CHECKING:
    from multiprocessing.queues import Queue

POLL_S = 0.2  # how often the server checks on the child and on Cancel
KILL_AFTER_S = 20.0  # a child that ignores SIGTERM this long is killed (its job stays resumable)
CANCELLED_MESSAGE = "cancelled"  # the child's own word; the server says what can be done next


class ProcessExecutor:
    """Executor for `RenderQueue`: one spawned child process per ticket."""

    def __init__(self, home: Path, workers: int | None = None) -> None:
        self.home = Path(home)
        self.workers = workers
        self._context = multiprocessing.get_context("spawn")  # no inherited server threads

    def __call__(self, ticket: Ticket, emit: Callable[[Event], None],
                 cancel: threading.Event) -> Outcome:
        events = self._context.Queue()
        child = self._context.Process(
            target=run_request, args=(ticket.request, str(self.home), self.workers, events),
            name=f"talkinghead-{ticket.id}")
        child.start()
        outcome = None
        stop_sent = None
        while True:
            try:
                event = events.get(timeout=POLL_S)
            except queue.Empty:
                event = None
            if event is not None:
                if event[0] == "outcome":
                    outcome = Outcome(*event[1:])
                else:
                    emit(event)
            if cancel.is_set() and stop_sent is None and child.is_alive():
                child.terminate()  # SIGTERM; nothing if it has just ended
                stop_sent = time.monotonic()
            if stop_sent is not None and time.monotonic() - stop_sent > KILL_AFTER_S:
                child.kill()
            if event is None and not child.is_alive():
                break
        while True:  # what the child sent just before it ended
            try:
                event = events.get(timeout=POLL_S)
            except queue.Empty:
                break
            if event[0] == "outcome":
                outcome = Outcome(*event[1:])
            else:
                emit(event)
        child.join()
        if outcome is not None and outcome.state == DONE:
            return outcome
        if cancel.is_set() or (outcome is not None and outcome.state == CANCELLED):
            return Outcome(CANCELLED, cancelled_message(ticket.job_id))
        if outcome is not None:
            return outcome
        return Outcome(FAILED, crashed_message(child.exitcode, ticket.job_id))


def cancelled_message(job_id: str | None) -> str:
    """What a cancelled render leaves: a job to resume once it was planned, else nothing."""
    if job_id:
        return (f"Cancelled. The frames drawn so far are kept: Resume continues job {job_id} "
                "from there.")
    return "Cancelled before any frame was drawn; nothing was kept. Press Render to start again."


def crashed_message(exit_code: int | None, job_id: str | None) -> str:
    said = f"the render process stopped unexpectedly (exit code {exit_code})"
    if job_id:
        return f"{said}; Resume continues job {job_id} from its last finished chunk"
    return f"{said} before it started drawing; press Render to try again"


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM takes the path of Ctrl-C, as in the CLI: the job is recorded as interrupted."""
    raise KeyboardInterrupt


def run_request(request: RenderRequest | ResumeRequest, home: str, workers: int | None,
                events: Queue[Event]) -> None:
    """The child process: run the render, report progress, end with one outcome event."""
    signal.signal(signal.SIGTERM, _interrupt)
    events.put(("start", "inputs", None))  # loading the renderer and reading the files
    try:
        from .. import api
        from ..errors import TalkingHeadError
        from ..jobs.store import JobStore
        from ..settings import RenderSettings
        from .inputs import describe_error
    except KeyboardInterrupt:  # cancelled while the renderer was still loading
        events.put(("outcome", CANCELLED, CANCELLED_MESSAGE, None))
        events.close()
        events.join_thread()
        return

    sink = EventSink(events.put)
    try:
        store = JobStore(Path(home))
        extra = {}
        if request.backend != "local":  # only named when chosen: older APIs have no backend
            extra["backend"] = request.backend
        if isinstance(request, ResumeRequest):
            result = api.resume(request.job_id, request.output, sink=sink,
                                timeout_s=request.timeout_s, workers=workers, store=store,
                                **extra)
        else:
            result = api.render(request.image, request.audio, request.output,
                                RenderSettings(**request.settings), sink=sink,
                                timeout_s=request.timeout_s, chunk_seconds=request.chunk_seconds,
                                workers=workers, store=store, transcript=request.transcript,
                                **extra)
        summary = {"output": str(result.output), "job_id": result.job_id,
                   "width": result.width, "height": result.height, "fps": result.fps,
                   "frames": result.frames, "duration_s": result.duration_s,
                   "processing_s": result.processing_s, "reused": result.reused}
        events.put(("outcome", DONE, None, summary))
    except KeyboardInterrupt:
        events.put(("outcome", CANCELLED, CANCELLED_MESSAGE, None))
    except TalkingHeadError as e:
        events.put(("outcome", FAILED, _without_paths(str(e), request), None))
    except BaseException as e:
        traceback.print_exc(file=sys.stderr)  # for the server's log; the page gets one line
        events.put(("outcome", FAILED, describe_error(e), None))
    finally:
        events.close()
        events.join_thread()


def _without_paths(message: str, request: RenderRequest | ResumeRequest) -> str:
    """Name the visitor's files as they know them, not by the server's folders."""
    if isinstance(request, RenderRequest):
        for path in (request.image, request.audio, request.output):
            message = message.replace(path, Path(path).name)
    return message
