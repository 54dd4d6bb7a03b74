"""Jobs made by earlier versions: they are read, resumed or refused with one line, never mixed.

A job record stores its settings as a plain object. A record written before a setting existed
reads it at its default; one naming a setting this version does not know is refused. A job
planned by other rendering code is not resumed (its chunks would not match the new ones)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from talkinghead.errors import TalkingHeadError
from talkinghead.jobs.inputs import CODE_FILE
from talkinghead.jobs.store import DATABASE_NAME, JobStore
from talkinghead.settings import RenderSettings

from .test_store import make_job


def _stored_settings(store: JobStore, job_id: str, settings: dict) -> None:
    with sqlite3.connect(store.home / DATABASE_NAME) as db:
        db.execute("UPDATE jobs SET settings = ? WHERE id = ?", (json.dumps(settings), job_id))


def test_a_record_from_before_a_setting_existed_reads_it_at_its_default(tmp_path):
    store = JobStore(tmp_path)
    job = make_job(store)
    _stored_settings(store, job.id, {"size": 256, "fps": 25, "format": "mp4"})  # no framing, pad
    assert store.get(job.id).settings == RenderSettings(size=256)


def test_a_record_from_a_newer_version_is_refused_in_one_line(tmp_path):
    store = JobStore(tmp_path)
    job = make_job(store)
    _stored_settings(store, job.id, {"size": 256, "hologram": True})
    with pytest.raises(TalkingHeadError, match=r"unknown settings: hologram .*newer") as refused:
        store.get(job.id)
    assert "\n" not in str(refused.value)


@pytest.fixture
def stopped_job(tmp_path, sample_portrait_path, sample_speech_path, monkeypatch):
    """A job planned and timed out before its first frame: resumable, with nothing drawn."""
    from talkinghead import api
    from talkinghead.errors import RenderTimeoutError

    folder = tmp_path / "inputs"
    folder.mkdir()
    image = Path(shutil.copy(sample_portrait_path, folder / "face.jpg"))
    audio = Path(shutil.copy(sample_speech_path, folder / "speech.ogg"))
    planned = api.create_job

    def slow_plan(*args, **kwargs):
        job = planned(*args, **kwargs)
        time.sleep(0.6)  # past the limit before the first chunk starts
        return job

    monkeypatch.setattr(api, "create_job", slow_plan)
    store = JobStore(tmp_path / "home")
    with pytest.raises(RenderTimeoutError):
        api.render(image, audio, tmp_path / "a.mp4", timeout_s=0.3, store=store)
    monkeypatch.undo()
    [job] = store.recent()
    return store, job


def test_a_job_planned_by_other_code_is_not_resumed(stopped_job, tmp_path):
    from talkinghead import api

    store, job = stopped_job
    code = store.folder(job.id) / CODE_FILE
    fingerprint = code.read_text()
    for planned_by in ("0123456789abcdef", None):  # another version; a version before the file
        if planned_by is None:
            code.unlink()
        else:
            code.write_text(planned_by)
        with pytest.raises(TalkingHeadError, match="another version of talkinghead") as refused:
            api.resume(job.id, store=store)
        assert "\n" not in str(refused.value) and not (tmp_path / "a.mp4").exists()
    code.write_text(fingerprint)
    result = api.resume(job.id, store=store)
    assert result.frames == job.frames and (tmp_path / "a.mp4").is_file()


def test_a_job_whose_audio_changed_is_not_resumed_and_the_check_decodes_nothing(
        stopped_job, tmp_path, monkeypatch):
    from talkinghead import api

    def no_decoding(path):
        raise AssertionError("resume decoded the audio to check it")

    monkeypatch.setattr(api, "load_audio", no_decoding)  # the file's hash is the check
    store, job = stopped_job
    audio = Path(job.audio_path)
    original = audio.read_bytes()
    audio.write_bytes(original + b"\0")
    with pytest.raises(TalkingHeadError, match="gone or has changed") as refused:
        api.resume(job.id, store=store)
    assert "\n" not in str(refused.value) and not (tmp_path / "a.mp4").exists()
    audio.write_bytes(original)
    assert api.resume(job.id, store=store).frames == job.frames


@pytest.mark.slow
def test_a_finished_job_of_other_code_is_named_when_the_command_renders_anew(
        tmp_path, sample_portrait_path, sample_speech_path, monkeypatch):
    from talkinghead import api
    from talkinghead.events import NullSink
    from talkinghead.jobs import inputs

    store = JobStore(tmp_path / "home")
    first = api.render(sample_portrait_path, sample_speech_path, tmp_path / "a.mp4", store=store)
    for module in (api, inputs):  # an upgrade: the rendering code's fingerprint changes
        monkeypatch.setattr(module, "code_fingerprint", lambda: "0123456789abcdef")
    sink = NullSink(notices_to_stderr=False)
    second = api.render(sample_portrait_path, sample_speech_path, tmp_path / "b.mp4",
                        store=store, sink=sink)
    assert second.job_id != first.job_id and not second.reused
    assert any(first.job_id in notice and "--retrieve" in notice for notice in sink.notices)
    api.retrieve(first.job_id, tmp_path / "old.mp4", store=store)
    assert (tmp_path / "old.mp4").read_bytes() == (tmp_path / "a.mp4").read_bytes()
