"""Per-stage progress of one render, as the page shows it.

A render runs in a child process; its `EventSink` turns every stage start,
advance, end and notice into a small tuple that crosses the process boundary,
and the server applies the tuples to a `Progress` record that the page polls.
The same sink works in-process (the tuples go straight to `Progress.apply`).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

# The stages of a render, in order: "inputs" is the render process starting and reading the
# files (ours), the rest are api.render's; a resumed job goes from its inputs to "render".
NEW_RENDER_STAGES = ("inputs", "face", "speech", "render", "join")
RESUME_STAGES = ("inputs", "render", "join")
STAGE_LABELS = {"inputs": "Read inputs", "face": "Face", "speech": "Speech", "render": "Frames",
                "join": "Join + audio"}
MAX_NOTICES = 20  # a long job's notices beyond this are dropped, oldest first
AT_START_S = 0.05  # progress reported this soon after a stage starts was made before it
JOB_NOTICE = re.compile(r"^job (th-[0-9a-f]+):")  # api.render names the job in a notice

WAITING, RUNNING, FINISHED = "waiting", "running", "finished"
STOPPED = "stopped"  # it was running when the render was cancelled or failed

Event = tuple  # ("start", name, total) | ("advance", name, n) | ("end", name) | ("notice", text)


@dataclass(frozen=True)
class StageProgress:
    name: str
    total: int | None = None  # None: a one-step stage
    done: int = 0
    state: str = WAITING
    started: float | None = None  # time.monotonic() of the server when the stage began
    ended: float | None = None
    earlier: int = 0  # counted at the stage's very start: done before (a resumed job's chunks)

    @property
    def elapsed_s(self) -> float | None:
        if self.started is None:
            return None
        return (self.ended if self.ended is not None else time.monotonic()) - self.started

    @property
    def label(self) -> str:
        return STAGE_LABELS.get(self.name, self.name.capitalize())

    @property
    def fraction(self) -> float:
        if self.state == FINISHED:
            return 1.0
        if not self.total:
            return 0.0
        return min(1.0, self.done / self.total)


class Progress:
    """Thread-safe record of one render's stages and notices."""

    def __init__(self, expected: tuple[str, ...] = NEW_RENDER_STAGES) -> None:
        self._lock = threading.Lock()
        self._stages = {name: StageProgress(name) for name in expected}
        self._notices: list[str] = []
        self.job_id: str | None = None

    def apply(self, event: Event) -> None:
        kind, *rest = event
        with self._lock:
            if kind == "start":
                name, total = rest
                self._stages[name] = StageProgress(name, total, 0, RUNNING, time.monotonic())
                self._finish_earlier(name)
            elif kind == "advance":
                name, n = rest
                now = time.monotonic()
                stage = self._stages.get(name) or StageProgress(name, None, 0, RUNNING, now)
                at_start = stage.done == stage.earlier and now - (stage.started or now) < \
                    AT_START_S
                self._stages[name] = replace(stage, done=stage.done + n,
                                             earlier=stage.earlier + n if at_start else
                                             stage.earlier)
            elif kind == "end":
                (name,) = rest
                stage = self._stages.get(name) or StageProgress(name)
                self._stages[name] = replace(stage, state=FINISHED, ended=time.monotonic(),
                                             done=stage.total or stage.done)
            elif kind == "notice":
                (text,) = rest
                match = JOB_NOTICE.match(text)
                if match:
                    self.job_id = match.group(1)
                self._notices = [*self._notices, text][-MAX_NOTICES:]

    def _finish_earlier(self, name: str) -> None:
        """Stages before `name` are over: those still open end now, those skipped (a resumed
        or reused job) count as finished."""
        now = time.monotonic()
        for earlier in self._stages:
            if earlier == name:
                return
            stage = self._stages[earlier]
            if stage.state != FINISHED:
                self._stages[earlier] = replace(
                    stage, state=FINISHED, ended=now if stage.started is not None else None)

    def finish_all(self) -> None:
        """The render is done: every stage counts as finished, and no clock runs on (a reused
        job reports no stage ends)."""
        now = time.monotonic()
        with self._lock:
            for name, stage in self._stages.items():
                self._stages[name] = replace(stage, state=FINISHED, done=stage.total or stage.done,
                                             ended=_end_of(stage, now))

    def stop_all(self) -> None:
        """The render ended unfinished (cancelled, failed): running stages stop their clocks."""
        now = time.monotonic()
        with self._lock:
            for name, stage in self._stages.items():
                if stage.state == RUNNING:
                    self._stages[name] = replace(stage, state=STOPPED, ended=_end_of(stage, now))

    @property
    def stages(self) -> tuple[StageProgress, ...]:
        with self._lock:
            return tuple(self._stages.values())

    @property
    def notices(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._notices)


def _end_of(stage: StageProgress, now: float) -> float | None:
    """When a stage's clock stops: its own end, else now (None for one that never started)."""
    if stage.started is None:
        return None
    return stage.ended if stage.ended is not None else now


class _EventStage:
    def __init__(self, emit: Callable[[Event], None], name: str) -> None:
        self._emit = emit
        self._name = name

    def advance(self, n: int = 1) -> None:
        self._emit(("advance", self._name, n))


class EventSink:
    """A `ProgressSink` that reports every stage event to `emit` (a queue's `put`, say)."""

    def __init__(self, emit: Callable[[Event], None]) -> None:
        self._emit = emit

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[_EventStage]:
        self._emit(("start", name, total))
        yield _EventStage(self._emit, name)
        self._emit(("end", name))  # not reached when the stage raises: it stays unfinished

    def notice(self, message: str) -> None:
        self._emit(("notice", message))
