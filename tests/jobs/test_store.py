import sqlite3
import time

import pytest

from talkinghead.errors import TalkingHeadError
from talkinghead.jobs.store import (
    CHUNK_DONE,
    DONE,
    PLANNED,
    RENDERING,
    Chunk,
    Job,
    JobStore,
    new_job_id,
)
from talkinghead.settings import RenderSettings


def make_job(store: JobStore, key: str = "k", frames: int = 100, job_id: str | None = None) -> Job:
    now = time.time()
    chunks = (Chunk(0, 0, 40), Chunk(1, 40, frames))
    return store.create(Job(
        id=job_id or new_job_id(), input_key=key, state=PLANNED, created=now, updated=now,
        image_path="/i.png", image_sha256="a" * 64, audio_path="/a.wav", audio_sha256="b" * 64,
        settings=RenderSettings(size=256), engine="warp", output_path="/o.mp4", frames=frames,
        fps=25, duration_s=frames / 25, width=256, height=256, timings={}, error=None,
        chunks=chunks))


def test_a_job_round_trips_with_its_chunks(tmp_path):
    store = JobStore(tmp_path)
    job = make_job(store)
    again = store.get(job.id)
    assert again == job and [c.frames for c in again.chunks] == [40, 60]
    assert store.folder(job.id).is_dir()
    assert job.id.startswith("th-")


def test_progress_counts_recorded_chunks(tmp_path):
    store = JobStore(tmp_path)
    job = make_job(store)
    store.chunk_done(job.id, 0, 1.5)
    assert store.get(job.id).progress == pytest.approx(0.4)
    store.chunk_pending(job.id, 0)
    assert store.get(job.id).frames_done == 0


def test_find_resumable_skips_finished_jobs(tmp_path):
    store = JobStore(tmp_path)
    finished = make_job(store, key="same")
    store.set_state(finished.id, DONE)
    assert store.find_resumable("same") is None
    open_job = make_job(store, key="same")
    store.set_state(open_job.id, RENDERING)
    assert store.find_resumable("same").id == open_job.id
    assert store.find_resumable("other") is None


def test_unknown_job_names_the_store(tmp_path):
    with pytest.raises(TalkingHeadError, match="no job th-nope"):
        JobStore(tmp_path).get("th-nope")


def test_a_corrupt_row_is_a_clear_error(tmp_path):
    store = JobStore(tmp_path)
    job = make_job(store)
    with sqlite3.connect(tmp_path / "jobs.sqlite") as db:
        db.execute("UPDATE jobs SET settings = '{not json' WHERE id = ?", (job.id,))
    with pytest.raises(TalkingHeadError, match="corrupt"):
        store.get(job.id)


def test_chunks_that_do_not_cover_the_video_are_corrupt(tmp_path):
    store = JobStore(tmp_path)
    job = make_job(store)
    with sqlite3.connect(tmp_path / "jobs.sqlite") as db:
        db.execute("DELETE FROM chunks WHERE job_id = ? AND idx = 1", (job.id,))
    with pytest.raises(TalkingHeadError, match="do not cover"):
        store.get(job.id)


def test_unwritable_home_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(TalkingHeadError, match="TALKINGHEAD_HOME"):
        JobStore(blocker / "home")


def test_records_hold_no_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("RUNPOD_API_KEY", "sk-very-secret")
    store = JobStore(tmp_path)
    make_job(store)
    assert b"sk-very-secret" not in (tmp_path / "jobs.sqlite").read_bytes()


def test_chunk_states(tmp_path):
    store = JobStore(tmp_path)
    job = make_job(store)
    store.chunk_done(job.id, 1, 2.0)
    assert [c.state for c in store.get(job.id).chunks] == ["pending", CHUNK_DONE]


def test_job_identity_changes_with_the_rendering_code(monkeypatch):
    from talkinghead import api, version
    from talkinghead.settings import RenderSettings

    before = api.input_key("a" * 64, "b" * 64, RenderSettings(), "warp", 45.0)
    assert before == api.input_key("a" * 64, "b" * 64, RenderSettings(), "warp", 45.0)
    monkeypatch.setattr(api, "code_fingerprint", lambda: "other code")
    assert api.input_key("a" * 64, "b" * 64, RenderSettings(), "warp", 45.0) != before
    assert len(version.code_fingerprint()) == 16
