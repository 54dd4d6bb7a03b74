"""The local job store: one SQLite database plus a folder per job.

Every render is a job, so that a crash, Ctrl-C or timeout loses at most the
chunks in flight: finished chunks are files in the job's folder, recorded in
the database only after they are complete on disk. The store lives in
`TALKINGHEAD_HOME` (default `~/.cache/talkinghead`, or `$XDG_CACHE_HOME/talkinghead`).
Records hold content hashes, paths and settings, never secrets.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields, replace
from enum import Enum
from itertools import pairwise
from pathlib import Path
from typing import Any

from ..errors import StorageError, TalkingHeadError, storage_error
from ..media.files import atomic_path
from ..settings import RenderSettings
from .lock import job_in_use

HOME_VARIABLE = "TALKINGHEAD_HOME"
DATABASE_NAME = "jobs.sqlite"
RECORD_NAME = "job.json"  # in each job folder: its record as created, to rebuild a lost database
RESULT_STEM = "result"  # a job's finished video in its folder: result.mp4, .webm or .mov
JOBS_FOLDER = "jobs"
BUSY_TIMEOUT_S = 30.0  # other processes hold the database for milliseconds at a time
SCHEMA_VERSION = 1



class JobState(str, Enum):
    """Where a job stands; stored as its value. A job is resumable unless it is done."""

    PLANNED = "planned"
    RENDERING = "rendering"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    TIMED_OUT = "timed_out"

    def __str__(self) -> str:
        return self.value


class ChunkState(str, Enum):
    PENDING = "pending"
    DONE = "done"

    def __str__(self) -> str:
        return self.value


# The states by their short names, as the runner and the API use them.
PLANNED, RENDERING, DONE, FAILED, INTERRUPTED, TIMED_OUT = JobState
CHUNK_PENDING, CHUNK_DONE = ChunkState

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    input_key TEXT NOT NULL,
    state TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    image_path TEXT NOT NULL,
    image_sha256 TEXT NOT NULL,
    audio_path TEXT NOT NULL,
    audio_sha256 TEXT NOT NULL,
    settings TEXT NOT NULL,
    engine TEXT NOT NULL,
    output_path TEXT NOT NULL,
    frames INTEGER NOT NULL,
    fps INTEGER NOT NULL,
    duration_s REAL NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    timings TEXT NOT NULL DEFAULT '{}',
    error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_key ON jobs (input_key, created);
CREATE TABLE IF NOT EXISTS chunks (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    start INTEGER NOT NULL,
    stop INTEGER NOT NULL,
    state TEXT NOT NULL,
    seconds REAL,
    PRIMARY KEY (job_id, idx)
);
"""


@dataclass(frozen=True)
class Chunk:
    """Frames `start` to `stop` (exclusive) of a job, rendered into one video part."""

    index: int
    start: int
    stop: int
    state: ChunkState = CHUNK_PENDING
    seconds: float | None = None

    @property
    def frames(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True)
class Job:
    id: str
    input_key: str
    state: JobState
    created: float
    updated: float
    image_path: str
    image_sha256: str
    audio_path: str
    audio_sha256: str
    settings: RenderSettings
    engine: str
    output_path: str
    frames: int
    fps: int
    duration_s: float
    width: int
    height: int
    timings: dict
    error: str | None
    chunks: tuple[Chunk, ...] = ()

    @property
    def frames_done(self) -> int:
        return sum(c.frames for c in self.chunks if c.state == CHUNK_DONE)

    @property
    def progress(self) -> float:
        return self.frames_done / self.frames if self.frames else 0.0


