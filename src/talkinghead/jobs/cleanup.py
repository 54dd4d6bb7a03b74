"""Remove old job folders so that the store does not grow without bound.

Limits come from the caller (CLI flags) or the environment: jobs older than
`TALKINGHEAD_KEEP_DAYS` (default 14) go, then the oldest finished jobs until
the store is under `TALKINGHEAD_MAX_STORE_GB` (default 20). A job being
rendered (its lock held) is never removed.
"""

from __future__ import annotations

import math
import os
import shutil
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from ..errors import SettingsError
from .lock import job_lock_free
from .store import DONE, JobStore

KEEP_DAYS_VARIABLE = "TALKINGHEAD_KEEP_DAYS"
MAX_STORE_GB_VARIABLE = "TALKINGHEAD_MAX_STORE_GB"
DEFAULT_KEEP_DAYS = 14.0
DEFAULT_MAX_STORE_GB = 20.0


@dataclass(frozen=True)
class CleanupLimits:
    """How long finished jobs are kept, and how large the store may grow; both zero or more."""

    keep_days: float = DEFAULT_KEEP_DAYS
    max_store_gb: float = DEFAULT_MAX_STORE_GB

    def __post_init__(self) -> None:
        for name, value in (("keep_days", self.keep_days), ("max_store_gb", self.max_store_gb)):
            if not math.isfinite(value) or value < 0:
                raise SettingsError(f"{name.replace('_', ' ')} must be a number of zero or more, "
                                    f"got {value:g}")

    @classmethod
    def from_environment(cls, keep_days: float | None = None,
                         max_store_gb: float | None = None) -> CleanupLimits:
        """The given limits, else those of the environment, else the defaults."""
        return cls(_limit(keep_days, KEEP_DAYS_VARIABLE, DEFAULT_KEEP_DAYS),
                   _limit(max_store_gb, MAX_STORE_GB_VARIABLE, DEFAULT_MAX_STORE_GB))


def _limit(given: float | None, variable: str, default: float) -> float:
    if given is not None:
        return given
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise SettingsError(f"{variable}={text!r} is not a number of zero or more "
                            f"(set it to one, e.g. {default:g}, or unset it)")
    return value


def clean_store(store: JobStore, limits: CleanupLimits, now: float | None = None,
                keep: Collection[str] = ()) -> list[str]:
    """Delete expired jobs, then the oldest finished ones over the size limit; return their IDs.

    The jobs in `keep` (the one just rendered) and any being rendered stay."""
    now = time.time() if now is None else now
    removed: list[str] = []
    jobs = [store.get(job_id) for job_id in store.all_ids() if job_id not in keep]  # oldest first
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
    with job_lock_free(folder) as free:
        if not free:
            return False  # being rendered right now
        shutil.rmtree(folder, ignore_errors=True)
    store.delete(job_id)
    return True


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0
