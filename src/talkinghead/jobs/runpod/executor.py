"""Render on RunPod serverless: plan locally, run every chunk as its own remote job, join locally.

`RunPodExecutor` draws a job's chunks on an endpoint instead of local processes
(`talkinghead.render(..., backend="runpod")`). The job is planned here (face, speech, whole-audio
motion) and recorded in the same local job store as a local render, with the
same identity, so a job started remotely can be resumed locally and the other
way round: the video is the same. Each pending chunk is submitted to `/run` as
a separate job (all at once by default, so the endpoint runs as many at a time
as it has workers), polled, and its part downloaded into the job folder as soon
as it completes (RunPod keeps results only 30 minutes). The parts are joined
with the original audio exactly as local chunks are.

The RunPod job IDs of chunks in flight are kept in the job folder
(`remote.json`, never the API key), so `retrieve_remote` can fetch them after
the client was stopped or timed out. Ctrl-C asks, on a terminal, whether to
leave the remote jobs running; otherwise they are cancelled.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import requests

from ...errors import RenderTimeoutError
from ...events import NullSink, ProgressSink
from ...media.files import atomic_path, ensure_writable
from ...motion.types import MotionPlan
from ..chunk_render import job_format, part_path
from ..delivery import deliver
from ..inputs import load_inputs
from ..lock import job_lock
from ..runner import join_parts, part_frames
from ..store import (
    DONE,
    Chunk,
    Job,
    JobStore,
)
from ..timeout import Deadline, auto_timeout_s
from . import storage
from .config import RemoteConfig
from .errors import (
    RemoteError,
    RemoteJobFailedError,
    RemoteJobNotFinishedError,
    RemoteResultExpiredError,
    RemoteUnavailableError,
)
from .ids import REMOTE_FILE, is_runpod_job_id
from .payload import (
    JOB_TASK,
    PayloadError,
    check_video_bytes,
    decode_inline_result,
    encode_chunk_request,
    result_url,
)
from .serverless import (
    COMPLETED,
    IN_PROGRESS,
    IN_QUEUE,
    RetryPolicy,
    ServerlessClient,
)

DEFAULT_POLL_S: Final = 2.0  # RunPod allows 2000 status requests per 10 s; chunks are ~45 s
MAX_POLLS_PER_S: Final = 50.0  # with many chunks in flight, stretch the cycle to stay under this
UNREACHABLE_GRACE_S: Final = 300.0  # keep polling through an outage this long before giving up
EXECUTION_TIMEOUT_FLOOR_S: Final = 600.0  # RunPod's default per-job limit; never ask for less
DOWNLOAD_TIMEOUT_S: Final = 120.0
DOWNLOAD_ATTEMPTS: Final = 3
CANCEL_RETRY: Final = RetryPolicy(attempts=2, backoff_s=0.5, read_timeout_s=30.0)
@dataclass(frozen=True)
class RemoteOptions:
    """How the client drives the endpoint; the defaults suit RunPod, tests shrink the times."""

    poll_s: float = DEFAULT_POLL_S
    max_in_flight: int | None = None  # None: submit every chunk at once
    unreachable_grace_s: float = UNREACHABLE_GRACE_S
    # On Ctrl-C with remote jobs in flight: given their RunPod IDs, return True to leave
    # them running. None: ask on a terminal, cancel without asking otherwise.
    leave_running: Callable[[list[str]], bool] | None = None
    sleep: Callable[[float], None] = time.sleep


def connect(env_file: str | os.PathLike | None = ".env",
            retry: RetryPolicy | None = None) -> ServerlessClient:
    """A client for the endpoint configured in the environment or `.env`."""
    return ServerlessClient(RemoteConfig.from_environment(env_file), retry)


class RunPodExecutor:
    """A `ChunkExecutor` whose chunks are jobs on a RunPod serverless endpoint."""

    def __init__(self, client: ServerlessClient, options: RemoteOptions | None = None) -> None:
        self.client = client
        self.options = options or RemoteOptions()

    @classmethod
    def from_environment(cls, env_file: str | os.PathLike | None = ".env") -> RunPodExecutor:
        return cls(connect(env_file))

    def render(self, store: JobStore, job: Job, todo: list[Chunk],
               advance: Callable[[int], None], deadline: Deadline,
               sink: ProgressSink) -> None:
        runner = _ChunkRunner(store, job, self.client, sink, deadline, self.options)
        try:
            runner.run(todo, advance)
        except RenderTimeoutError as e:
            e.advice = runner.leftover_advice()
            raise
        except (KeyboardInterrupt, SystemExit):
            runner.interrupted()
            raise
        except RemoteUnavailableError as e:
            raise RemoteUnavailableError(f"{e}; {runner.leftover_advice()}") from None
        except Exception:
            runner.cancel_all()
            raise


def retrieve_remote(job_id: str, output: str | os.PathLike, *, store: JobStore | None = None,
                    client: ServerlessClient | None = None,
                    sink: ProgressSink | None = None) -> Job | None:
    """`--retrieve` for both kinds of ID: ours (th-…) and RunPod's (…-u1).

    A finished job's video is copied from the job store. For a job with chunks
    still on RunPod, each is asked for once: finished ones are downloaded, and
    once all are in, the video is joined and written. Otherwise
    `RemoteJobNotFinishedError` (exit 3) says where each chunk stands. A RunPod
    ID that no local job knows is fetched directly (a whole-job result of the
    worker's `job` task); returns None then.
    """
    store = store or JobStore()
    sink = sink or NullSink()
    output = Path(output)
    if is_runpod_job_id(job_id):
        owner = _job_owning(store, job_id.strip())
        if owner is None:
            _retrieve_single(client or connect(), job_id.strip(), output)
            return None
        job_id = owner
    job = store.get(job_id)
    record = _Record.load(store.folder(job.id))
    if job.state == DONE or not record.chunks:
        return deliver(store, store.get(job.id), output)
    ensure_writable(output, job_format(job.settings))
    client = client or connect()
    folder = store.folder(job.id)
    with job_lock(folder, job.id):
        lost = []
        for index, entry in sorted(record.chunks.items()):
            chunk = job.chunks[index]
            try:
                status = client.status(entry["id"])
            except RemoteResultExpiredError:
                if not _from_bucket(job, chunk, folder):
                    lost.append(index)
                    record.forget(index)
                    continue
                store.chunk_done(job.id, index, 0.0)
                record.forget(index)
                continue
            entry["state"] = status.status
            if status.status == COMPLETED:
                _save_part(status.output, chunk, folder, job)
                store.chunk_done(job.id, index, float((status.execution_ms or 0) / 1000))
                record.forget(index)
            elif status.finished:
                record.forget(index)
                lost.append(index)
        record.save()
        job = store.get(job.id)
        if job.frames_done == job.frames:
            with sink.stage("join"):
                join_parts(store, job)
            store.set_state(job.id, DONE)
            return deliver(store, store.get(job.id), output)
    running = [f"chunk {i} {e.get('state', '?').lower().replace('_', ' ')} ({e['id']})"
               for i, e in sorted(record.chunks.items())]
    detail = "; ".join(running) if running else "no chunk is on RunPod any more"
    redo = (f"; {len(lost)} chunk(s) expired or failed on RunPod: rerun the same command, or "
            f"--resume {job.id}, to render them again") if lost else ""
    raise RemoteJobNotFinishedError(
        f"job {job.id} has {job.frames_done}/{job.frames} frames; {detail}{redo}")


class _ChunkRunner:
    """Submits pending chunks, polls them, downloads each finished part at once."""

    def __init__(self, store: JobStore, job: Job, client: ServerlessClient, sink: ProgressSink,
                 deadline: Deadline, options: RemoteOptions) -> None:
        self.store, self.job, self.client, self.sink = store, job, client, sink
        self.deadline, self.options = deadline, options
        self.folder = store.folder(job.id)
        self.record = _Record.load(self.folder, client.config.base_url)
        self.states: dict[int, str] = {}
        self.reported: dict[int, int] = {}  # frames of progress already counted per chunk
        self._plan: MotionPlan | None = None

    # Driving.
    def run(self, todo: Sequence[Chunk], advance: Callable[[int], None]) -> None:
        self.advance = advance
        pending = [c for c in todo if c.index not in self.record.chunks]
        adopted = {c.index for c in todo if c.index in self.record.chunks}
        for index in adopted:  # submitted by an earlier client run: collect, do not resubmit
            self.states[index] = "SUBMITTED"
        limit = self.options.max_in_flight or len(todo) or 1
        outage_since: float | None = None
        while pending or self.record.chunks:
            while pending and len(self.record.chunks) < limit:
                self._submit(pending.pop(0))
            for index in sorted(self.record.chunks):
                try:
                    self._poll(index, index in adopted)
                except RemoteUnavailableError:
                    outage_since = outage_since or time.monotonic()
                    if time.monotonic() - outage_since > self.options.unreachable_grace_s:
                        raise
                    break
                else:
                    outage_since = None
                self.deadline.check()
            for index in [i for i in adopted if self.states.get(i) == "EXPIRED"]:
                pending.insert(0, self.job.chunks[index])
            adopted -= {i for i in adopted if i not in self.record.chunks}
            self.deadline.check()
            if self.record.chunks:
                self.options.sleep(max(self.options.poll_s,
                                       len(self.record.chunks) / MAX_POLLS_PER_S))

    def _submit(self, chunk: Chunk) -> None:
        if self._plan is None:
            self._plan = load_inputs(self.folder).plan
        payload = encode_chunk_request(self.job.id, self.folder, chunk.index, chunk.start,
                                       chunk.stop, self.job.settings, self.job.engine,
                                       self._plan)
        seconds = chunk.frames / self.job.fps
        policy = {"executionTimeout": int(1000 * max(EXECUTION_TIMEOUT_FLOOR_S,
                                                      auto_timeout_s(seconds)))}
        status = self.client.run(payload, policy)
        self.record.chunks[chunk.index] = {"id": status.id, "submitted": time.time(),
                                           "state": status.status}
        self.record.save()
        self._changed(chunk.index, status.status or IN_QUEUE)

    def _poll(self, index: int, adopted: bool) -> None:
        entry = self.record.chunks[index]
        chunk = self.job.chunks[index]
        try:
            status = self.client.status(entry["id"])
        except RemoteResultExpiredError:
            if adopted:  # an earlier run's job that RunPod has dropped: render it again
                if _from_bucket(self.job, chunk, self.folder):
                    self._completed(chunk, 0.0)
                    self._changed(index, COMPLETED)
                    return
                self.record.forget(index)
                self.record.save()
                self._changed(index, "EXPIRED")
                return
            raise
        if status.status == IN_PROGRESS and isinstance(status.output, dict):
            done = status.output.get("frames_done")
            if isinstance(done, int) and 0 <= done <= chunk.frames:
                self._progress(index, done)
        if status.status != self.states.get(index):
            entry["state"] = status.status
            self.record.save()
            self._changed(index, status.status)
        if status.status == COMPLETED:
            _save_part(status.output, chunk, self.folder, self.job)
            self._completed(chunk, (status.execution_ms or 0) / 1000)
        elif status.finished:
            self.record.forget(index)
            self.record.save()
            reason = f": {status.error}" if status.error else ""
            raise RemoteJobFailedError(
                f"chunk {index} (RunPod job {entry['id']}) ended {status.status}{reason}")

    def _completed(self, chunk: Chunk, seconds: float) -> None:
        self.store.chunk_done(self.job.id, chunk.index, seconds)
        self._progress(chunk.index, chunk.frames)
        self.record.forget(chunk.index)
        self.record.save()
        self.states[chunk.index] = COMPLETED

    def _progress(self, index: int, frames_done: int) -> None:
        delta = frames_done - self.reported.get(index, 0)
        if delta > 0:
            self.reported[index] = frames_done
            self.advance(delta)

    def _changed(self, index: int, state: str) -> None:
        self.states[index] = state
        counts: dict[str, int] = {}
        for value in self.states.values():
            counts[value] = counts.get(value, 0) + 1
        board = ", ".join(f"{n} {s.lower().replace('_', ' ')}" for s, n in sorted(counts.items()))
        remote_id = self.record.chunks.get(index, {}).get("id", "")
        self.sink.notice(f"job {self.job.id}: chunk {index + 1}/{len(self.job.chunks)} "
                         f"{state.lower().replace('_', ' ')}"
                         f"{f' (RunPod {remote_id})' if remote_id else ''} [{board}]")

    # Ending early.
    def leftover_advice(self) -> str:
        ids = [e["id"] for e in self.record.chunks.values()]
        if not ids:
            return (f"job {self.job.id} keeps its finished chunks: rerun the same command or "
                    f"resume it to continue")
        return (f"{len(ids)} chunk(s) are still on RunPod and keep running; "
                f"'talkinghead --retrieve {self.job.id} --output FILE' collects them (RunPod "
                "keeps results 30 minutes after they finish), and rerunning the same command "
                "continues the job")

    def interrupted(self) -> None:
        ids = [e["id"] for e in self.record.chunks.values()]
        if not ids:
            return
        decide = self.options.leave_running or _ask_leave_running
        try:
            leave = decide(ids)
        except (KeyboardInterrupt, EOFError):
            leave = False
        if leave:
            self.sink.notice(f"left {len(ids)} RunPod job(s) running; "
                             f"'talkinghead --retrieve {self.job.id} --output FILE' collects "
                             "them within 30 minutes of their finishing")
        else:
            self.cancel_all()

    def cancel_all(self) -> None:
        if not self.record.chunks:
            return
        canceller = ServerlessClient(self.client.config, CANCEL_RETRY)
        try:
            for index, entry in sorted(self.record.chunks.items()):
                try:
                    status = canceller.cancel(entry["id"])
                    self.sink.notice(f"cancelled chunk {index + 1} (RunPod {entry['id']}): "
                                     f"{status.status.lower()}")
                except (RemoteError, requests.RequestException) as e:
                    self.sink.notice(f"could not cancel RunPod job {entry['id']}: {e}")
                    continue
                self.record.forget(index)
        finally:
            canceller.close()
            self.record.save()


def _ask_leave_running(ids: list[str]) -> bool:
    """Ask on a terminal only; without one, cancel (a script's Ctrl-C or SIGTERM means stop)."""
    if not (sys.stdin and sys.stdin.isatty()):
        return False
    answer = input(f"\n{len(ids)} RunPod job(s) still queued or running (and billed). "
                   "Leave them running to --retrieve later? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


# Results.
def _save_part(output: Any, chunk: Chunk, folder: Path, job: Job) -> None:
    """Write a completed chunk's part into the job folder, checked, atomically."""
    if isinstance(output, dict) and output.get("task") == JOB_TASK:
        raise PayloadError("the endpoint returned a whole video for a chunk request")
    data = _result_video(output)
    with atomic_path(part_path(folder, chunk.index, job_format(job.settings))) as partial:
        partial.write_bytes(data)
        frames = part_frames(partial)
        if frames != chunk.frames:
            raise PayloadError(f"chunk {chunk.index} came back with {frames} frames, "
                               f"not {chunk.frames}")


def _result_video(output: Any) -> bytes:
    """A worker result's video: inline, or downloaded from its URL; checked by its hash."""
    data = decode_inline_result(output)
    if data is not None:
        return data
    url = result_url(output)
    if url is None:
        raise PayloadError("the worker's result has neither the video nor its URL")
    data = _download(url)
    check_video_bytes(output, data)
    return data


def _download(url: str) -> bytes:
    """GET a result URL (a presigned bucket URL): no API key is sent to it."""
    last = ""
    for attempt in range(DOWNLOAD_ATTEMPTS):
        try:
            answer = requests.get(url, timeout=DOWNLOAD_TIMEOUT_S)
            if answer.status_code == 200:
                return answer.content
            last = f"{answer.status_code} {answer.reason}"
            if answer.status_code < 500:
                break
        except requests.RequestException as e:
            last = type(e).__name__
        time.sleep(min(2 ** attempt, 5))
    raise RemoteError(f"cannot download the result {str(url).split('?')[0]}: {last}")


def _from_bucket(job: Job, chunk: Chunk, folder: Path) -> bool:
    """Try the bucket for a chunk RunPod forgot (needs the same BUCKET_* variables here)."""
    if not storage.bucket_configured():
        return False
    target = part_path(folder, chunk.index, job_format(job.settings))
    prefix, name = storage.chunk_key(job.id, chunk.index, target.suffix)
    try:
        with atomic_path(target) as partial:
            storage.download_object(storage.bucket_name(), f"{prefix}/{name}", partial)
            if part_frames(partial) != chunk.frames:
                raise RemoteError(f"the bucket's copy of chunk {chunk.index} is incomplete")
        return True
    except RemoteError:
        return False


def _retrieve_single(client: ServerlessClient, job_id: str, output: Path) -> None:
    status = client.status(job_id)
    if status.status in (IN_QUEUE, IN_PROGRESS):
        raise RemoteJobNotFinishedError(f"RunPod job {job_id} is "
                                        f"{status.status.lower().replace('_', ' ')}")
    if status.status != COMPLETED:
        reason = f": {status.error}" if status.error else ""
        raise RemoteJobFailedError(f"RunPod job {job_id} ended {status.status}{reason}")
    if not isinstance(status.output, dict) or status.output.get("task") != JOB_TASK:
        raise RemoteError(f"RunPod job {job_id} is one chunk of a talkinghead job that is not in "
                          "this job store; retrieve that job (th-…) where it was started")
    data = _result_video(status.output)
    ensure_writable(output)
    with atomic_path(output) as partial:
        partial.write_bytes(data)


def _job_owning(store: JobStore, remote_id: str) -> str | None:
    for job in store.recent(limit=200):
        record = _Record.load(store.folder(job.id))
        if any(e.get("id") == remote_id for e in record.chunks.values()) or \
                remote_id in record.history:
            return job.id
    return None


class _Record:
    """`remote.json`: which endpoint, and the RunPod ID of every chunk still on it."""

    def __init__(self, folder: Path, endpoint: str = "", chunks: dict | None = None,
                 history: list | None = None) -> None:
        self.folder, self.endpoint = folder, endpoint
        self.chunks: dict[int, dict] = chunks or {}
        self.history: list[str] = history or []  # every RunPod ID used, for --retrieve by it

    @classmethod
    def load(cls, folder: Path, endpoint: str = "") -> _Record:
        try:
            data = json.loads((folder / REMOTE_FILE).read_text())
            chunks = {int(k): dict(v) for k, v in data.get("chunks", {}).items()}
            return cls(folder, endpoint or data.get("endpoint", ""), chunks,
                       list(data.get("history", [])))
        except (OSError, ValueError, TypeError, AttributeError):
            return cls(folder, endpoint)

    def forget(self, index: int) -> None:
        self.chunks.pop(index, None)

    def save(self) -> None:
        for entry in self.chunks.values():
            if entry["id"] not in self.history:
                self.history.append(entry["id"])
        data = {"endpoint": self.endpoint,
                "chunks": {str(k): v for k, v in sorted(self.chunks.items())},
                "history": self.history}
        with atomic_path(self.folder / REMOTE_FILE) as partial:
            partial.write_text(json.dumps(data, indent=1))


__all__ = ["RemoteOptions", "RunPodExecutor", "connect", "is_runpod_job_id", "retrieve_remote"]
