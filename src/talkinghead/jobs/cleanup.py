"""Remove old job folders so that the store does not grow without bound.

Limits come from the caller (CLI flags) or the environment: jobs older than
`TALKINGHEAD_KEEP_DAYS` (default 14) go, then the oldest finished jobs until
the store is under `TALKINGHEAD_MAX_STORE_GB` (default 20). A job being
rendered (its lock held) is never removed.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .store import DONE, JobStore

KEEP_DAYS_VARIABLE = "TALKINGHEAD_KEEP_DAYS"
MAX_STORE_GB_VARIABLE = "TALKINGHEAD_MAX_STORE_GB"
DEFAULT_KEEP_DAYS = 14.0
DEFAULT_MAX_STORE_GB = 20.0


@dataclass(frozen=True)
class CleanupLimits:
    keep_days: float = DEFAULT_KEEP_DAYS
    max_store_gb: float = DEFAULT_MAX_STORE_GB

    @classmethod
    def from_environment(cls) -> CleanupLimits:
        return cls(float(os.environ.get(KEEP_DAYS_VARIABLE, DEFAULT_KEEP_DAYS)),
                   float(os.environ.get(MAX_STORE_GB_VARIABLE, DEFAULT_MAX_STORE_GB)))


def clean_store(store: JobStore, limits: CleanupLimits, now: float | None = None) -> list[str]:
    """Delete expired jobs, then the oldest finished ones over the size limit; return their IDs."""
    now = time.time() if now is None else now
    removed = []
    jobs = [store.get(job_id) for job_id in store.all_ids()]  # oldest first
    for job in jobs:
        if now - job.updated > limits.keep_days * 86400 and _remove(store, job.id):
            removed.append(job.id)
    budget = limits.max_store_gb * 1e9
    remaining = [j for j in jobs if j.id not in removed]
    sizes = {j.id: _folder_bytes(store.folder(j.id)) for j in remaining}
    total = sum(sizes.values())
    for job in remaining:
        if total <= budget:
            break
        if job.state == DONE and _remove(store, job.id):
            removed.append(job.id)
            total -= sizes[job.id]
    return removed


def _remove(store: JobStore, job_id: str) -> bool:
    folder = store.folder(job_id)
    lock = folder / "lock"
    if lock.exists():
        with open(lock, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # being rendered right now
            shutil.rmtree(folder, ignore_errors=True)
    else:
        shutil.rmtree(folder, ignore_errors=True)
    store.delete(job_id)
    return True


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0
