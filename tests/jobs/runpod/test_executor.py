"""Scale-out against the stand-in endpoint (which runs the real handler): every state of a job.

The stand-in (fake_runpod.py) follows RunPod's documented serverless API; see its docstring.
"""

from __future__ import annotations

import dataclasses
import io
import json
import sys
import time
from contextlib import contextmanager

import numpy as np
import pytest

from talkinghead.errors import RenderTimeoutError
from talkinghead.events import NullSink
from talkinghead.jobs.runpod.errors import (
    RemoteError,
    RemoteJobFailedError,
    RemoteJobNotFinishedError,
    RemoteResultExpiredError,
    RemoteUnavailableError,
)
from talkinghead.jobs.runpod.executor import REMOTE_FILE, is_runpod_job_id, retrieve_remote
from talkinghead.jobs.runpod.payload import JOB_TASK, encode_result
from talkinghead.jobs.store import DONE, FAILED, INTERRUPTED, TIMED_OUT
from talkinghead_dev.measure import video_frames

from .conftest import CHUNK_SECONDS, FAST, make_client
from .remote_render import render_remote

# Frames of two renders of the same job compared: decoded RGB, per frame.
# Here (same machine, same libraries) they are identical; a worker with another core count
# may let x264's frame threads make other encoding choices, within CRF 18's quality: a few
# levels on average, so the check allows a small mean difference, not a different picture.
MAX_MEAN_ABS_DIFF = 1.0


def frames_match(a, b) -> bool:
    first, second = list(video_frames(a)), list(video_frames(b))
    assert len(first) == len(second)
    worst = max(float(np.abs(x.astype(int) - y.astype(int)).mean())
                for x, y in zip(first, second, strict=True))
    return worst <= MAX_MEAN_ABS_DIFF


def render(fake, store, sample_portrait_path, sample_speech_path, out, options=FAST, **kwargs):
    sink = kwargs.pop("sink", None) or NullSink(False)
    return render_remote(sample_portrait_path, sample_speech_path, out, sink=sink,
                         chunk_seconds=CHUNK_SECONDS, store=store,
                         client=make_client(fake.url), options=options, **kwargs)


def test_a_multi_chunk_job_is_rendered_remotely_and_joined_like_a_local_one(
        fake, store, sample_portrait_path, sample_speech_path, local_video, tmp_path):
    sink = NullSink(False)
    out = tmp_path / "remote.mp4"
    result = render(fake, store, sample_portrait_path, sample_speech_path, out, sink=sink)
    job = store.get(result.job_id)
    assert job.state == DONE and len(job.chunks) == 3 and job.frames_done == job.frames
    assert len([p for m, p, _ in fake.requests if p == "/run"]) == 3  # one job per chunk
    assert frames_match(out, local_video)
    # Progress shows every chunk's state, with its RunPod job ID.
    for index in (1, 2, 3):
        assert any(f"chunk {index}/3 completed (RunPod " in n for n in sink.notices)
    assert any("in queue" in n for n in sink.notices)
    # Finished chunks are forgotten on RunPod's side of the record; the IDs stay for --retrieve.
    record = json.loads((store.folder(job.id) / REMOTE_FILE).read_text())
    assert record["chunks"] == {} and len(record["history"]) == 3


def test_chunks_run_concurrently_up_to_the_endpoints_workers(
        fake, store, sample_portrait_path, sample_speech_path, tmp_path):
    fake.workers = 3
    render(fake, store, sample_portrait_path, sample_speech_path, tmp_path / "o.mp4")
    spans = [(j.started, j.finished) for j in fake.jobs.values()]
    overlapping = sum(1 for a in spans for b in spans if a is not b and a[0] < b[1] and b[0] < a[1])
    assert overlapping > 0


