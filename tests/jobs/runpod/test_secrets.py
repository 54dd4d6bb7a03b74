"""The API key never shows: not in output, logs, exceptions, job records or files.

Every remote path is exercised with a recognisable key, with logging at DEBUG,
then everything a user or a log collector could see is searched for it.
"""

from __future__ import annotations

import logging
import pickle

import pytest

from talkinghead.errors import RenderTimeoutError, TalkingHeadError
from talkinghead.events import NullSink
from talkinghead.jobs.runpod.config import RemoteConfig, Secret
from talkinghead.jobs.runpod.executor import retrieve_remote
from talkinghead.jobs.runpod.serverless import ServerlessClient

from .conftest import API_KEY, CHUNK_SECONDS, FAST, make_client
from .remote_render import render_remote


def test_config_comes_from_env_file_and_environment_without_showing_the_key(tmp_path):
    env = tmp_path / ".env"
    env.write_text(f"RUNPOD_API_KEY={API_KEY}\nRUNPOD_SADTALKER_ENDPOINT_ID=abc123\n")
    config = RemoteConfig.from_environment(env, environ={})
    assert config.api_key.reveal() == API_KEY
    assert config.base_url == "https://api.runpod.ai/v2/abc123"
    overridden = RemoteConfig.from_environment(
        env, environ={"TALKINGHEAD_RUNPOD_URL": "http://127.0.0.1:9/", "RUNPOD_API_KEY": "k2"})
    assert overridden.base_url == "http://127.0.0.1:9" and overridden.api_key.reveal() == "k2"
    for shown in (repr(config), str(config), repr(config.api_key), f"{config.api_key}",
                  repr(ServerlessClient(config))):
        assert API_KEY not in shown
    with pytest.raises(TypeError):
        pickle.dumps(config)


def test_missing_key_or_endpoint_is_a_clear_error(tmp_path):
    with pytest.raises(TalkingHeadError, match="RUNPOD_API_KEY"):
        RemoteConfig.from_environment(tmp_path / "none.env", environ={})
    with pytest.raises(TalkingHeadError, match="RUNPOD_SADTALKER_ENDPOINT_ID"):
        RemoteConfig.from_environment(tmp_path / "none.env", environ={"RUNPOD_API_KEY": "k"})


def test_no_key_anywhere_after_renders_failures_and_retrieves(
        fake, store, sample_portrait_path, sample_speech_path, tmp_path, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    errors = []
    sink = NullSink(notices_to_stderr=True)

    def remote(out, **kwargs):
        return render_remote(sample_portrait_path, sample_speech_path, out, sink=sink,
                             chunk_seconds=CHUNK_SECONDS, store=store,
                             client=make_client(fake.url), options=FAST, **kwargs)

    fake.fail("POST", "/run", 429, 2)
    fake.fail("GET", "/status/", 500, 2)
    fake.queue_delay_s = 0.4
    with pytest.raises(RenderTimeoutError) as caught:
        remote(tmp_path / "a.mp4", timeout_s=0.1)
    errors.append(caught.value)
    fake.queue_delay_s = 0
    remote(tmp_path / "a.mp4")
    retrieve_remote(store.recent(1)[0].id, tmp_path / "b.mp4", store=store,
                    client=make_client(fake.url))
    wrong = ServerlessClient(RemoteConfig(Secret(API_KEY + "x"), fake.url))
    with pytest.raises(TalkingHeadError) as caught:
        wrong.run({})
    errors.append(caught.value)

    captured = capsys.readouterr()
    seen = [captured.out, captured.err, *sink.notices, *map(str, errors),
            *(r.getMessage() for r in caplog.records)]
    assert all(API_KEY not in text for text in seen)
    assert any("retrying" in r.getMessage() for r in caplog.records)  # logs were produced
    files = [p for p in store.home.rglob("*") if p.is_file()]
    assert any(p.name == "jobs.sqlite" for p in files) and any(p.name == "remote.json"
                                                               for p in files)
    for path in files:
        assert API_KEY.encode() not in path.read_bytes(), path
    # The worker never receives it either: it is a header of our requests, not in any body.
    assert all(API_KEY.encode() not in body for body in fake.bodies)
