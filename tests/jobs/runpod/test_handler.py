"""The worker's handler, called directly: valid chunks render, bad input returns an error."""

from __future__ import annotations

import base64
import copy
import io
import time

import av
import numpy as np
import pytest
from PIL import Image

from talkinghead import api
from talkinghead.events import NullSink
from talkinghead.jobs.inputs import load_inputs
from talkinghead.jobs.runpod import storage
from talkinghead.jobs.runpod.payload import (
    FORMAT_VERSION,
    decode_inline_result,
    encode_chunk_request,
)
from talkinghead.jobs.store import JobStore
from talkinghead.media.audio import load_audio
from talkinghead.media.image import load_portrait
from talkinghead.runpod_worker import handler as worker_handler
from talkinghead.settings import RenderSettings


def chunk_input(planned_job, index: int = 1) -> dict:
    store, job = planned_job
    folder = store.folder(job.id)
    chunk = job.chunks[index]
    return encode_chunk_request(job.id, folder, chunk.index, chunk.start, chunk.stop,
                                job.settings, job.engine, load_inputs(folder).plan)


def run(payload) -> dict:
    return worker_handler.handler({"id": "job-under-test", "input": payload})


def test_a_chunk_renders_into_an_h264_part_of_its_frames(planned_job, tmp_path):
    _, job = planned_job
    payload = chunk_input(planned_job, 1)
    result = run(payload)
    assert "error" not in result, result
    chunk = job.chunks[1]
    assert result["talkinghead"] == FORMAT_VERSION and result["task"] == "chunk"
    assert (result["chunk"], result["frames"]) == (1, chunk.frames)
    part = tmp_path / "part.mp4"
    part.write_bytes(decode_inline_result(result))
    with av.open(str(part)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.width, stream.height) == (job.width, job.height)
        assert sum(1 for _ in container.decode(video=0)) == chunk.frames
        assert not container.streams.audio  # sound is muxed once, locally


def test_the_request_is_small_and_carries_only_the_chunks_plan(planned_job):
    _, job = planned_job
    payload = chunk_input(planned_job, 2)
    size = len(str(payload))
    assert size < 1_000_000  # a 256 px canvas and 60 frames of plan
    with np.load(io.BytesIO(base64.b64decode(payload["plan"]["npz"]))) as plan:
        assert len(plan["jaw_open"]) <= job.chunks[2].frames + 8


def test_progress_is_reported_through_the_sdk_hook(planned_job, monkeypatch):
    updates = []
    monkeypatch.setattr(worker_handler, "report_progress", lambda job, p: updates.append(p))
    monkeypatch.setattr(worker_handler, "PROGRESS_INTERVAL_S", 0.0)
    result = run(chunk_input(planned_job, 0))
    assert "error" not in result
    done = [u["frames_done"] for u in updates]
    assert done == sorted(done) and done[-1] > 0
    assert all(u["chunk"] == 0 and u["frames"] == result["frames"] for u in updates)


def _with(payload: dict, path: str, value) -> dict:
    changed = copy.deepcopy(payload)
    *parents, last = path.split(".")
    target = changed
    for name in parents:
        target = target[name]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return changed


_DELETE = object()


def _png(width: int, height: int) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.parametrize(("path", "value", "message"), [
    ("talkinghead", 99, "payload format"),
    ("task", "dance", "'task' must be"),
    ("engine", "sadtalker-gpu", "unknown engine"),
    ("engine", 5, "'engine' must be a string"),
    ("settings.size", 300, "--size"),
    ("settings.colour", "red", "unknown settings: colour"),
    ("settings", "fast", "'settings' must be an object"),
    ("job", "../../etc", "'job' must be a job ID"),
    ("chunk.start", -1, "'start' must be a whole number"),
    ("chunk.stop", 0, "must be after chunk.start"),
    ("chunk.index", 1.5, "'index' must be a whole number"),
    ("chunk.stop", 10**6, "at most"),
    ("chunk", _DELETE, "'chunk' must be an object"),
    ("canvas_png", "not base64!", "not valid base64"),
    ("canvas_png", base64.b64encode(b"GIF89a....").decode(), "not a readable PNG"),
    ("face.points", [[0, 0]] * 5, "68 finite"),
    ("face.roi", [0, 0, 9999, 10], "not inside"),
    ("face", {"points": []}, "needs points"),
    ("plan.fps", 30, "must equal settings.fps"),
    ("plan.offset", 10**5, "after the chunk's start"),
    ("plan.npz", base64.b64encode(b"nonsense").decode(), "not a motion plan"),
])
def test_bad_input_is_an_error_message_never_an_exception(planned_job, path, value, message):
    result = run(_with(chunk_input(planned_job, 1), path, value))
    assert set(result) == {"error"}
    assert message in result["error"]


def test_canvas_limits_are_checked_before_decoding(planned_job):
    payload = chunk_input(planned_job, 1)
    odd = run(_with(payload, "canvas_png", _png(255, 256)))
    assert "even sides" in odd["error"]


def test_plan_that_does_not_cover_the_chunk_is_refused(planned_job):
    payload = chunk_input(planned_job, 1)
    short = _with(payload, "plan.offset", 0)  # the slice sent now ends long before the chunk
    assert "covers frames" in run(short)["error"]


def test_not_a_job_at_all(planned_job):
    for job in (None, {"id": "x"}, {"id": "x", "input": "render please"}, {"input": []}):
        result = worker_handler.handler(job)
        assert "error" in result


def test_an_unexpected_failure_is_reported_not_raised(planned_job, monkeypatch):
    import talkinghead.jobs.chunk_render as jobs_worker

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jobs_worker, "render_chunk", broken)
    result = run(chunk_input(planned_job, 1))
    assert result == {"error": "internal error in the talkinghead worker: "
                               "RuntimeError: disk on fire"}


