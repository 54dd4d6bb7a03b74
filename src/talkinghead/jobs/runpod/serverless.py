"""A small client for RunPod's serverless job API: /run, /status, /cancel, /health.

Follows RunPod's "Send API requests" and "Operation reference" documentation
(docs.runpod.io/serverless/endpoints/send-requests and .../operation-reference):
`POST {base}/run` with `{"input": ..., "policy": ...}` answers `{"id", "status"}`;
`GET {base}/status/{id}` answers `{"id", "status", "output"?, "error"?,
"delayTime"?, "executionTime"?}`; `POST {base}/cancel/{id}`; `GET {base}/health`.
Authentication is `Authorization: Bearer <key>`. Requests over the limits answer
429, which is retried with backoff, as are network errors and 5xx answers.

Servers that only take `POST /status/{id}` (the runpod SDK's local test server,
`--rp_serve_api`) answer a GET with 405; the client then switches to POST for
the rest of the session, as it would for any server with that restriction.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import requests

from ...version import __version__
from .config import RemoteConfig
from .errors import RemoteError, RemoteResultExpiredError, RemoteUnavailableError

log = logging.getLogger(__name__)

# Job states, as documented ("Job states and metrics").
IN_QUEUE, IN_PROGRESS, COMPLETED, FAILED, CANCELLED, TIMED_OUT = (
    "IN_QUEUE", "IN_PROGRESS", "COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT")
FINAL_STATES: Final = frozenset({COMPLETED, FAILED, CANCELLED, TIMED_OUT})
RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
RUN_PAYLOAD_LIMIT: Final = 10 * 1000 * 1000  # bytes of request body for /run (documented 10 MB)
# What the runpod SDK's local server answers for a job it has forgotten (it runs a job during
# the first status poll, then drops it): the same meaning as a real endpoint's 404.
SDK_FORGOTTEN_JOB: Final = "Job ID not found"
BODY_IN_ERRORS: Final = 300  # characters of a server's error answer quoted in messages


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one request. Backoff doubles from `backoff_s` up to `max_backoff_s`,
    with jitter, or follows the server's Retry-After; tests set tiny values."""

    attempts: int = 6  # 1 + 5 retries: about a minute of 429s or 5xx at the defaults
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    connect_timeout_s: float = 10.0
    # The SDK's local server answers /status only once the job has run, so reads may take as
    # long as a chunk; RunPod itself answers at once.
    read_timeout_s: float = 900.0

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), self.max_backoff_s)
            except ValueError:
                pass
        base = min(self.backoff_s * 2 ** attempt, self.max_backoff_s)
        return base * (0.5 + random.random() / 2)


@dataclass(frozen=True)
class JobStatus:
    """One answer of /run, /status or /cancel."""

    id: str
    status: str
    output: Any = None
    error: str | None = None
    delay_ms: int | None = None
    execution_ms: int | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINAL_STATES

    @classmethod
    def from_json(cls, body: dict, job_id: str = "") -> JobStatus:
        error = body.get("error")
        if error is not None and not isinstance(error, str):
            error = str(error)
        return cls(str(body.get("id") or job_id), str(body.get("status") or "UNKNOWN").upper(),
                   body.get("output"), error, body.get("delayTime"), body.get("executionTime"))


