"""The public API's inputs beyond image and audio: a transcript and the motion export."""

from __future__ import annotations

import json

import numpy as np
import pytest

from talkinghead import api
from talkinghead.errors import OutputError
from talkinghead.jobs.store import JobStore
from talkinghead.media.audio import load_audio
from talkinghead.motion.export import read_plan_json
from talkinghead.motion.plan import plan_motion
from talkinghead.settings import RenderSettings
from talkinghead.speech.analysis import analyse_speech

SETTINGS = RenderSettings(seed=7)


@pytest.fixture(scope="module")
def sample_transcript(sample_speech_path) -> str:
    return sample_speech_path.with_suffix(".txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def renders(tmp_path_factory, sample_portrait_path, sample_speech_path, sample_transcript):
    """The sample rendered with and without its transcript, each exporting its motion."""
    folder = tmp_path_factory.mktemp("api")
    store = JobStore(folder / "store")
    results = {}
    for name, text in (("phones", None), ("transcript", sample_transcript)):
        results[name] = api.render(sample_portrait_path, sample_speech_path,
                                   folder / f"{name}.mp4", SETTINGS, store=store, workers=1,
                                   transcript=text, motion_json=folder / f"{name}.json")
    return folder, results


def _expected_plan(audio_path, transcript, frames):
    speech = analyse_speech(load_audio(audio_path), transcript)
    return plan_motion(speech, SETTINGS, frames, SETTINGS.seed)


def test_the_transcript_reaches_the_motion_planner(renders, sample_speech_path,
                                                   sample_transcript):
    folder, results = renders
    exported = read_plan_json(folder / "transcript.json")
    expected = _expected_plan(sample_speech_path, sample_transcript, results["transcript"].frames)
    np.testing.assert_allclose(exported.lips_closed, expected.lips_closed, atol=1e-4)
    np.testing.assert_allclose(exported.jaw_open, expected.jaw_open, atol=1e-4)
    without = read_plan_json(folder / "phones.json")
    assert not np.allclose(without.lips_closed, exported.lips_closed, atol=0.05)


def test_a_transcript_makes_a_different_job(renders):
    _, results = renders
    assert results["phones"].job_id != results["transcript"].job_id
    key = api.input_key("a", "b", SETTINGS, "warp", 45.0)
    assert api.input_key("a", "b", SETTINGS, "warp", 45.0, None) == key
    assert api.input_key("a", "b", SETTINGS, "warp", 45.0, "hello") != key


def test_the_motion_json_covers_every_video_frame(renders):
    folder, results = renders
    data = json.loads((folder / "phones.json").read_text())
    assert data["format"] == "talkinghead-motion" and data["fps"] == results["phones"].fps
    assert data["frames"] == results["phones"].frames
    assert all(len(c["values"]) == data["frames"] for c in data["channels"].values())
    assert not list(folder.glob(".*partial*"))  # written atomically, nothing left behind


def test_an_unwritable_motion_json_fails_before_any_work(tmp_path, sample_portrait_path,
                                                         sample_speech_path):
    (tmp_path / "taken").mkdir()
    store = JobStore(tmp_path / "store")
    with pytest.raises(OutputError, match="is a directory"):
        api.render(sample_portrait_path, sample_speech_path, tmp_path / "o.mp4", SETTINGS,
                   store=store, motion_json=tmp_path / "taken")
    assert not (tmp_path / "o.mp4").exists() and store.recent() == []


def test_rendering_a_finished_job_again_does_not_decode_its_audio(
        renders, sample_portrait_path, sample_speech_path, monkeypatch):
    """Its file's hash finds the job; the 16 kHz copy (230 MB an hour) is made for new jobs."""
    folder, results = renders

    def no_decoding(path):
        raise AssertionError("the audio of a finished job was decoded")

    monkeypatch.setattr(api, "load_audio", no_decoding)
    again = api.render(sample_portrait_path, sample_speech_path, folder / "again.mp4", SETTINGS,
                       store=JobStore(folder / "store"), workers=1,
                       motion_json=folder / "again.json")
    assert again.reused and again.job_id == results["phones"].job_id
    assert (folder / "again.mp4").read_bytes() == (folder / "phones.mp4").read_bytes()