def default_home() -> Path:
    if os.environ.get(HOME_VARIABLE):
        return Path(os.environ[HOME_VARIABLE]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "talkinghead"


def new_job_id() -> str:
    """Short, unique, and unlike RunPod's UUID-style IDs: `th-` and 12 hex digits."""
    return "th-" + secrets.token_hex(6)


class JobStore:
    """Jobs and their chunks; safe to use from several processes at once."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = Path(home) if home else default_home()
        try:
            self.jobs_folder.mkdir(parents=True, exist_ok=True)
            try:
                self._open()
            except _Damaged as damage:
                self._set_aside(damage)
        except (OSError, sqlite3.Error) as e:
            raise storage_error(e, f"the job store in {self.home}") or TalkingHeadError(
                f"cannot open the job store in {self.home}: {e}; "
                f"set {HOME_VARIABLE} to a writable folder") from e

    @property
    def database(self) -> Path:
        return self.home / DATABASE_NAME

    @property
    def jobs_folder(self) -> Path:
        return self.home / JOBS_FOLDER

    def _open(self) -> None:
        """Check the database (a damaged one raises `_Damaged`) and create what is missing."""
        try:
            with self._connect() as db:
                problem = db.execute("PRAGMA quick_check").fetchone()[0]
                if problem != "ok":
                    raise _Damaged(problem)
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except _Damaged:
            raise
        except TalkingHeadError as e:
            if isinstance(e.__cause__, sqlite3.DatabaseError) and _is_damage(e.__cause__):
                raise _Damaged(str(e.__cause__)) from e
            raise

    def _set_aside(self, damage: _Damaged) -> None:
        """Move a damaged database aside, start a fresh one, and list again the finished jobs
        whose folders still hold their record and video."""
        aside = self.database.with_name(
            f"{DATABASE_NAME}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.database}{suffix}")
            if source.exists():
                source.replace(f"{aside}{suffix}")
        self._open()
        rebuilt = self._rebuild_finished_jobs()
        print(f"talkinghead: the job store's database was damaged ({damage}); it was moved to "
              f"{aside} and a fresh one started, with {rebuilt} finished job(s) recovered",
              file=sys.stderr)

    def _rebuild_finished_jobs(self) -> int:
        rebuilt = 0
        for record in sorted(self.jobs_folder.glob(f"*/{RECORD_NAME}")):
            if not any(record.parent.glob(f"{RESULT_STEM}.*")):
                continue
            try:
                job = job_from_record(json.loads(record.read_text()))
            except (OSError, ValueError, TypeError, KeyError, TalkingHeadError):
                continue
            self.create(replace(job, state=DONE, chunks=tuple(
                replace(c, state=CHUNK_DONE) for c in job.chunks)))
            rebuilt += 1
        return rebuilt

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One transaction; a database error is raised as a `TalkingHeadError` that says what
        to do (its cause is the sqlite3 error)."""
        try:
            db = sqlite3.connect(self.database, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as e:
            raise self._error(e) from e
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")  # a recorded chunk survives power loss
            db.execute("PRAGMA foreign_keys = ON")
            db.row_factory = sqlite3.Row
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except BaseException as e:
            if db.in_transaction:
                with suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            if isinstance(e, sqlite3.Error):
                raise self._error(e) from e
            raise
        finally:
            db.close()

    def _error(self, error: sqlite3.Error) -> TalkingHeadError:
        if _is_damage(error):
            return TalkingHeadError(f"the job store's database {self.database} is damaged "
                                    f"({error}); run the command again: it is then set aside "
                                    "and a fresh one started")
        if _sqlite_code(error) in (_SQLITE_FULL, _SQLITE_IOERR):
            return StorageError(f"cannot write the job store in {self.home}: the disk is full "
                                f"or failing ({error}) (free some space, or set "
                                f"{HOME_VARIABLE} to a folder on another disk)")
        return TalkingHeadError(f"the job store in {self.home} failed: {error} (set "
                                f"{HOME_VARIABLE} to a writable folder)")

    def folder(self, job_id: str) -> Path:
        return self.jobs_folder / job_id

    def create(self, job: Job) -> Job:
        """Record a new job; its folder gets a copy of the record, from which the job can be
        listed again if the database is ever lost."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO jobs VALUES (:id, :input_key, :state, :created, :updated, "
                ":image_path, :image_sha256, :audio_path, :audio_sha256, :settings, :engine, "
                ":output_path, :frames, :fps, :duration_s, :width, :height, :timings, :error)",
                {**job.__dict__, "settings": json.dumps(job.settings.to_dict(), sort_keys=True),
                 "timings": json.dumps(job.timings)})
            db.executemany(
                "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
                [(job.id, c.index, c.start, c.stop, c.state, c.seconds) for c in job.chunks])
        folder = self.folder(job.id)
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(folder / RECORD_NAME) as partial:
            partial.write_text(json.dumps(record_of(job), sort_keys=True))
        return self.get(job.id)

    def get(self, job_id: str) -> Job:
        with self._connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise TalkingHeadError(
                    f"no job {job_id} in the job store ({self.home}); "
                    "list jobs with --jobs")
            chunks = db.execute("SELECT * FROM chunks WHERE job_id = ? ORDER BY idx",
                                (job_id,)).fetchall()
        job = _job_from_row(row, chunks)
        if job.state == RENDERING and not job_in_use(self.folder(job.id)):
            # Its process died without a word (kill -9, power cut): it is only interrupted.
            job = replace(job, state=INTERRUPTED, error=job.error or "its process ended")
        return job

    def find_resumable(self, input_key: str) -> Job | None:
        """The newest unfinished job for the same inputs and settings, if any."""
        with self._connect() as db:
            row = db.execute(
                "SELECT id FROM jobs WHERE input_key = ? AND state != ? "
                "ORDER BY created DESC LIMIT 1", (input_key, DONE)).fetchone()
        return self.get(row["id"]) if row else None

    def recent(self, limit: int = 20) -> list[Job]:
        with self._connect() as db:
            ids = [r["id"] for r in db.execute(
                "SELECT id FROM jobs ORDER BY created DESC LIMIT ?", (limit,))]
        return [self.get(i) for i in ids]

    def all_ids(self) -> list[str]:
        with self._connect() as db:
            return [r["id"] for r in db.execute("SELECT id FROM jobs ORDER BY created")]

    def set_state(self, job_id: str, state: JobState | str, error: str | None = None,
                  **fields: Any) -> None:
        assignments = "".join(f", {k} = :{k}" for k in fields)
        values = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in fields.items()}
        with self._connect() as db:
            db.execute(f"UPDATE jobs SET state = :state, error = :error, updated = :now"
                       f"{assignments} WHERE id = :id",
                       {"state": JobState(state).value, "error": error, "now": time.time(),
                        "id": job_id, **values})

    def chunk_done(self, job_id: str, index: int, seconds: float) -> None:
        with self._connect() as db:
            db.execute("UPDATE chunks SET state = ?, seconds = ? WHERE job_id = ? AND idx = ?",
                       (CHUNK_DONE, seconds, job_id, index))
            db.execute("UPDATE jobs SET updated = ? WHERE id = ?", (time.time(), job_id))

    def chunk_pending(self, job_id: str, index: int) -> None:
        with self._connect() as db:
            db.execute("UPDATE chunks SET state = ?, seconds = NULL WHERE job_id = ? AND idx = ?",
                       (CHUNK_PENDING, job_id, index))

    def delete(self, job_id: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM chunks WHERE job_id = ?", (job_id,))
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))


class _Damaged(Exception):
    """The database file is damaged (what SQLite's check found)."""


# SQLite's primary result codes (sqlite3 names them from Python 3.11 on), and the messages
# that carry them on older Pythons.
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_NOTADB = 10, 11, 13, 26
_MESSAGES = {"disk I/O error": _SQLITE_IOERR, "database disk image is malformed": _SQLITE_CORRUPT,
             "database or disk is full": _SQLITE_FULL, "file is not a database": _SQLITE_NOTADB}


def _sqlite_code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF  # the primary code, without the extended bits
    return next((c for message, c in _MESSAGES.items() if message in str(error)), None)


def _is_damage(error: sqlite3.Error) -> bool:
    return _sqlite_code(error) in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def record_of(job: Job) -> dict:
    """The job as plain JSON values (what `job_from_record` reads back)."""
    return {**{f.name: getattr(job, f.name) for f in fields(job) if f.name != "chunks"},
            "settings": job.settings.to_dict(),
            "chunks": [[c.index, c.start, c.stop] for c in job.chunks]}


def job_from_record(record: dict) -> Job:
    chunks = tuple(Chunk(index, start, stop) for index, start, stop in record.pop("chunks"))
    settings = RenderSettings.from_dict(record.pop("settings"))
    state = JobState(record.pop("state"))
    return Job(**record, state=state, settings=settings, chunks=chunks)


def _job_from_row(row: sqlite3.Row, chunks: list[sqlite3.Row]) -> Job:
    try:
        values = dict(row)
        values["settings"] = RenderSettings.from_dict(json.loads(values["settings"]))
        values["timings"] = json.loads(values["timings"] or "{}")
        values["state"] = JobState(values["state"])
        parts = tuple(Chunk(c["idx"], c["start"], c["stop"], ChunkState(c["state"]), c["seconds"])
                      for c in chunks)
        job = Job(**values, chunks=parts)
    except (TypeError, ValueError, KeyError) as e:
        raise TalkingHeadError(f"job record {row['id']} is corrupt ({e}); "
                               "delete it with --clean-jobs or render again") from e
    if parts and (parts[0].start != 0 or parts[-1].stop != job.frames or any(
            a.stop != b.start for a, b in pairwise(parts))):
        raise TalkingHeadError(f"job record {job.id} is corrupt: its chunks do not cover "
                               "the video; render again")
    return job
