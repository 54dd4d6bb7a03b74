"""The real worker under the runpod SDK's own local API server, driven by our client.

`python -m talkinghead.runpod_worker --rp_serve_api` serves the SDK's development API
(runpod 1.12: `/run`, `/runsync`, `/stream`, and `/status` as POST only; a job
runs during its first status poll and is forgotten after it; no `/cancel` or
`/health`). The client meets it with nothing test-specific: it falls back to
POST when GET /status answers 405, as it would for any such server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("runpod")

from talkinghead.events import NullSink
from talkinghead.jobs.runpod.errors import RemoteResultExpiredError
from talkinghead.jobs.runpod.executor import retrieve_remote
from talkinghead.jobs.runpod.payload import FORMAT_VERSION
from talkinghead.jobs.store import DONE

from .conftest import CHUNK_SECONDS, FAST, make_client
from .remote_render import render_remote
from .test_executor import frames_match

SERVER_START_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def sdk_server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("sdk") / "worker.log"
    env = {**os.environ, "UVICORN_LOG_LEVEL": "warning"}
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "talkinghead.runpod_worker", "--rp_serve_api", "--rp_api_host",
             "127.0.0.1", "--rp_api_port", str(port), "--rp_log_level", "INFO"],
            stdout=sink, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + SERVER_START_S
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "the SDK server did not start"
                    time.sleep(0.2)
            yield f"http://127.0.0.1:{port}", log
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def test_multi_chunk_render_through_the_sdk_server_matches_the_local_engine(
        sdk_server, store, sample_portrait_path, sample_speech_path, local_video, tmp_path):
    url, _ = sdk_server
    sink = NullSink(False)
    out = tmp_path / "via-sdk.mp4"
    result = render_remote(sample_portrait_path, sample_speech_path, out, sink=sink,
                           chunk_seconds=CHUNK_SECONDS, store=store, client=make_client(url),
                           options=FAST)
    job = store.get(result.job_id)
    assert job.state == DONE and len(job.chunks) == 3
    assert frames_match(out, local_video)
    assert sum("completed (RunPod test-" in n for n in sink.notices) == 3


def test_the_sdk_server_forgets_finished_jobs_which_reads_as_expired(sdk_server, tmp_path,
                                                                     store):
    url, _ = sdk_server
    client = make_client(url)
    job_id = client.run({"talkinghead": FORMAT_VERSION, "task": "chunk"}).id
    first = client.status(job_id)
    assert first.status == "FAILED" and "'settings' must be an object" in first.error
    with pytest.raises(RemoteResultExpiredError):
        retrieve_remote(job_id, tmp_path / "x.mp4", store=store, client=client)


def test_bad_input_fails_the_job_with_the_workers_message(sdk_server):
    url, _ = sdk_server
    client = make_client(url)
    job_id = client.run({"talkinghead": 0, "task": "chunk"}).id
    status = client.status(job_id)
    assert status.status == "FAILED"
    assert "payload format 1, got 0" in status.error


def test_the_worker_log_is_free_of_the_api_key(sdk_server):
    from .conftest import API_KEY

    _, log = sdk_server
    assert API_KEY not in Path(log).read_text(errors="replace")
