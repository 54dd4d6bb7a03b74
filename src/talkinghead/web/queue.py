"""The page's render queue: at most `max_running` renders at once, fair across visitors.

A render takes every core (the job runner spreads its chunks over them), so
the page runs one at a time by default, as one `talkinghead` command would.
Waiting tickets are started in fair order: the visitor who has had the fewest
renders started since the queue was last idle goes first, and a visitor's own
tickets keep their order. So one visitor who queues ten clips does not make the
next visitor wait for all ten.

Renders run on the queue's own threads (each driving a child process through
its executor), never on a request's thread: closing the browser tab does not
stop a render, and reopening the page finds it here and in the job store.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ..errors import TalkingHeadError
from .progress import NEW_RENDER_STAGES, RESUME_STAGES, Event, Progress

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINAL_STATES = (DONE, FAILED, CANCELLED)
DEFAULT_MAX_RUNNING = 1  # what one CLI command runs: one job, its chunks over all cores
MAX_WAITING_PER_VISITOR = 5  # more than this queued by one visitor is refused, in words
KEEP_FINISHED_TICKETS = 200  # finished tickets remembered for the page; jobs live in the store


@dataclass(frozen=True)
class RenderRequest:
    """A new render: what `api.render` is called with (settings as their dict)."""

    image: str
    audio: str
    output: str
    settings: dict
    timeout_s: float | Literal["auto"] = "auto"
    chunk_seconds: float = 45.0
    transcript: str | None = None
    backend: str = "local"


@dataclass(frozen=True)
class ResumeRequest:
    """Continue a job of the store: what `api.resume` is called with."""

    job_id: str
    output: str
    timeout_s: float | Literal["auto"] = "auto"
    backend: str = "local"


@dataclass(frozen=True)
class Outcome:
    state: str  # DONE, FAILED or CANCELLED
    error: str | None = None
    result: dict | None = None  # a RenderResult's fields, for DONE


@dataclass(eq=False)
class Ticket:
    """One queued render and everything the page shows about it."""

    id: str
    visitor: str
    request: RenderRequest | ResumeRequest
    seq: int
    created: float = field(default_factory=time.time)
    state: str = QUEUED
    started: float | None = None
    finished: float | None = None
    outcome: Outcome | None = None
    progress: Progress = field(default_factory=Progress)
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def job_id(self) -> str | None:
        if isinstance(self.request, ResumeRequest):
            return self.request.job_id
        if self.outcome and self.outcome.result:
            return self.outcome.result.get("job_id")
        return self.progress.job_id

    @property
    def error(self) -> str | None:
        return self.outcome.error if self.outcome else None

    @property
    def stopping(self) -> bool:
        """Cancel was pressed and the render has not ended yet."""
        return self.state == RUNNING and self.cancel.is_set()


# Runs one ticket to the end: reports progress events, honours `cancel`, returns how it ended.
Executor = Callable[[Ticket, Callable[[Event], None], threading.Event], Outcome]


def new_ticket_id() -> str:
    """`web-` and 8 hex digits: distinct from job IDs (`th-...`), which exist only later."""
    return "web-" + secrets.token_hex(4)


class RenderQueue:
    """Fair FIFO across visitors; `max_running` background threads run the tickets."""

    def __init__(self, executor: Executor, max_running: int = DEFAULT_MAX_RUNNING,
                 max_waiting_per_visitor: int = MAX_WAITING_PER_VISITOR,
                 on_finished: Callable[[Ticket], object] | None = None) -> None:
        if max_running < 1:
            raise ValueError("max_running must be at least 1")
        self._executor = executor
        self.max_running = max_running
        self._max_waiting = max_waiting_per_visitor
        self._on_finished = on_finished
        self._lock = threading.Condition()
        self._tickets: dict[str, Ticket] = {}
        self._waiting: list[Ticket] = []
        self._started_per_visitor: dict[str, int] = {}
        self._running = 0
        self._seq = 0
        self._closed = False
        self._threads = [threading.Thread(target=self._work, name=f"talkinghead-queue-{i}",
                                          daemon=True) for i in range(max_running)]
        for thread in self._threads:
            thread.start()

    # -- visitors' actions ------------------------------------------------------------------

    def submit(self, visitor: str, request: RenderRequest | ResumeRequest,
               ticket_id: str | None = None) -> Ticket:
        with self._lock:
            if self._closed:
                raise TalkingHeadError("the server is shutting down; try again when it is back")
            mine = sum(1 for t in self._waiting if t.visitor == visitor)
            if mine >= self._max_waiting:
                raise TalkingHeadError(
                    f"you already have {mine} renders waiting; wait for one to start, "
                    "or cancel one")
            self._seq += 1
            expected = RESUME_STAGES if isinstance(request, ResumeRequest) else NEW_RENDER_STAGES
            ticket = Ticket(ticket_id or new_ticket_id(), visitor, request, self._seq,
                            progress=Progress(expected))
            self._tickets[ticket.id] = ticket
            self._waiting.append(ticket)
            self._lock.notify()
            return ticket

    def cancel(self, ticket_id: str) -> str:
        """Cancel a waiting or running ticket; returns what happened, in words."""
        with self._lock:
            ticket = self.get(ticket_id)
            name = f"job {ticket.job_id}" if ticket.job_id else "the render"
            if ticket.state == QUEUED:
                self._waiting.remove(ticket)
                self._finish(ticket, Outcome(CANCELLED, "Cancelled before it started; nothing "
                                                        "was kept."))
                return f"{name.capitalize()} was cancelled before it started."
            if ticket.state == RUNNING:
                ticket.cancel.set()
                if ticket.job_id:
                    return (f"Stopping {name}; the frames drawn so far are kept, so Resume "
                            "can continue it.")
                return "Stopping the render; it had not started drawing, so nothing is kept."
            return f"{name.capitalize()} is already {ticket.state}."

    # -- what the page reads ----------------------------------------------------------------

    def get(self, ticket_id: str) -> Ticket:
        with self._lock:
            if ticket_id not in self._tickets:
                raise TalkingHeadError("that render is not known here any more (the server "
                                       "was restarted?); find it in the jobs list")
            return self._tickets[ticket_id]

    def tickets(self) -> list[Ticket]:
        """All remembered tickets, newest first."""
        with self._lock:
            return sorted(self._tickets.values(), key=lambda t: t.seq, reverse=True)

    def waiting_order(self) -> list[Ticket]:
        """Waiting tickets in the order they will start."""
        with self._lock:
            counts = dict(self._started_per_visitor)
            pending = list(self._waiting)
            order = []
            while pending:
                ticket = self._fairest(pending, counts)
                pending.remove(ticket)
                counts[ticket.visitor] = counts.get(ticket.visitor, 0) + 1
                order.append(ticket)
            return order

    def position(self, ticket: Ticket) -> int | None:
        """1 for the next ticket to start; None when it is not waiting."""
        order = self.waiting_order()
        return order.index(ticket) + 1 if ticket in order else None

    def active_for_job(self, job_id: str) -> Ticket | None:
        with self._lock:
            for ticket in self._tickets.values():
                if ticket.state in (QUEUED, RUNNING) and ticket.job_id == job_id:
                    return ticket
        return None

    @property
    def running(self) -> int:
        with self._lock:
            return self._running

    def close(self, wait_s: float = 30.0) -> None:
        """Refuse new tickets, cancel waiting and running ones, and wait for the threads."""
        with self._lock:
            self._closed = True
            for ticket in list(self._waiting):
                self._waiting.remove(ticket)
                self._finish(ticket, Outcome(CANCELLED, "the server stopped"))
            for ticket in self._tickets.values():
                if ticket.state == RUNNING:
                    ticket.cancel.set()
            self._lock.notify_all()
        deadline = time.monotonic() + wait_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    # -- the worker threads -----------------------------------------------------------------

    @staticmethod
    def _fairest(waiting: list[Ticket], counts: dict[str, int]) -> Ticket:
        return min(waiting, key=lambda t: (counts.get(t.visitor, 0), t.seq))

    def _next(self) -> Ticket | None:
        with self._lock:
            while not self._waiting and not self._closed:
                self._lock.wait()
            if self._closed:
                return None
            ticket = self._fairest(self._waiting, self._started_per_visitor)
            self._waiting.remove(ticket)
            self._started_per_visitor[ticket.visitor] = (
                self._started_per_visitor.get(ticket.visitor, 0) + 1)
            ticket.state = RUNNING
            ticket.started = time.time()
            self._running += 1
            return ticket

    def _work(self) -> None:
        while (ticket := self._next()) is not None:
            try:
                outcome = self._executor(ticket, ticket.progress.apply, ticket.cancel)
            except Exception as e:  # an executor bug must not kill the queue
                outcome = Outcome(FAILED, f"internal error ({type(e).__name__}: {e})")
            with self._lock:
                self._running -= 1
                if outcome.state == DONE:
                    ticket.progress.finish_all()
                else:
                    ticket.progress.stop_all()
                self._finish(ticket, outcome)
                if not self._waiting and not self._running:
                    self._started_per_visitor.clear()  # idle: everyone starts even again
            if self._on_finished:
                try:
                    self._on_finished(ticket)
                except Exception:  # housekeeping must not break the queue
                    pass

    def _finish(self, ticket: Ticket, outcome: Outcome) -> None:
        ticket.outcome = outcome
        ticket.state = outcome.state
        ticket.finished = time.time()
        finished = [t for t in self._tickets.values() if t.state in FINAL_STATES]
        for old in sorted(finished, key=lambda t: t.seq)[:-KEEP_FINISHED_TICKETS]:
            del self._tickets[old.id]
