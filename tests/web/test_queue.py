"""The page's render queue: one render at a time, fair across visitors, cancellable."""

from __future__ import annotations

import threading
import time

import pytest

from talkinghead.errors import TalkingHeadError
from talkinghead.web.progress import STOPPED
from talkinghead.web.queue import (
    CANCELLED,
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    Outcome,
    RenderQueue,
    RenderRequest,
)

WAIT_S = 5.0


class GatedExecutor:
    """Runs a ticket until the test opens its gate (or cancels it); records what ran when."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.gates: dict[str, threading.Event] = {}
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def gate(self, ticket_id: str) -> threading.Event:
        with self._lock:
            return self.gates.setdefault(ticket_id, threading.Event())

    def __call__(self, ticket, emit, cancel) -> Outcome:
        with self._lock:
            self.order.append(ticket.id)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        emit(("start", "face", None))
        gate = self.gate(ticket.id)
        try:
            while not gate.wait(0.01):
                if cancel.is_set():
                    return Outcome(CANCELLED, "cancelled")
            emit(("end", "face"))
            return Outcome(DONE, None, {"job_id": "th-" + ticket.id[-8:]})
        finally:
            with self._lock:
                self.running -= 1


def request(name: str = "a") -> RenderRequest:
    return RenderRequest(f"/in/{name}.png", f"/in/{name}.wav", f"/out/{name}.mp4", {})


def wait_for(condition, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.01)


@pytest.fixture
def executor():
    return GatedExecutor()


@pytest.fixture
def queue(executor):
    q = RenderQueue(executor, max_running=1)
    yield q
    for gate in executor.gates.values():
        gate.set()
    q.close(wait_s=WAIT_S)


def finish(queue, executor, ticket) -> None:
    wait_for(lambda: ticket.state == RUNNING)
    executor.gate(ticket.id).set()
    wait_for(lambda: ticket.state == DONE)


def test_visitors_take_turns_and_each_keeps_their_own_order(queue, executor):
    a1 = queue.submit("alice", request())
    wait_for(lambda: a1.state == RUNNING)
    a2, a3 = queue.submit("alice", request()), queue.submit("alice", request())
    b1, b2 = queue.submit("bob", request()), queue.submit("bob", request())
    c1 = queue.submit("carol", request())
    # Alice has had one render started; Bob and Carol none: they go first, then turns alternate.
    assert [t.id for t in queue.waiting_order()] == [b1.id, c1.id, a2.id, b2.id, a3.id]
    assert queue.position(b1) == 1 and queue.position(a3) == 5
    for ticket in (a1, b1, c1, a2, b2, a3):
        finish(queue, executor, ticket)
    assert executor.order == [a1.id, b1.id, c1.id, a2.id, b2.id, a3.id]


def test_never_more_renders_at_once_than_allowed(executor):
    q = RenderQueue(executor, max_running=1)
    tickets = [q.submit(f"visitor{i}", request()) for i in range(4)]
    wait_for(lambda: tickets[0].state == RUNNING)
    time.sleep(0.1)
    assert [t.state for t in tickets] == [RUNNING, QUEUED, QUEUED, QUEUED]
    for ticket in tickets:
        finish(q, executor, ticket)
    assert executor.most_at_once == 1
    q.close()


def test_two_at_once_when_asked(executor):
    q = RenderQueue(executor, max_running=2)
    tickets = [q.submit("v", request()) for _ in range(3)]
    wait_for(lambda: tickets[1].state == RUNNING)
    assert tickets[2].state == QUEUED
    for ticket in tickets:
        finish(q, executor, ticket)
    assert executor.most_at_once == 2
    q.close()


def test_cancel_a_waiting_ticket_removes_it_from_the_queue(queue, executor):
    first = queue.submit("a", request())
    wait_for(lambda: first.state == RUNNING)
    second = queue.submit("b", request())
    assert "before it started" in queue.cancel(second.id)
    assert second.state == CANCELLED and queue.waiting_order() == []
    finish(queue, executor, first)
    assert second.id not in executor.order


def test_cancel_a_running_ticket_stops_it_and_its_clocks(queue):
    ticket = queue.submit("a", request())
    wait_for(lambda: ticket.state == RUNNING)
    wait_for(lambda: {s.name: s.state for s in ticket.progress.stages}["face"] == "running")
    said = queue.cancel(ticket.id)
    assert said.startswith("Stopping the render") and "nothing is kept" in said  # no job yet
    assert "Resume" not in said and ticket.id not in said
    wait_for(lambda: ticket.state == CANCELLED)
    assert "already cancelled" in queue.cancel(ticket.id)
    face = next(s for s in ticket.progress.stages if s.name == "face")
    assert face.state == STOPPED and face.ended is not None
    elapsed = face.elapsed_s
    time.sleep(0.05)
    assert face.elapsed_s == elapsed  # the stage's clock stopped with the render


def test_cancelling_a_planned_job_says_resume_continues_it(queue):
    ticket = queue.submit("a", request())
    wait_for(lambda: ticket.state == RUNNING)
    ticket.progress.apply(("notice", "job th-0123456789ab: 100 frames in 1 chunk(s)"))
    said = queue.cancel(ticket.id)
    assert "job th-0123456789ab" in said and "Resume" in said


def test_progress_and_job_id_reach_the_ticket(queue, executor):
    ticket = queue.submit("a", request())
    wait_for(lambda: ticket.state == RUNNING)
    wait_for(lambda: {s.name: s.state for s in ticket.progress.stages}["face"] == "running")
    finish(queue, executor, ticket)
    assert ticket.job_id == "th-" + ticket.id[-8:]
    assert all(stage.state == "finished" for stage in ticket.progress.stages)


def test_one_visitor_cannot_fill_the_queue(executor):
    q = RenderQueue(executor, max_running=1, max_waiting_per_visitor=2)
    running = q.submit("greedy", request())
    wait_for(lambda: running.state == RUNNING)
    q.submit("greedy", request())
    q.submit("greedy", request())
    with pytest.raises(TalkingHeadError, match="already have 2 renders waiting"):
        q.submit("greedy", request())
    q.submit("someone else", request())  # others still get in
    for gate_id in [t.id for t in q.tickets()]:
        executor.gate(gate_id).set()
    q.close()


def test_an_executor_crash_fails_the_ticket_not_the_queue():
    calls = []

    def broken(ticket, emit, cancel):
        calls.append(ticket.id)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return Outcome(DONE, None, {})

    q = RenderQueue(broken)
    first, second = q.submit("a", request()), q.submit("a", request())
    wait_for(lambda: second.state == DONE)
    assert first.state == FAILED and "boom" in first.error
    q.close()


def test_unknown_ticket_is_a_one_line_error_without_its_id(queue):
    with pytest.raises(TalkingHeadError, match="not known here any more") as error:
        queue.get("web-nope")
    assert "web-" not in str(error.value)


def test_close_refuses_new_tickets_and_cancels_waiting_ones(executor):
    q = RenderQueue(executor)
    running = q.submit("a", request())
    wait_for(lambda: running.state == RUNNING)
    waiting = q.submit("b", request())
    q.close(wait_s=WAIT_S)
    assert waiting.state == CANCELLED and running.state == CANCELLED
    with pytest.raises(TalkingHeadError, match="shutting down"):
        q.submit("c", request())
