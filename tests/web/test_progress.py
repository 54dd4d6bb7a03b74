"""Per-stage progress, as a render's sink reports it and the page reads it."""

from __future__ import annotations

import time

import pytest

from talkinghead.web.progress import (
    FINISHED,
    RESUME_STAGES,
    RUNNING,
    STOPPED,
    WAITING,
    EventSink,
    Progress,
)


def states(progress: Progress) -> dict[str, tuple[str, int, int | None]]:
    return {s.name: (s.state, s.done, s.total) for s in progress.stages}


def test_a_render_s_stages_in_order():
    progress = Progress()
    sink = EventSink(progress.apply)
    assert all(s.state == WAITING for s in progress.stages)
    with sink.stage("face"):
        assert states(progress)["face"][0] == RUNNING
    sink.notice("job th-0123456789ab: 100 frames in 1 chunk(s)")
    with sink.stage("render", total=100) as stage:
        time.sleep(0.1)  # frames drawn now, not counted from before
        stage.advance(10)
        stage.advance(30)
        assert states(progress)["render"] == (RUNNING, 40, 100)
        render = next(s for s in progress.stages if s.name == "render")
        assert render.fraction == pytest.approx(0.4) and render.earlier == 0
    assert states(progress)["render"] == (FINISHED, 100, 100)
    assert states(progress)["speech"][0] == FINISHED  # skipped over: counts as done
    assert states(progress)["inputs"][0] == FINISHED
    assert progress.job_id == "th-0123456789ab"
    assert progress.notices[-1].startswith("job th-0123456789ab")


def test_a_stage_that_raises_stays_unfinished():
    progress = Progress(RESUME_STAGES)
    sink = EventSink(progress.apply)
    with pytest.raises(RuntimeError), sink.stage("render", total=10):
        raise RuntimeError("disk full")
    assert states(progress)["render"][0] == RUNNING


def test_elapsed_time_is_kept_for_stages_without_a_count():
    progress = Progress()
    progress.apply(("start", "speech", None))
    speech = next(s for s in progress.stages if s.name == "speech")
    assert speech.elapsed_s is not None and speech.elapsed_s >= 0


def test_frames_done_before_a_resume_are_told_apart():
    progress = Progress(RESUME_STAGES)
    sink = EventSink(progress.apply)
    with sink.stage("render", total=100) as stage:
        stage.advance(60)  # the runner counts the finished chunks first
        time.sleep(0.1)
        stage.advance(10)
        render = next(s for s in progress.stages if s.name == "render")
        assert (render.done, render.earlier) == (70, 60)
    assert states(progress)["inputs"][0] == FINISHED


def test_notices_are_bounded():
    progress = Progress()
    for i in range(100):
        progress.apply(("notice", f"note {i}"))
    assert len(progress.notices) <= 20 and progress.notices[-1] == "note 99"


def test_finish_all_marks_every_stage_finished():
    progress = Progress()
    progress.finish_all()
    assert all(s.state == FINISHED and s.fraction == 1.0 for s in progress.stages)


def test_a_reused_job_s_clocks_stop_when_it_is_done():
    progress = Progress()
    progress.apply(("start", "inputs", None))  # a reused job reports no other stage
    progress.finish_all()
    inputs = next(s for s in progress.stages if s.name == "inputs")
    elapsed = inputs.elapsed_s
    time.sleep(0.05)
    assert inputs.elapsed_s == elapsed and inputs.state == FINISHED
    assert all(s.elapsed_s is None for s in progress.stages if s.name != "inputs")


def test_stop_all_stops_running_clocks_and_keeps_what_was_done():
    progress = Progress()
    sink = EventSink(progress.apply)
    with sink.stage("face"):
        pass
    progress.apply(("start", "render", 100))
    progress.apply(("advance", "render", 40))
    progress.stop_all()
    render = next(s for s in progress.stages if s.name == "render")
    assert (render.state, render.done) == (STOPPED, 40) and render.ended is not None
    assert states(progress)["face"][0] == FINISHED
    assert states(progress)["join"][0] == WAITING
