"""The RunPod serverless handler: one chunk of a job, or one whole job, per request.

`handler(job)` is what `runpod.serverless.start` calls (see `talkinghead.runpod_worker`).
Two tasks (see payload.py for their fields):

- `chunk`: a client planned the job locally and sends one chunk's inputs; the
  handler lays them out as a job folder and renders them with
  `jobs.chunk_render.render_chunk`, the function local worker processes run, and
  returns the video part (H.264, no sound) for the client to join.
- `job`: a portrait and speech (base64 or http(s) URLs), rendered with
  `talkinghead.render` exactly as the CLI would; returns the finished MP4.

Results come back inline (base64) or, when the endpoint has bucket variables,
as a presigned URL of the uploaded file (storage.py). Bad input returns
`{"error": ...}` (the SDK marks the job FAILED with that message); so does any
unexpected exception, so a request can never crash the worker.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from ..errors import TalkingHeadError
from ..jobs.runpod import storage
from ..jobs.runpod.payload import (
    CHUNK_TASK,
    INLINE_RESULT_BYTES,
    JOB_TASK,
    MAX_FIELD_BYTES,
    PayloadError,
    decode_chunk_request,
    decode_job_request,
    encode_result,
    write_job_folder,
)

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S: Final = 2.0  # at most one progress update this often
DOWNLOAD_TIMEOUT_S: Final = 60.0


def _sdk_progress(job: dict, progress: dict) -> None:
    """Send a progress update through the SDK, when running on RunPod.

    The SDK posts updates to the URL RunPod gives a deployed worker
    (RUNPOD_WEBHOOK_POST_OUTPUT); its local test server has no such URL, and
    polls there only ever see the final result.
    """
    if not os.environ.get("RUNPOD_WEBHOOK_POST_OUTPUT"):
        return
    from runpod.serverless import progress_update

    progress_update(job, progress)


report_progress: Callable[[dict, dict], None] = _sdk_progress  # tests swap this


def handler(job: dict) -> dict:
    """Validate, render, and return the result or {"error": message}; never raises."""
    started = time.monotonic()
    job_id = str(job.get("id", "?")) if isinstance(job, dict) else "?"
    try:
        payload = job.get("input") if isinstance(job, dict) else None
        if not isinstance(payload, dict):
            raise PayloadError("the job has no 'input' object")
        task = payload.get("task")
        if task == CHUNK_TASK:
            return _chunk(job, payload, started)
        if task == JOB_TASK:
            return _whole_job(job, payload, started)
        raise PayloadError(f"'task' must be {CHUNK_TASK!r} or {JOB_TASK!r}, got {task!r}")
    except TalkingHeadError as e:
        log.warning("job %s refused: %s", job_id, e)
        return {"error": str(e)}
    except Exception as e:  # a bug: keep the worker alive and say what happened
        log.exception("job %s failed", job_id)
        return {"error": f"internal error in the talkinghead worker: {type(e).__name__}: {e}"}


def _chunk(job: dict, payload: dict, started: float) -> dict:
    from ..jobs.chunk_render import ChunkTask, job_format, part_path, render_chunk

    request = decode_chunk_request(payload)
    frames = request.stop - request.start
    progress = _Progress(job, {"task": CHUNK_TASK, "chunk": request.index, "frames": frames})
    with tempfile.TemporaryDirectory(prefix="talkinghead-") as tmp:
        # A fresh folder name for every request: render_chunk caches the prepared engine
        # per folder, and the plan differs from chunk to chunk.
        folder = Path(tmp) / uuid.uuid4().hex
        write_job_folder(folder, request.inputs, request.engine_files)
        task = ChunkTask(folder, request.index, request.start, request.stop,
                         request.settings, request.engine)
        seconds = render_chunk(task, progress.advance)
        part = part_path(folder, request.index, job_format(task.settings))
        height, width = request.inputs.canvas.shape[:2]
        prefix, name = storage.chunk_key(request.job, request.index, part.suffix)
        return _deliver(part, CHUNK_TASK, prefix, name, chunk=request.index,
                        start=request.start, stop=request.stop, frames=frames, width=width,
                        height=height, render_s=round(seconds, 3),
                        handler_s=round(time.monotonic() - started, 3))


def _whole_job(job: dict, payload: dict, started: float) -> dict:
    from .. import api
    from ..jobs.store import JobStore
    from ..media.formats import output_format

    request = decode_job_request(payload)
    progress = _Progress(job, {"task": JOB_TASK})
    with tempfile.TemporaryDirectory(prefix="talkinghead-") as tmp:
        root = Path(tmp)
        image = _materialize(request.image, root / "portrait")
        audio = _materialize(request.audio, root / "speech")
        output = root / f"talking{output_format(request.settings.format).suffix}"
        result = api.render(image, audio, output, request.settings, engine=request.engine,
                            sink=_ProgressSink(progress), chunk_seconds=request.chunk_seconds,
                            workers=os.cpu_count() or 1, store=JobStore(root / "store"),
                            transcript=request.transcript)
        prefix = f"{storage.KEY_PREFIX}/{_safe(job.get('id', 'job'))}"
        return _deliver(output, JOB_TASK, prefix, output.name, frames=result.frames,
                        width=result.width, height=result.height, fps=result.fps,
                        duration_s=round(result.duration_s, 3),
                        render_s=round(result.processing_s, 3),
                        handler_s=round(time.monotonic() - started, 3))


def _deliver(video: Path, task: str, prefix: str, name: str, **facts: Any) -> dict:
    size = video.stat().st_size
    if storage.bucket_configured():
        uploaded = storage.upload(video, prefix, name)
        return encode_result(task, video, url=uploaded["url"], bucket=uploaded["bucket"],
                             key=uploaded["key"], **facts)
    if size > INLINE_RESULT_BYTES:
        raise PayloadError(
            f"the video is {size / 1e6:.1f} MB, more than the {INLINE_RESULT_BYTES / 1e6:.0f} MB "
            "that fit in a RunPod result; set BUCKET_ENDPOINT_URL, BUCKET_ACCESS_KEY_ID, "
            "BUCKET_SECRET_ACCESS_KEY and BUCKET_NAME on the endpoint, or render shorter chunks")
    return encode_result(task, video, **facts)


def _materialize(source: bytes | str, path: Path) -> Path:
    """Write inline bytes, or download an http(s) URL with the SDK's SSRF-safe fetcher."""
    if isinstance(source, bytes):
        path.write_bytes(source)
        return path
    try:
        from runpod.serverless.utils.rp_ssrf import iter_content_capped, safe_get
    except ImportError as e:
        raise PayloadError("URL inputs need the runpod SDK on the worker") from e
    try:
        with safe_get(source, stream=True, timeout=DOWNLOAD_TIMEOUT_S) as response:
            response.raise_for_status()
            with open(path, "wb") as f:
                for block in iter_content_capped(response, 1 << 20, MAX_FIELD_BYTES * 10):
                    f.write(block)
    except TalkingHeadError:
        raise
    except Exception as e:
        raise PayloadError(f"cannot download {source.split('?')[0]}: {e}") from e
    return path