def test_progress_of_running_chunks_advances_the_frame_bar(
        fake, store, sample_portrait_path, sample_speech_path, tmp_path):
    advanced = []

    class Sink(NullSink):
        @contextmanager
        def stage(self, name, total=None):
            class Stage:
                def advance(self, n=1):
                    if name == "render":
                        advanced.append(n)

            yield Stage()

    fake.workers = 1
    result = render(fake, store, sample_portrait_path, sample_speech_path, tmp_path / "o.mp4",
                    sink=Sink(False))
    assert sum(advanced) == result.frames
    assert len(advanced) > 3  # in-progress updates, not just one step per chunk


def test_429_and_5xx_for_a_while_are_ridden_out(
        fake, store, sample_portrait_path, sample_speech_path, tmp_path):
    fake.fail("POST", "/run", 429, 2, retry_after="0")
    fake.fail("GET", "/status/", 500, 3)
    fake.fail("GET", "/status/", 503, 6)  # more than one request's retries: the poll loop waits
    result = render(fake, store, sample_portrait_path, sample_speech_path, tmp_path / "o.mp4")
    assert store.get(result.job_id).state == DONE


def test_a_failed_chunk_fails_the_job_and_cancels_the_others(
        fake, store, sample_portrait_path, sample_speech_path, tmp_path):
    fake.workers = 1
    fake.queue_delay_s = 0.3
    fake.outcome = lambda payload: (("FAILED", "CUDA out of memory")
                                    if payload["chunk"]["index"] == 0 else None)
    with pytest.raises(RemoteJobFailedError, match=r"chunk 0 .* ended FAILED: CUDA out of memory"):
        render(fake, store, sample_portrait_path, sample_speech_path, tmp_path / "o.mp4")
    job = store.recent(1)[0]
    assert job.state == FAILED and "CUDA out of memory" in job.error
    assert len(fake.cancelled) == 2
    assert not (tmp_path / "o.mp4").exists()


@pytest.mark.parametrize("state", ["CANCELLED", "TIMED_OUT"])
def test_chunks_cancelled_or_timed_out_on_runpod_fail_the_job(
        fake, store, sample_portrait_path, sample_speech_path, tmp_path, state):
    fake.outcome = lambda payload: (state, None) if payload["chunk"]["index"] == 2 else None
    with pytest.raises(RemoteJobFailedError, match=f"ended {state}"):
        render(fake, store, sample_portrait_path, sample_speech_path, tmp_path / "o.mp4")


def test_worker_errors_reach_the_user(fake, store, sample_portrait_path, sample_speech_path,
                                      tmp_path, monkeypatch):
    import talkinghead.runpod_worker.handler as worker_handler

    monkeypatch.setattr(worker_handler, "INLINE_RESULT_BYTES", 10)
    with pytest.raises(RemoteJobFailedError, match="BUCKET_ENDPOINT_URL"):
        render(fake, store, sample_portrait_path, sample_speech_path, tmp_path / "o.mp4")