def test_a_result_too_big_to_inline_needs_a_bucket(planned_job, monkeypatch):
    monkeypatch.setattr(worker_handler, "INLINE_RESULT_BYTES", 100)
    for name in storage.BUCKET_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    result = run(chunk_input(planned_job, 1))
    assert "BUCKET_ENDPOINT_URL" in result["error"]


def test_with_bucket_variables_the_part_is_uploaded(planned_job, monkeypatch):
    uploads = []

    def upload(path, prefix, name):
        uploads.append((path.read_bytes(), prefix, name))
        return {"url": "https://bucket.example/p?sig=1", "bucket": "b", "key": f"{prefix}/{name}"}

    for name in storage.BUCKET_VARIABLES:
        monkeypatch.setenv(name, "x")
    monkeypatch.setattr(storage, "upload", upload)
    _, job = planned_job
    result = run(chunk_input(planned_job, 1))
    assert result["video_url"] == "https://bucket.example/p?sig=1"
    assert "video_base64" not in result
    data, prefix, name = uploads[0]
    assert (prefix, name) == (f"talkinghead/{job.id}", "00001.mp4")
    assert result["bytes"] == len(data)


@pytest.mark.slow
def test_a_whole_job_renders_like_the_cli(sample_portrait_path, sample_speech_path, tmp_path):
    payload = {"talkinghead": FORMAT_VERSION, "task": "job", "preset": "professional",
               "chunk_seconds": 4.0,
               "image": base64.b64encode(sample_portrait_path.read_bytes()).decode(),
               "audio": base64.b64encode(sample_speech_path.read_bytes()).decode()}
    result = run(payload)
    assert "error" not in result, result
    video = tmp_path / "whole.mp4"
    video.write_bytes(decode_inline_result(result))
    with av.open(str(video)) as container:
        assert container.streams.audio and container.streams.video
        assert sum(1 for _ in container.decode(video=0)) == result["frames"]


def test_whole_job_requests_are_validated():
    base = {"talkinghead": FORMAT_VERSION, "task": "job", "image": "", "audio": ""}
    no_image = {k: v for k, v in base.items() if k != "image"}
    assert "'image' (base64) or 'image_url'" in run(no_image)["error"]
    assert "--preset" in run({**base, "preset": "cinematic"})["error"]
    assert "chunk_seconds" in run({**base, "chunk_seconds": 0})["error"]
    assert "http(s) URL" in run({**base, "image_url": "file:///etc/passwd"})["error"]


def test_a_whole_job_passes_its_transcript_to_the_render(sample_portrait_path,
                                                         sample_speech_path, monkeypatch):
    import talkinghead.api

    seen = {}

    def spy(*args, **kwargs):
        seen.update(kwargs)
        raise talkinghead.api.TalkingHeadError("stop here")

    monkeypatch.setattr(talkinghead.api, "render", spy)
    payload = {"talkinghead": FORMAT_VERSION, "task": "job", "transcript": "Maybe, remember.",
               "image": base64.b64encode(sample_portrait_path.read_bytes()).decode(),
               "audio": base64.b64encode(sample_speech_path.read_bytes()).decode()}
    assert run(payload) == {"error": "stop here"}
    assert seen["transcript"] == "Maybe, remember."
    base = {"talkinghead": FORMAT_VERSION, "task": "job", "image": "", "audio": ""}
    assert "'transcript' must be a string" in run({**base, "transcript": 5})["error"]


def test_a_plan_from_a_client_without_the_later_channels_renders_them_at_rest(planned_job):
    payload = chunk_input(planned_job, 1)
    with np.load(io.BytesIO(base64.b64decode(payload["plan"]["npz"]))) as saved:
        older = {k: saved[k] for k in saved.files if k not in ("lip_round", "upper_lip_raise")}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **older)
    payload = _with(payload, "plan.npz", base64.b64encode(buffer.getvalue()).decode())
    assert "error" not in run(payload)


@pytest.fixture(scope="module")
def cut_out_job(tmp_path_factory, sample_portrait_path, sample_speech_path):
    """A job whose person goes on a colour (--background color:...), planned, not rendered."""
    store = JobStore(tmp_path_factory.mktemp("cut-out-store"))
    portrait, sound = load_portrait(sample_portrait_path), load_audio(sample_speech_path)
    settings = RenderSettings(background="color:#2040c0")
    key = api.input_key(portrait.sha256, sound.sha256, settings, "warp", 3.0)
    job = api.create_job(store, api.new_job_id(), portrait, sound, settings, "warp",
                         tmp_path_factory.mktemp("out") / "x.mp4", 3.0, key, NullSink(False),
                         time.monotonic())
    return store, job


def test_a_cut_out_chunk_carries_its_matte_and_backdrop(cut_out_job, tmp_path):
    payload = chunk_input(cut_out_job, 1)
    assert "backdrop_png" in payload
    with Image.open(io.BytesIO(base64.b64decode(payload["canvas_png"]))) as canvas:
        assert canvas.mode == "RGBA"  # the matte travels as the canvas's alpha
    result = run(payload)
    assert "error" not in result, result
    part = tmp_path / "part.mp4"
    part.write_bytes(decode_inline_result(result))
    with av.open(str(part)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24").astype(int)
    assert np.abs(frame[:10, :10] - (0x20, 0x40, 0xC0)).max() <= 4  # the colour, not the studio
    without = {k: v for k, v in payload.items() if k != "backdrop_png"}
    assert "backdrop_png" in run(without)["error"]
