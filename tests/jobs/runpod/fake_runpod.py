"""A stand-in for RunPod's serverless job API on 127.0.0.1, running the real handler.

It follows RunPod's documentation of the API ("Send API requests",
docs.runpod.io/serverless/endpoints/send-requests; "Operation reference",
.../operation-reference; "Job states", .../job-states):

- `POST /run` {"input", "policy"?} -> {"id": "<uuid>-u1", "status": "IN_QUEUE"}; bodies over
  10 MB are refused.
- `GET /status/{id}` -> {"id", "status", "delayTime", "executionTime", "output"?, "error"?};
  while IN_PROGRESS, `output` is the worker's latest progress update; a job unknown or past
  its result retention (30 minutes after it finished for /run) answers 404.
- `POST /cancel/{id}` -> {"id", "status": "CANCELLED"}.
- `GET /health` -> {"jobs": {...}, "workers": {"idle", "running"}}.
- `Authorization: Bearer <key>` or 401; 429 / 5xx are injected with `fail(...)`.

Jobs wait IN_QUEUE until one of `workers` slots is free, then run the real handler in a
thread, as a worker would; the handler's progress updates reach the status answers.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

RUN_LIMIT = 10 * 1000 * 1000


@dataclass
class FakeJob:
    id: str
    input: Any
    policy: dict | None
    submitted: float
    state: str = "IN_QUEUE"
    output: Any = None
    error: str | None = None
    started: float | None = None
    finished: float | None = None
    progress: Any = None


@dataclass
class Fault:
    method: str
    prefix: str
    status: int
    times: int
    retry_after: str | None = None


@dataclass
class FakeRunPod:
    api_key: str
    handler: Callable[[dict], dict] | None = None
    workers: int = 2
    queue_delay_s: float = 0.0
    retention_s: float = 1800.0
    status_methods: tuple[str, ...] = ("GET",)
    # input -> None (run the handler) or (final state, error) to end a job without running it
    outcome: Callable[[Any], tuple[str, str | None] | None] = lambda _input: None
    jobs: dict[str, FakeJob] = field(default_factory=dict)
    requests: list[tuple[str, str, bool]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # a bucket, served at /files/<key>

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._stop = threading.Event()

    # Control.
    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        threading.Thread(target=self._dispatch, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._stop.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def fail(self, method: str, prefix: str, status: int, times: int,
             retry_after: str | None = None) -> None:
        with self._lock:
            self.faults.append(Fault(method, prefix, status, times, retry_after))

    def progress_hook(self, job: dict, progress: Any) -> None:
        """Stands in for runpod.serverless.progress_update."""
        with self._lock:
            if job["id"] in self.jobs:
                self.jobs[job["id"]].progress = progress

    def add_finished(self, output: Any, state: str = "COMPLETED") -> str:
        job = FakeJob(f"{uuid.uuid4()}-u1", None, None, time.time(), state, output,
                      finished=time.time())
        with self._lock:
            self.jobs[job.id] = job
        return job.id

    # Worker simulation.
    def _dispatch(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                running = sum(j.state == "IN_PROGRESS" for j in self.jobs.values())
                ready = [j for j in self.jobs.values() if j.state == "IN_QUEUE"
                         and time.time() - j.submitted >= self.queue_delay_s]
                for job in ready[:max(0, self.workers - running)]:
                    job.state, job.started = "IN_PROGRESS", time.time()
                    threading.Thread(target=self._work, args=(job,), daemon=True).start()
            time.sleep(0.01)

    def _work(self, job: FakeJob) -> None:
        scripted = self.outcome(job.input)
        if scripted is None:
            result = self.handler({"id": job.id, "input": job.input}) if self.handler else {}
            state, output, error = "COMPLETED", result, None
            if isinstance(result, dict) and "error" in result:
                state, output, error = "FAILED", None, result["error"]
        else:
            (state, error), output = scripted, None
        with self._lock:
            if job.state != "IN_PROGRESS":  # cancelled meanwhile
                return
            job.state, job.output, job.error, job.finished = state, output, error, time.time()

    # HTTP.
    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        path = request.path.split("?")[0]
        auth_ok = request.headers.get("Authorization") == f"Bearer {self.api_key}"
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        with self._lock:
            self.requests.append((method, path, auth_ok))
            self.bodies.append(body)
            fault = next((f for f in self.faults if f.times > 0 and f.method == method
                          and path.startswith(f.prefix)), None)
            if fault:
                fault.times -= 1
        if fault:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return _reply(request, fault.status, {"error": "injected"}, headers)
        if method == "GET" and path.startswith("/files/"):  # presigned URLs need no key
            return _send_file(request, self.files.get(path.removeprefix("/files/")))
        if not auth_ok:
            return _reply(request, 401, {"error": "Unauthorized"})
        if method == "POST" and path == "/run":
            return self._run(request, body)
        if path.startswith("/status/"):
            if method not in self.status_methods:
                return _reply(request, 405, {"detail": "Method Not Allowed"})
            return self._status(request, path.removeprefix("/status/"))
        if method == "POST" and path.startswith("/cancel/"):
            return self._cancel(request, path.removeprefix("/cancel/"))
        if method == "GET" and path == "/health":
            return self._health(request)
        return _reply(request, 404, {"error": "not found"})

    def _run(self, request, body: bytes) -> None:
        if len(body) > RUN_LIMIT:
            return _reply(request, 413, {"error": "payload too large"})
        data = json.loads(body)
        job = FakeJob(f"{uuid.uuid4()}-u1", data["input"], data.get("policy"), time.time())
        with self._lock:
            self.jobs[job.id] = job
        _reply(request, 200, {"id": job.id, "status": job.state})

    def _find(self, job_id: str) -> FakeJob | None:
        with self._lock:
            job = self.jobs.get(job_id)
            if job and job.finished and time.time() - job.finished > self.retention_s:
                del self.jobs[job_id]
                return None
            return job

    def _status(self, request, job_id: str) -> None:
        job = self._find(job_id)
        if job is None:
            return _reply(request, 404, {"error": "request does not exist"})
        with self._lock:
            answer = {"id": job.id, "status": job.state,
                      "delayTime": int(1000 * ((job.started or time.time()) - job.submitted))}
            if job.started and job.finished:
                answer["executionTime"] = int(1000 * (job.finished - job.started))
            if job.state == "IN_PROGRESS" and job.progress is not None:
                answer["output"] = job.progress
            if job.state == "COMPLETED":
                answer["output"] = job.output
            if job.error:
                answer["error"] = job.error
        _reply(request, 200, answer)

    def _cancel(self, request, job_id: str) -> None:
        job = self._find(job_id)
        if job is None:
            return _reply(request, 404, {"error": "request does not exist"})
        with self._lock:
            self.cancelled.append(job_id)
            if job.state in ("IN_QUEUE", "IN_PROGRESS"):
                job.state, job.finished = "CANCELLED", time.time()
        _reply(request, 200, {"id": job_id, "status": job.state})

    def _health(self, request) -> None:
        with self._lock:
            states = [j.state for j in self.jobs.values()]
        running = states.count("IN_PROGRESS")
        _reply(request, 200, {
            "jobs": {"completed": states.count("COMPLETED"), "failed": states.count("FAILED"),
                     "inProgress": running, "inQueue": states.count("IN_QUEUE"),
                     "retried": 0},
            "workers": {"idle": max(0, self.workers - running), "running": running}})


def _send_file(request: BaseHTTPRequestHandler, data: bytes | None) -> None:
    if data is None:
        return _reply(request, 404, {"error": "NoSuchKey"})
    request.send_response(200)
    request.send_header("Content-Type", "video/mp4")
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    request.wfile.write(data)


def _reply(request: BaseHTTPRequestHandler, status: int, body: dict,
           headers: dict | None = None) -> None:
    data = json.dumps(body).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(data)))
    for key, value in (headers or {}).items():
        request.send_header(key, value)
    request.end_headers()
    request.wfile.write(data)