def test_timeout_leaves_chunks_running_then_retrieve_collects_them(
        fake, store, sample_portrait_path, sample_speech_path, local_video, tmp_path):
    fake.queue_delay_s = 0.6  # nothing finishes before the client gives up
    out = tmp_path / "o.mp4"
    with pytest.raises(RenderTimeoutError, match="--retrieve th-"):
        render(fake, store, sample_portrait_path, sample_speech_path, out, timeout_s=0.2)
    job = store.recent(1)[0]
    assert job.state == TIMED_OUT and fake.cancelled == []
    record = json.loads((store.folder(job.id) / REMOTE_FILE).read_text())
    assert len(record["chunks"]) == 3
    with pytest.raises(RemoteJobNotFinishedError, match=r"in queue|in progress"):
        retrieve_remote(job.id, out, store=store, client=make_client(fake.url))
    deadline = time.monotonic() + 30
    while not all(j.state == "COMPLETED" for j in fake.jobs.values()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # By a chunk's RunPod ID as well as by ours.
    some_runpod_id = next(iter(record["chunks"].values()))["id"]
    assert is_runpod_job_id(some_runpod_id)
    retrieve_remote(some_runpod_id, out, store=store, client=make_client(fake.url))
    assert store.get(job.id).state == DONE
    assert frames_match(out, local_video)
    again = tmp_path / "again.mp4"  # finished jobs stay retrievable locally, RunPod or not
    fake.stop()
    retrieve_remote(job.id, again, store=store, client=make_client(fake.url))
    assert again.read_bytes() == out.read_bytes()


def test_expired_results_are_said_clearly_and_rendered_again_on_rerun(
        fake, store, sample_portrait_path, sample_speech_path, tmp_path):
    fake.queue_delay_s = 0.5
    out = tmp_path / "o.mp4"
    with pytest.raises(RenderTimeoutError):
        render(fake, store, sample_portrait_path, sample_speech_path, out, timeout_s=0.1)
    job = store.recent(1)[0]
    with fake._lock:
        fake.jobs.clear()  # RunPod dropped them (past retention)
    with pytest.raises(RemoteJobNotFinishedError, match=r"3 chunk.* expired or failed"):
        retrieve_remote(job.id, out, store=store, client=make_client(fake.url))
    fake.queue_delay_s = 0
    result = render(fake, store, sample_portrait_path, sample_speech_path, out)
    assert result.job_id == job.id and store.get(job.id).state == DONE


def test_rerun_after_an_interruption_collects_instead_of_resubmitting(
        fake, store, sample_portrait_path, sample_speech_path, tmp_path):
    fake.queue_delay_s = 0.3
    out = tmp_path / "o.mp4"
    with pytest.raises(RenderTimeoutError):
        render(fake, store, sample_portrait_path, sample_speech_path, out, timeout_s=0.1)
    submitted = len(fake.jobs)
    render(fake, store, sample_portrait_path, sample_speech_path, out)
    assert len(fake.jobs) == submitted == 3


def _interrupting(answer: bool, asked: list):
    calls = {"n": 0}

    def sleep(_seconds):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt

    def leave_running(ids):
        asked.append(ids)
        return answer

    return dataclasses.replace(FAST, sleep=sleep, leave_running=leave_running)


def test_ctrl_c_cancels_the_remote_jobs_when_told_to(
        fake, store, sample_portrait_path, sample_speech_path, tmp_path):
    fake.queue_delay_s = 5
    asked = []
    with pytest.raises(KeyboardInterrupt):
        render(fake, store, sample_portrait_path, sample_speech_path, tmp_path / "o.mp4",
               options=_interrupting(False, asked))
    assert len(asked[0]) == 3 and sorted(fake.cancelled) == sorted(asked[0])
    job = store.recent(1)[0]
    assert job.state == INTERRUPTED
    assert json.loads((store.folder(job.id) / REMOTE_FILE).read_text())["chunks"] == {}


def test_ctrl_c_can_leave_the_remote_jobs_running(
        fake, store, sample_portrait_path, sample_speech_path, tmp_path):
    fake.queue_delay_s = 5
    asked = []
    with pytest.raises(KeyboardInterrupt):
        render(fake, store, sample_portrait_path, sample_speech_path, tmp_path / "o.mp4",
               options=_interrupting(True, asked))
    assert fake.cancelled == []
    job = store.recent(1)[0]
    assert len(json.loads((store.folder(job.id) / REMOTE_FILE).read_text())["chunks"]) == 3


def test_without_a_terminal_ctrl_c_cancels_without_asking(monkeypatch):
    from talkinghead.jobs.runpod import executor as client

    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))  # not a terminal: must not be read
    assert client._ask_leave_running(["a"]) is False
    assert sys.stdin.read() == "y\n"


def test_an_endpoint_gone_for_good_interrupts_the_job_with_advice(
        fake, store, sample_portrait_path, sample_speech_path, tmp_path):
    fake.queue_delay_s = 5
    calls = {"n": 0}

    def sleep(seconds):
        calls["n"] += 1
        if calls["n"] == 1:
            fake.stop()
        time.sleep(seconds)

    options = dataclasses.replace(FAST, sleep=sleep)
    with pytest.raises(RemoteUnavailableError, match="--retrieve th-"):
        render(fake, store, sample_portrait_path, sample_speech_path, tmp_path / "o.mp4",
               options=options)
    assert store.recent(1)[0].state == INTERRUPTED


