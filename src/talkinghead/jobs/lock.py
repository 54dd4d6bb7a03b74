"""The job-folder lock: one process at a time renders a job, and nothing deletes a job in use.

An advisory `flock` on the folder's `lock` file; the kernel drops it when its process dies,
even on kill -9, so a lock that can be taken means nobody is working on the job.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import TalkingHeadError

LOCK_FILE = "lock"


@contextmanager
def job_lock(folder: Path, job_id: str) -> Iterator[None]:
    """Hold the job's lock for the block; a `TalkingHeadError` if another process holds it."""
    with job_lock_free(folder) as free:
        if not free:
            raise TalkingHeadError(f"job {job_id} is being rendered by another process; "
                                   f"wait, or check it with --retrieve {job_id}")
        yield


@contextmanager
def job_lock_free(folder: Path) -> Iterator[bool]:
    """Whether the job's lock could be taken; if so, it is held for the block."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def job_in_use(folder: Path) -> bool:
    """True while some process holds the job's lock (a job folder that is gone is not in use)."""
    if not (folder / LOCK_FILE).exists():
        return False
    with job_lock_free(folder) as free:
        return not free
