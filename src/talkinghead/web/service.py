"""What the page can do, without the page: check inputs, queue, cancel, resume, list, open.

Everything the UI layer (app.py) calls is here, in plain Python, so it is
tested without a browser. Items are either a queue ticket (`web-...`, from the
moment Render is pressed) or a job of the store (`th-...`, the same IDs as
`talkinghead --jobs`); a ticket gets its job ID once the job is planned.

Files live beside the job store, in `$TALKINGHEAD_HOME/web/`: `uploads/` (the
kept inputs, named by content hash) and `videos/` (finished clips, hard links
to the job's own result where the file system allows). Both are pruned with
the store's own age limit.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .. import api
from ..errors import JobNotFinishedError, TalkingHeadError
from ..jobs.cleanup import CleanupLimits
from ..jobs.lock import job_in_use
from ..jobs.store import DONE as JOB_DONE
from ..jobs.store import INTERRUPTED, PLANNED, RENDERING, Job, JobStore
from .form import run_options, settings_from_form
from .inputs import AudioCheck, PortraitCheck, check_audio, check_portrait, keep_upload
from .process import ProcessExecutor
from .progress import FINISHED, WAITING, StageProgress
from .progress import RUNNING as STAGE_RUNNING
from .queue import (
    CANCELLED,
    DEFAULT_MAX_RUNNING,
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    Executor,
    RenderQueue,
    RenderRequest,
    ResumeRequest,
    Ticket,
    new_ticket_id,
)

WEB_FOLDER = "web"
UPLOADS_FOLDER = "uploads"
VIDEOS_FOLDER = "videos"
RECENT_JOBS = 20  # rows in the page's jobs list
PLAYABLE_FORMATS = ("mp4", "webm")  # what browsers play; mov (ProRes) is download-only


@dataclass(frozen=True)
class ItemView:
    """One render as the page shows it: a ticket of this server or a job of the store."""

    id: str
    job_id: str | None
    state: str  # queued, running, done, failed, cancelled, or a job state (interrupted, ...)
    stages: tuple[StageProgress, ...]
    notices: tuple[str, ...] = ()
    error: str | None = None
    position: int | None = None  # 1 = next to start
    video: Path | None = None
    playable: bool = True
    title: str = ""
    elapsed_s: float | None = None  # since it started (to its end, once finished)
    stopping: bool = False  # Cancel was pressed; the render has not ended yet


@dataclass(frozen=True)
class JobRow:
    """A line of the jobs list."""

    id: str
    state: str
    progress: float
    audio_s: float | None
    created: float
    title: str
    source: str  # "page" or "CLI / API"


class WebService:
    def __init__(self, home: Path | None = None, *, workers: int | None = None,
                 max_running: int = DEFAULT_MAX_RUNNING, executor: Executor | None = None) -> None:
        self.store = JobStore(home)
        self.folder = self.store.home / WEB_FOLDER
        self.uploads = self.folder / UPLOADS_FOLDER
        self.videos = self.folder / VIDEOS_FOLDER
        self.uploads.mkdir(parents=True, exist_ok=True)
        self.videos.mkdir(parents=True, exist_ok=True)
        self.prune()
        self.queue = RenderQueue(executor or ProcessExecutor(self.store.home, workers),
                                 max_running, on_finished=lambda _ticket: self.prune())

    # -- inputs ------------------------------------------------------------------------------

    def check_portrait(self, upload: str | Path) -> PortraitCheck:
        return check_portrait(upload, self.uploads)

    def check_audio(self, upload: str | Path) -> AudioCheck:
        return check_audio(upload, self.uploads)

    # -- actions -----------------------------------------------------------------------------

    def submit(self, visitor: str, image: str | Path | None, audio: str | Path | None,
               preset: str, values: dict, transcript: str | None = None) -> Ticket:
        """Queue a render of `image` speaking `audio`; bad settings raise before it is queued."""
        if not image:
            raise TalkingHeadError("drop a portrait first")
        if not audio:
            raise TalkingHeadError("drop a voice-over or record one first")
        settings = settings_from_form(preset, values)
        run = run_options(values)
        kept_image = keep_upload(image, self.uploads)
        kept_audio = keep_upload(audio, self.uploads)
        ticket_id = new_ticket_id()
        fmt = settings.to_dict().get("format", "mp4")
        output = self.videos / ticket_id / f"{_stem(kept_image)}-talking.{fmt}"
        request = RenderRequest(str(kept_image), str(kept_audio), str(output),
                                settings.to_dict(), run.timeout_s, run.chunk_seconds,
                                (transcript or "").strip() or None, run.backend)
        return self.queue.submit(visitor, request, ticket_id)

    def resume(self, visitor: str, job_id: str) -> Ticket:
        job = self.store.get(job_id.strip())
        if job.state == JOB_DONE:
            raise TalkingHeadError(f"job {job.id} is finished: open it to play or download")
        active = self.queue.active_for_job(job.id)
        if active is not None:
            raise TalkingHeadError(f"job {job.id} is already {active.state} here")
        if job_in_use(self.store.folder(job.id)):
            raise TalkingHeadError(f"job {job.id} is being rendered by another process "
                                   "(a talkinghead command?); wait for it")
        output = self.videos / job.id / f"{_stem(Path(job.image_path))}-talking{_suffix(job)}"
        return self.queue.submit(visitor, ResumeRequest(job.id, str(output)))

    def cancel(self, item_id: str) -> str:
        item_id = item_id.strip()
        if not item_id:
            raise TalkingHeadError("pick a render first")
        if not item_id.startswith("th-"):
            return self.queue.cancel(item_id)
        active = self.queue.active_for_job(item_id)
        if active is not None:
            return self.queue.cancel(active.id)
        job = self.store.get(item_id)
        if job_in_use(self.store.folder(job.id)):
            raise TalkingHeadError(f"job {job.id} is being rendered by another process "
                                   "(a talkinghead command?); stop it there")
        return f"job {job.id} is not running ({self._job_state(job).replace('_', ' ')})"

    # -- what the page shows -----------------------------------------------------------------

    def view(self, item_id: str) -> ItemView:
        """The current state of a ticket or job, with its video when it is finished."""
        item_id = item_id.strip()
        if not item_id.startswith("th-"):
            return self._ticket_view(self.queue.get(item_id))
        active = self.queue.active_for_job(item_id)
        if active is not None:
            return self._ticket_view(active)
        return self._job_view(self.store.get(item_id))

    def _ticket_view(self, ticket: Ticket) -> ItemView:
        video = None
        if ticket.state == DONE and ticket.outcome and ticket.outcome.result:
            path = Path(ticket.outcome.result["output"])
            video = path if path.is_file() else None
        elapsed = None
        if ticket.started is not None:
            elapsed = (ticket.finished or time.time()) - ticket.started
        return ItemView(ticket.id, ticket.job_id, ticket.state, ticket.progress.stages,
                        ticket.progress.notices, ticket.error,
                        self.queue.position(ticket) if ticket.state == QUEUED else None,
                        video, _playable(video), _ticket_title(ticket), elapsed,
                        ticket.stopping)

    def _job_view(self, job: Job) -> ItemView:
        state = self._job_state(job)
        stage = (FINISHED if state == JOB_DONE else STAGE_RUNNING if state == RENDERING
                 else WAITING)
        render = StageProgress("render", job.frames, job.frames_done, stage)
        video = self.video_for(job) if state == JOB_DONE else None
        error = job.error if state != JOB_DONE else None
        return ItemView(job.id, job.id, state, (render,), (), error, None, video,
                        _playable(video), Path(job.image_path).name)

    def _job_state(self, job: Job) -> str:
        """The store's state, except that a job whose renderer died reads as interrupted."""
        if job.state in (RENDERING, PLANNED) and not job_in_use(self.store.folder(job.id)):
            return INTERRUPTED if job.state == RENDERING else job.state
        return job.state

    def video_for(self, job: Job) -> Path | None:
        """The finished video of `job` in the web folder (retrieved once), or None if gone."""
        target = self.videos / job.id / f"{_stem(Path(job.image_path))}-talking{_suffix(job)}"
        if target.is_file():
            return target
        output = Path(job.output_path)
        if output.is_file() and output.is_relative_to(self.videos):
            return output
        try:
            api.retrieve(job.id, target, store=self.store)
        except JobNotFinishedError:
            return None
        except TalkingHeadError:
            return None  # cleaned up: the view says the job is done, with no video
        return target

    def recent(self, limit: int = RECENT_JOBS) -> list[JobRow]:
        """Queued and running renders first, then the store's newest jobs."""
        rows: list[JobRow] = []
        live: dict[str, Ticket] = {}
        for ticket in reversed(self.queue.tickets()):  # oldest first: the queue's order
            if ticket.state not in (QUEUED, RUNNING):
                continue
            if ticket.job_id:
                live[ticket.job_id] = ticket
                continue
            state = ticket.state if ticket.state == RUNNING else (
                f"queued #{self.queue.position(ticket)}")
            rows.append(JobRow(ticket.id, state, 0.0, None, ticket.created,
                               _ticket_title(ticket), "page"))
        for job in self.store.recent(limit):
            progress = job.progress
            state = self._job_state(job)
            if job.id in live:
                ticket = live[job.id]
                render = next((s for s in ticket.progress.stages if s.name == "render"), None)
                progress = render.fraction if render else progress
                state = ticket.state if ticket.state == RUNNING else "queued (resume)"
            source = "page" if Path(job.output_path).is_relative_to(self.videos) else "CLI / API"
            rows.append(JobRow(job.id, state, progress, job.duration_s, job.created,
                               Path(job.image_path).name, source))
        return rows

    def waiting(self) -> int:
        return len(self.queue.waiting_order())

    # -- housekeeping ------------------------------------------------------------------------

    def prune(self, now: float | None = None) -> list[Path]:
        """Remove kept uploads and web videos older than the job store's age limit."""
        now = time.time() if now is None else now
        max_age_s = CleanupLimits.from_environment().keep_days * 86400
        in_use = set()
        queue = getattr(self, "queue", None)
        for ticket in queue.tickets() if queue else ():
            if ticket.state in (QUEUED, RUNNING) and isinstance(ticket.request, RenderRequest):
                in_use.update({Path(ticket.request.image).parent,
                               Path(ticket.request.audio).parent,
                               Path(ticket.request.output).parent})
        removed = []
        for parent in (self.uploads, self.videos):
            for folder in parent.iterdir():
                if folder in in_use or not folder.is_dir():
                    continue
                newest = max((p.stat().st_mtime for p in folder.iterdir()),
                             default=folder.stat().st_mtime)
                if now - newest > max_age_s:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed.append(folder)
        return removed

    def close(self) -> None:
        self.queue.close()


def _stem(path: Path) -> str:
    stem = path.stem.strip() or "portrait"
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)[:60]


def _suffix(job: Job) -> str:
    return "." + job.settings.format


def _playable(video: Path | None) -> bool:
    return video is None or video.suffix.lstrip(".") in PLAYABLE_FORMATS


def _ticket_title(ticket: Ticket) -> str:
    if isinstance(ticket.request, ResumeRequest):
        return f"resume {ticket.request.job_id}"
    return f"{Path(ticket.request.image).name} + {Path(ticket.request.audio).name}"


__all__ = ["CANCELLED", "DONE", "FAILED", "ItemView", "JobRow", "WebService"]
