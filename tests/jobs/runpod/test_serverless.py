"""The HTTP client against the stand-in endpoint (fake_runpod.py, after RunPod's documented API)."""

from __future__ import annotations

import socket
import time

import pytest

from talkinghead.jobs.runpod.config import RemoteConfig, Secret
from talkinghead.jobs.runpod.errors import (
    PayloadTooLargeError,
    RemoteError,
    RemoteResultExpiredError,
    RemoteUnavailableError,
)
from talkinghead.jobs.runpod.serverless import RetryPolicy, ServerlessClient

from .conftest import API_KEY, FAST_RETRY, make_client
from .fake_runpod import FakeRunPod


@pytest.fixture()
def endpoint():
    """A fake endpoint without a worker: jobs end as `outcome` says, at once."""
    server = FakeRunPod(API_KEY, outcome=lambda _input: ("COMPLETED", None))
    server.url = server.start()
    yield server
    server.stop()


def wait_final(client, job_id, timeout_s: float = 5.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = client.status(job_id)
        if status.finished:
            return status
        time.sleep(0.01)
    raise AssertionError("job did not finish")


def test_run_then_status_with_bearer_auth(endpoint):
    client = make_client(endpoint.url)
    submitted = client.run({"hello": 1}, {"executionTimeout": 600_000})
    assert submitted.status == "IN_QUEUE" and submitted.id.endswith("-u1")
    assert wait_final(client, submitted.id).status == "COMPLETED"
    assert all(auth for _, _, auth in endpoint.requests)
    assert ("GET", f"/status/{submitted.id}", True) in endpoint.requests
    assert endpoint.jobs[submitted.id].policy == {"executionTimeout": 600_000}


def test_a_wrong_key_fails_at_once_without_showing_it(endpoint):
    client = ServerlessClient(RemoteConfig(Secret("wrong-key-123"), endpoint.url), FAST_RETRY)
    with pytest.raises(RemoteError, match="API key was refused") as caught:
        client.run({})
    assert "wrong-key-123" not in str(caught.value)
    assert len(endpoint.requests) == 1


def test_429_and_5xx_are_retried_with_backoff_honouring_retry_after(endpoint):
    sleeps = []
    client = ServerlessClient(RemoteConfig(Secret(API_KEY), endpoint.url),
                              RetryPolicy(attempts=5, backoff_s=0.001, max_backoff_s=0.5),
                              sleep=sleeps.append)
    endpoint.fail("POST", "/run", 429, 1, retry_after="0.25")
    endpoint.fail("POST", "/run", 500, 1)
    endpoint.fail("POST", "/run", 503, 1)
    assert client.run({}).status == "IN_QUEUE"
    assert [m for m, p, _ in endpoint.requests if p == "/run"] == ["POST"] * 4
    assert sleeps[0] == 0.25 and len(sleeps) == 3  # Retry-After, then exponential backoff
    assert sleeps[2] <= 0.5


def test_retries_are_bounded(endpoint):
    client = make_client(endpoint.url)
    endpoint.fail("GET", "/health", 502, 100)
    with pytest.raises(RemoteUnavailableError, match=r"failed 4 times .*502"):
        client.health()
    assert len(endpoint.requests) == FAST_RETRY.attempts


def test_server_down_is_unavailable_quickly():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    client = make_client(f"http://127.0.0.1:{port}")
    started = time.monotonic()
    with pytest.raises(RemoteUnavailableError, match="ConnectionError"):
        client.status("abc")
    assert time.monotonic() - started < 5


def test_unknown_or_expired_job_is_reported_as_expired(endpoint):
    endpoint.retention_s = 0.05
    client = make_client(endpoint.url)
    job_id = client.run({}).id
    wait_final(client, job_id)
    time.sleep(0.1)
    with pytest.raises(RemoteResultExpiredError, match="30 minutes"):
        client.status(job_id)


def test_servers_that_take_status_only_as_post_are_followed(endpoint):
    endpoint.status_methods = ("POST",)  # like the runpod SDK's local test server
    client = make_client(endpoint.url)
    job_id = client.run({}).id
    assert wait_final(client, job_id).status == "COMPLETED"
    methods = [m for m, p, _ in endpoint.requests if p.startswith("/status/")]
    assert methods[:2] == ["GET", "POST"] and set(methods[2:]) <= {"POST"}


def test_cancel_and_health(endpoint):
    endpoint.outcome = lambda _input: None
    endpoint.workers = 0  # nothing ever runs: the job stays queued
    client = make_client(endpoint.url)
    job_id = client.run({}).id
    health = client.health()
    assert health["jobs"]["inQueue"] == 1 and health["workers"]["running"] == 0
    assert client.cancel(job_id).status == "CANCELLED"
    assert client.status(job_id).status == "CANCELLED"


def test_requests_over_the_payload_limit_are_not_sent(endpoint):
    client = make_client(endpoint.url)
    with pytest.raises(PayloadTooLargeError, match="10 MB"):
        client.run({"blob": "x" * 10_000_001})
    assert endpoint.requests == []
