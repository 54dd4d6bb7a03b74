"""Checks shared by the image and audio loaders, so both name a bad path the same way."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from talkinghead.errors import TalkingHeadError

HASH_CHUNK_BYTES = 1 << 20  # 1 MiB: large enough to hash at disk speed, small enough to stream


def checked_input(path: str | os.PathLike[str], kind: str, error: type[TalkingHeadError]) -> Path:
    """Return `path` as a Path if it names a readable, non-empty file, else raise `error`.

    Done up front because the decoders report these cases with vague codec messages.
    """
    p = Path(path)
    if not p.exists():
        raise error(f"{kind} not found: '{p}' (check the path)")
    if p.is_dir():
        raise error(f"{kind} '{p}' is a directory, not a file (give the path of one file)")
    if not os.access(p, os.R_OK):
        raise error(f"cannot read {kind} '{p}': permission denied (check the file's permissions)")
    if p.stat().st_size == 0:
        raise error(f"cannot read {kind} '{p}': the file is empty (re-export or re-download it)")
    return p


def sha256_of_file(path: Path) -> str:
    """Hash the file's bytes in chunks: the hash seeds randomness and names cached results."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(HASH_CHUNK_BYTES):
            digest.update(block)
    return digest.hexdigest()
