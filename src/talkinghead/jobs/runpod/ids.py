"""Telling remote jobs apart, without the optional RunPod dependencies (the CLI asks first)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

REMOTE_FILE: Final = "remote.json"  # in the job folder: endpoint URL and chunks' RunPod IDs
# RunPod: a UUID with a suffix naming the region ("-u1", "-e1"); its SDK's local server: "test-".
_RUNPOD_ID = re.compile(r"^(test-)?[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}(-[a-z0-9]{1,8})?$")


def is_runpod_job_id(job_id: str) -> bool:
    """True for IDs like 7d69546a-3d31-4f74-bf12-b1c19a2f4d3c-u1 (ours look like th-…)."""
    return bool(_RUNPOD_ID.match(job_id.strip().lower()))


def has_remote_chunks(job_folder: Path) -> bool:
    """True when some of this local job's chunks were sent to RunPod."""
    return (job_folder / REMOTE_FILE).is_file()