def test_retrieve_of_a_runpod_id_for_a_whole_render(fake, local_video, tmp_path, store):
    output = encode_result(JOB_TASK, local_video, frames=182)
    job_id = fake.add_finished(output)
    out = tmp_path / "whole.mp4"
    assert retrieve_remote(job_id, out, store=store, client=make_client(fake.url)) is None
    assert out.read_bytes() == local_video.read_bytes()


def test_retrieve_of_unknown_unfinished_or_failed_runpod_ids(fake, tmp_path, store):
    client = make_client(fake.url)
    out = tmp_path / "x.mp4"
    with pytest.raises(RemoteResultExpiredError, match="30 minutes"):
        retrieve_remote("7d69546a-3d31-4f74-bf12-b1c19a2f4d3c-u1", out, store=store,
                        client=client)
    failed = fake.add_finished(None, state="FAILED")
    with pytest.raises(RemoteJobFailedError, match="FAILED"):
        retrieve_remote(failed, out, store=store, client=client)
    chunk_only = fake.add_finished({"talkinghead": 1, "task": "chunk", "video_base64": ""})
    with pytest.raises(RemoteError, match="one chunk of a talkinghead job"):
        retrieve_remote(chunk_only, out, store=store, client=client)
    assert not out.exists()


def test_runpod_ids_are_told_from_ours():
    assert is_runpod_job_id("7d69546a-3d31-4f74-bf12-b1c19a2f4d3c-u1")
    assert is_runpod_job_id("test-7d69546a-3d31-4f74-bf12-b1c19a2f4d3c")
    assert not is_runpod_job_id("th-0123456789ab")
    assert not is_runpod_job_id("7d69546a")


@pytest.fixture()
def bucket(fake, monkeypatch):
    """Bucket variables set, uploads land in the fake's /files (a presigned-URL stand-in)."""
    from talkinghead.jobs.runpod import storage

    for name in storage.BUCKET_VARIABLES:
        monkeypatch.setenv(name, "configured")

    def upload(path, prefix, name):
        fake.files[f"{prefix}/{name}"] = path.read_bytes()
        return {"url": f"{fake.url}/files/{prefix}/{name}?X-Amz-Signature=s", "bucket": "b",
                "key": f"{prefix}/{name}"}

    def download_object(bucket_name, key, destination, environ=None):
        if key not in fake.files:
            raise RemoteError(f"cannot fetch {key}")
        destination.write_bytes(fake.files[key])

    monkeypatch.setattr(storage, "upload", upload)
    monkeypatch.setattr(storage, "download_object", download_object)
    return fake.files


def test_results_through_a_bucket_are_downloaded_without_the_api_key(
        fake, bucket, store, sample_portrait_path, sample_speech_path, local_video, tmp_path):
    out = tmp_path / "o.mp4"
    render(fake, store, sample_portrait_path, sample_speech_path, out)
    assert len(bucket) == 3
    downloads = [auth for m, p, auth in fake.requests if p.startswith("/files/")]
    assert len(downloads) == 3 and not any(downloads)  # no Authorization header sent there
    assert frames_match(out, local_video)


def test_after_runpod_forgot_a_job_the_bucket_copy_is_what_survives(
        fake, bucket, store, sample_portrait_path, sample_speech_path, local_video, tmp_path):
    fake.queue_delay_s = 0.3
    out = tmp_path / "o.mp4"
    with pytest.raises(RenderTimeoutError):
        render(fake, store, sample_portrait_path, sample_speech_path, out, timeout_s=0.1)
    deadline = time.monotonic() + 30
    while len(bucket) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    with fake._lock:
        fake.jobs.clear()  # past RunPod's 30 minutes
    job = store.recent(1)[0]
    retrieve_remote(job.id, out, store=store, client=make_client(fake.url))
    assert store.get(job.id).state == DONE
    assert frames_match(out, local_video)