def _safe(value: Any) -> str:
    text = str(value)
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:80] or "job"


class _Progress:
    """Counts frames and forwards {"frames_done", ...} at most every PROGRESS_INTERVAL_S."""

    def __init__(self, job: dict, facts: dict) -> None:
        self.job = job
        self.facts = facts
        self.frames_done = 0
        self._last = 0.0

    def advance(self, n: int = 1) -> None:
        self.frames_done += n
        now = time.monotonic()
        if now - self._last >= PROGRESS_INTERVAL_S:
            self._last = now
            self.send()

    def send(self, **extra: Any) -> None:
        try:
            report_progress(self.job, {**self.facts, "frames_done": self.frames_done, **extra})
        except Exception:  # progress is a courtesy; never fail a render over it
            log.debug("progress update failed", exc_info=True)


class _Stage:
    def __init__(self, progress: _Progress, name: str, total: int | None) -> None:
        self.progress, self.name, self.total = progress, name, total

    def advance(self, n: int = 1) -> None:
        if self.name == "render":
            self.progress.facts["frames"] = self.total
            self.progress.advance(n)


class _ProgressSink:
    """A `ProgressSink` for whole jobs: the render stage's frames become progress updates."""

    def __init__(self, progress: _Progress) -> None:
        self.progress = progress

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[_Stage]:
        self.progress.send(stage=name)
        yield _Stage(self.progress, name, total)

    def notice(self, message: str) -> None:
        log.info("%s", message)
