"""What the page does, without the page: queue, list, open, cancel and resume jobs.

Each test has its own job store (the `home` fixture). The slow tests run real
renders of the bundled sample in child processes, as the server does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import talkinghead
from talkinghead import api
from talkinghead.errors import SettingsError, TalkingHeadError
from talkinghead.media.audio import load_audio
from talkinghead.web.queue import CANCELLED, DONE, RUNNING, Outcome
from talkinghead.web.service import WebService
from talkinghead_dev.measure import video_facts

FINAL = ("done", "failed", "cancelled")
RENDER_WAIT_S = 90.0


def wait_view(service: WebService, item: str, until, timeout: float = RENDER_WAIT_S):
    deadline = time.monotonic() + timeout
    while True:
        view = service.view(item)
        if until(view):
            return view
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; last view: {view}")
        time.sleep(0.1)


class HeldExecutor:
    """Holds every ticket until released, so tests can look at a busy queue."""

    def __init__(self) -> None:
        self.release = False

    def __call__(self, ticket, emit, cancel):
        while not (self.release or cancel.is_set()):
            time.sleep(0.01)
        return Outcome(CANCELLED if cancel.is_set() else DONE, None, {})


@pytest.fixture
def held(home):
    executor = HeldExecutor()
    service = WebService(home, executor=executor)
    yield service
    executor.release = True
    service.close()


@pytest.fixture
def service(home):
    service = WebService(home, workers=2)
    yield service
    service.close()


@pytest.fixture(scope="module")
def long_speech(tmp_path_factory, sample_speech_path, make_wav) -> Path:
    """The sample sentence four times over: about 29 s, long enough to cancel mid-render."""
    samples = load_audio(sample_speech_path).samples
    return make_wav(tmp_path_factory.mktemp("audio") / "long.wav", np.tile(samples, 4))


def test_missing_inputs_are_said_in_words(held, sample_portrait_path):
    with pytest.raises(TalkingHeadError, match="drop a portrait first"):
        held.submit("v", None, "x.wav", "default", {})
    with pytest.raises(TalkingHeadError, match="drop a voice-over or record one first"):
        held.submit("v", sample_portrait_path, "", "default", {})


def test_bad_settings_are_refused_before_anything_is_queued(held, sample_portrait_path,
                                                            sample_speech_path):
    with pytest.raises(SettingsError, match="--expression-scale"):
        held.submit("v", sample_portrait_path, sample_speech_path, "default",
                    {"expression_scale": 9})
    assert held.queue.tickets() == []


def test_queued_renders_are_listed_with_their_place(held, sample_portrait_path,
                                                    sample_speech_path):
    first = held.submit("a", sample_portrait_path, sample_speech_path, "default", {})
    second = held.submit("b", sample_portrait_path, sample_speech_path, "natural", {})
    rows = {row.id: row for row in held.recent()}
    deadline = time.monotonic() + 5
    while first.state != RUNNING and time.monotonic() < deadline:
        time.sleep(0.01)
    rows = {row.id: row for row in held.recent()}
    assert rows[first.id].state == "running"
    assert rows[second.id].state == "queued #1"
    assert rows[second.id].title == "portrait.jpg + speech.ogg"
    assert held.view(second.id).position == 1
    assert "before it started" in held.cancel(second.id)


def test_unknown_items_are_one_line_errors(held):
    with pytest.raises(TalkingHeadError, match="no job th-000000000000 in the job store"):
        held.resume("v", "th-000000000000")
    with pytest.raises(TalkingHeadError, match="not known here any more"):
        held.view("web-00000000")
    with pytest.raises(TalkingHeadError, match="pick a render first"):
        held.cancel("  ")


def test_old_uploads_and_videos_are_pruned(held, sample_portrait_path, monkeypatch):
    kept = held.check_portrait(sample_portrait_path).path
    old = time.time() - 30 * 86400
    os.utime(kept, (old, old))
    monkeypatch.setenv("TALKINGHEAD_KEEP_DAYS", "14")
    assert held.prune() == [kept.parent]
    assert not kept.exists()


@pytest.mark.slow
def test_a_page_render_is_a_job_of_the_store(service, home, sample_portrait_path,
                                             sample_speech_path, tmp_path):
    ticket = service.submit("v", sample_portrait_path, sample_speech_path, "natural", {})
    view = wait_view(service, ticket.id, lambda v: v.state in FINAL)
    assert view.state == DONE, view.error
    assert view.video.is_file() and view.video.name == "portrait-talking.mp4"
    facts = video_facts(view.video)
    assert (facts.video_codec, facts.audio_codec, facts.fps) == ("h264", "aac", 25.0)
    assert [s.state for s in view.stages] == ["finished"] * 5
    # The same job for the CLI: listed by --jobs, retrieved by --retrieve.
    env = {**os.environ, "TALKINGHEAD_HOME": str(home)}
    listed = subprocess.run([sys.executable, "-m", "talkinghead", "--jobs"], env=env,
                            capture_output=True, text=True, check=True).stdout
    assert view.job_id in listed and "done" in listed
    copy = tmp_path / "copy.mp4"
    subprocess.run([sys.executable, "-m", "talkinghead", "--retrieve", view.job_id, "--output",
                    str(copy)], env=env, capture_output=True, check=True)
    assert copy.read_bytes() == view.video.read_bytes()
    row = next(r for r in service.recent() if r.id == view.job_id)
    assert (row.state, row.progress, row.source) == ("done", 1.0, "page")
    assert service.view(view.job_id).video == service.video_for(service.store.get(view.job_id))
    with pytest.raises(TalkingHeadError, match="is finished: open it"):
        service.resume("v", view.job_id)
    assert "is not running (done)" in service.cancel(view.job_id)


@pytest.mark.slow
def test_a_cli_job_can_be_opened_and_downloaded_from_the_page(service, sample_portrait_path,
                                                             sample_speech_path, tmp_path):
    result = api.render(sample_portrait_path, sample_speech_path, tmp_path / "cli.mp4",
                        talkinghead.settings_for("default"), store=service.store)
    row = next(r for r in service.recent() if r.id == result.job_id)
    assert row.source == "CLI / API" and row.state == "done"
    view = service.view(result.job_id)
    assert view.state == "done" and view.video.read_bytes() == (tmp_path / "cli.mp4").read_bytes()


@pytest.mark.slow
def test_cancel_keeps_the_finished_chunks_and_resume_finishes_the_job(service,
                                                                      sample_portrait_path,
                                                                      long_speech):
    ticket = service.submit("v", sample_portrait_path, long_speech, "default",
                            {"chunk_seconds": 5})
    wait_view(service, ticket.id,
              lambda v: any(s.name == "render" and s.done >= 150 for s in v.stages))
    assert service.cancel(ticket.id).startswith("Stopping job th-")
    view = wait_view(service, ticket.id, lambda v: v.state in FINAL)
    assert view.state == CANCELLED and f"Resume continues job {view.job_id}" in view.error
    assert not view.stopping
    assert all(s.elapsed_s is None or s.ended is not None for s in view.stages)  # clocks stop
    job = service.store.get(view.job_id)
    assert job.state == "interrupted"
    assert next(r for r in service.recent() if r.id == job.id).state == "interrupted"
    resumed = service.resume("v", job.id)
    with pytest.raises(TalkingHeadError, match="already"):
        service.resume("v", job.id)
    view = wait_view(service, resumed.id, lambda v: v.state in FINAL)
    assert view.state == DONE, view.error
    assert [s.name for s in view.stages] == ["inputs", "render", "join"]
    assert video_facts(view.video).frames == job.frames


def test_a_cancel_before_the_job_is_planned_does_not_offer_resume(service, sample_portrait_path,
                                                                 sample_speech_path):
    ticket = service.submit("v", sample_portrait_path, sample_speech_path, "default", {})
    wait_view(service, ticket.id, lambda v: v.state == RUNNING)
    said = service.cancel(ticket.id)  # the render process is still loading: no job yet
    assert said.startswith("Stopping the render") and "Resume" not in said
    assert service.view(ticket.id).stopping
    view = wait_view(service, ticket.id, lambda v: v.state in FINAL)
    assert view.state == CANCELLED and view.job_id is None
    assert view.error.startswith("Cancelled before any frame was drawn; nothing was kept")
    assert "Resume" not in view.error


@pytest.mark.slow
def test_a_bad_input_that_slipped_past_the_checks_fails_in_words(service, sample_portrait_path,
                                                                 silent_wav):
    ticket = service.submit("v", sample_portrait_path, silent_wav, "default", {})
    view = wait_view(service, ticket.id, lambda v: v.state in FINAL)
    assert view.state == "failed" and view.error == (
        "audio 'silence.wav' is silent: nothing to lip-sync (use a speech recording)")
