"""Fixtures for the remote tests: a planned job, a local reference render, a fake endpoint.

All traffic stays on 127.0.0.1. The API key is a recognisable fake, so that the
secret-scanning tests can look for it everywhere.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

pytest.importorskip("requests", reason="remote rendering needs the [runpod] extra")

from talkinghead import api
from talkinghead.events import NullSink
from talkinghead.jobs.runpod.config import RemoteConfig, Secret
from talkinghead.jobs.runpod.executor import RemoteOptions
from talkinghead.jobs.runpod.serverless import RetryPolicy, ServerlessClient
from talkinghead.jobs.store import JobStore
from talkinghead.media.audio import load_audio
from talkinghead.media.image import load_portrait
from talkinghead.runpod_worker import handler as worker_handler
from talkinghead.settings import RenderSettings

from .fake_runpod import FakeRunPod

API_KEY = "rpa_TESTKEY_d3adb33f_never_print_me"
CHUNK_SECONDS = 2.5  # the 7.3 s sample becomes 3 chunks
FAST_RETRY = RetryPolicy(attempts=4, backoff_s=0.01, max_backoff_s=0.02, connect_timeout_s=2.0,
                         read_timeout_s=60.0)
FAST = RemoteOptions(poll_s=0.02, unreachable_grace_s=0.5)


def make_client(base_url: str, retry: RetryPolicy = FAST_RETRY) -> ServerlessClient:
    return ServerlessClient(RemoteConfig(Secret(API_KEY), base_url), retry)


@pytest.fixture(scope="session")
def planned_job(tmp_path_factory, sample_portrait_path, sample_speech_path):
    """A job planned (face, speech, motion) and saved in its own store, not yet rendered."""
    store = JobStore(tmp_path_factory.mktemp("planned-store"))
    portrait, sound = load_portrait(sample_portrait_path), load_audio(sample_speech_path)
    settings = RenderSettings()
    key = api.input_key(portrait.sha256, sound.sha256, settings, "warp", CHUNK_SECONDS)
    job = api.create_job(store, api.new_job_id(), portrait, sound, settings, "warp",
                       tmp_path_factory.mktemp("out") / "x.mp4", CHUNK_SECONDS, key,
                       NullSink(False), time.monotonic())
    return store, job


@pytest.fixture(scope="session")
def local_video(tmp_path_factory, sample_portrait_path, sample_speech_path) -> Path:
    """The sample rendered by the local engine in 3 chunks: the reference for remote renders."""
    out = tmp_path_factory.mktemp("local") / "local.mp4"
    api.render(sample_portrait_path, sample_speech_path, out, RenderSettings(),
               sink=NullSink(False), chunk_seconds=CHUNK_SECONDS, workers=1,
               store=JobStore(tmp_path_factory.mktemp("local-store")))
    return out


@pytest.fixture()
def fake(monkeypatch):
    """A fake endpoint that runs the real handler; progress updates reach its /status."""
    server = FakeRunPod(API_KEY, handler=worker_handler.handler)
    monkeypatch.setattr(worker_handler, "report_progress", server.progress_hook)
    monkeypatch.setattr(worker_handler, "PROGRESS_INTERVAL_S", 0.0)
    server.url = server.start()
    yield server
    server.stop()


@pytest.fixture()
def store(tmp_path, planned_job) -> JobStore:
    """A job store holding the sample's job already planned, so that a test's render starts at
    the chunks (a copy per test: each test gets its own job, state and remote record)."""
    planned_store, _ = planned_job
    shutil.copytree(planned_store.home, tmp_path / "store")
    return JobStore(tmp_path / "store")