class ServerlessClient:
    """Talks to one endpoint. Thread-safe for the orchestrator's use (one requests.Session
    per client; requests' sessions may be shared between threads for simple calls)."""

    def __init__(self, config: RemoteConfig, retry: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._status_method = "GET"
        self._session = authorized_session(config)

    def __repr__(self) -> str:
        return f"ServerlessClient({self.config.base_url!r})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> ServerlessClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # The four operations.
    def run(self, job_input: dict, policy: dict | None = None) -> JobStatus:
        body: dict[str, Any] = {"input": job_input}
        if policy:
            body["policy"] = policy
        data = _json_bytes(body)
        if len(data) > RUN_PAYLOAD_LIMIT:
            from .errors import PayloadTooLargeError

            raise PayloadTooLargeError(
                f"the request is {len(data) / 1e6:.1f} MB, over RunPod's 10 MB limit for /run")
        answer = self._request("POST", "/run", data=data)
        status = JobStatus.from_json(self._json(answer, "/run"))
        if not status.id:
            raise RemoteError(f"{self._where('/run')} answered without a job id")
        return status

    def status(self, job_id: str) -> JobStatus:
        path = f"/status/{job_id}"
        answer = self._request(self._status_method, path)
        if answer.status_code == 405 and self._status_method == "GET":
            self._status_method = "POST"
            answer = self._request("POST", path)
        if answer.status_code == 404:
            raise RemoteResultExpiredError(_expired(job_id))
        status = JobStatus.from_json(self._json(answer, path), job_id)
        if status.status == FAILED and status.error == SDK_FORGOTTEN_JOB:
            raise RemoteResultExpiredError(_expired(job_id))
        return status

    def cancel(self, job_id: str) -> JobStatus:
        path = f"/cancel/{job_id}"
        answer = self._request("POST", path)
        if answer.status_code in (404, 405):
            raise RemoteError(f"{self._where(path)} answered {answer.status_code} "
                              f"{answer.reason}: no such job, or the server cannot cancel")
        return JobStatus.from_json(self._json(answer, path), job_id)

    def health(self) -> dict:
        return self._json(self._request("GET", "/health"), "/health")

    # Plumbing.
    def _where(self, path: str) -> str:
        return f"{self.config.base_url}{path}"

    def _request(self, method: str, path: str, data: bytes | None = None) -> requests.Response:
        return send(self._session, method, self._where(path), self.retry, self._sleep, data)

    def _json(self, answer: requests.Response, path: str) -> dict:
        if answer.status_code >= 400:
            raise RemoteError(f"{self._where(path)} answered {answer.status_code} "
                              f"{answer.reason}: {self._scrub(answer.text[:BODY_IN_ERRORS])}")
        try:
            body = answer.json()
        except ValueError as e:
            raise RemoteError(f"{self._where(path)} answered something other than JSON: "
                              f"{self._scrub(answer.text[:BODY_IN_ERRORS])!r}") from e
        if not isinstance(body, dict):
            raise RemoteError(f"{self._where(path)} answered {type(body).__name__}, not an object")
        return body

    def _scrub(self, text: str) -> str:
        key = self.config.api_key.reveal()
        return text.replace(key, "***") if key else text


def send(session: requests.Session, method: str, url: str, retry: RetryPolicy,
         sleep: Callable[[float], None] = time.sleep,
         data: bytes | None = None) -> requests.Response:
    """Send, retrying network errors, 429 and 5xx with backoff; return any other answer.

    401 and 403 raise at once (a wrong key does not get better by retrying).
    Messages name the URL and the status, never the request's headers.
    """
    timeout = (retry.connect_timeout_s, retry.read_timeout_s)
    headers = {"Content-Type": "application/json"} if data is not None else None
    last = ""
    for attempt in range(retry.attempts):
        retry_after = None
        try:
            answer = session.request(method, url, data=data, headers=headers, timeout=timeout)
        except (requests.ConnectionError, requests.Timeout) as e:
            last = type(e).__name__
        else:
            if answer.status_code not in RETRY_STATUSES:
                if answer.status_code in (401, 403):
                    raise RemoteError(f"{method} {url}: {answer.status_code} {answer.reason}: "
                                      "the API key was refused; check RUNPOD_API_KEY")
                return answer
            last = f"{answer.status_code} {answer.reason}"
            retry_after = answer.headers.get("Retry-After")
        if attempt + 1 < retry.attempts:
            wait = retry.delay(attempt, retry_after)
            log.info("%s %s: %s; retrying in %.1f s", method, url, last, wait)
            sleep(wait)
    raise RemoteUnavailableError(f"{method} {url} failed {retry.attempts} times (last: {last})")


def authorized_session(config: RemoteConfig) -> requests.Session:
    """A session that sends the API key as a bearer token (and nowhere else)."""
    session = requests.Session()
    session.headers.update({
        "Authorization": f"Bearer {config.api_key.reveal()}",
        "User-Agent": f"talkinghead/{__version__}",
        "Accept": "application/json",
    })
    return session


def _expired(job_id: str) -> str:
    return (f"RunPod has no job {job_id}: results of /run are kept only 30 minutes after "
            "the job finishes (or the endpoint ID is wrong)")


def _json_bytes(body: dict) -> bytes:
    import json

    return json.dumps(body, separators=(",", ":")).encode()
