"""Fetch the published checkpoint files: resumable, verified by SHA-256, atomic.

A file downloads to `<name>.partial` and is renamed only when complete and
verified, so an interrupted download never looks finished; the next run resumes
it with an HTTP range request (or starts over when the server ignores ranges).
Where the published SHA-256 is known it must match; otherwise the digest of what
was downloaded is recorded beside the file (`<name>.sha256`) so later runs can
tell a damaged file from a good one. Nothing here imports torch.
"""

from __future__ import annotations

import hashlib
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from .checkpoints import (
    BUNDLE_256,
    BUNDLE_512,
    GFPGAN,
    MAPPING_CROP,
    MAPPING_FULL,
    CheckpointError,
    CheckpointFile,
)

BLOCK_BYTES: Final = 1 << 20
ATTEMPTS: Final = 4  # a dropped connection is resumed this many times before giving up
RETRY_PAUSE_S: Final = 2.0
TIMEOUT_S: Final = 60.0

Progress = Callable[[str, int, int | None], None]  # file name, bytes so far, total or None


@dataclass(frozen=True)
class Downloaded:
    path: Path
    sha256: str
    reused: bool  # already present and verified: nothing fetched


def sadtalker_files(sizes: Iterable[int] = (256, 512), gfpgan: bool = False
                    ) -> list[CheckpointFile]:
    """The files to fetch: a bundle per size, both mapping networks, GFPGAN if asked."""
    bundles = {256: BUNDLE_256, 512: BUNDLE_512}
    files = [bundles[s] for s in sizes] + [MAPPING_CROP, MAPPING_FULL]
    return [*files, GFPGAN] if gfpgan else files


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def fetch(file: CheckpointFile, directory: Path, url: str | None = None,
          progress: Progress | None = None) -> Downloaded:
    """Make `directory/file.name` the verified published file, downloading what is missing."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / file.name
    sidecar = directory / (file.name + ".sha256")
    if target.is_file():
        known = file.sha256 or _recorded(sidecar)
        digest = sha256_of(target)
        if known is None or digest == known:
            sidecar.write_text(f"{digest}  {file.name}\n")
            return Downloaded(target, digest, reused=True)
        target.unlink()  # damaged or replaced: fetch it again
    partial = directory / (file.name + ".partial")
    for attempt in range(ATTEMPTS):
        try:
            _transfer(url or file.url, partial, progress, file.name)
            break
        except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
            if attempt == ATTEMPTS - 1:
                raise CheckpointError(f"downloading {file.name} from {url or file.url} failed "
                                      f"({_reason(e)}); run the command again to resume") from e
            time.sleep(RETRY_PAUSE_S)
    digest = sha256_of(partial)
    if file.sha256 and digest != file.sha256:
        partial.unlink()
        raise CheckpointError(f"{file.name}: SHA-256 {digest[:16]}... is not the published "
                              f"{file.sha256[:16]}...; the download was deleted, run again")
    partial.replace(target)
    sidecar.write_text(f"{digest}  {file.name}\n")
    return Downloaded(target, digest, reused=False)


def _transfer(url: str, partial: Path, progress: Progress | None, name: str) -> None:
    """Append the rest of `url` to `partial` (a range request from its current length)."""
    have = partial.stat().st_size if partial.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_S)
    except urllib.error.HTTPError as e:
        if e.code == 416 and have:  # nothing left to fetch: the partial file is complete
            return
        raise CheckpointError(f"{url}: HTTP {e.code} {e.reason}") from e
    with response:
        resumed = response.status == 206
        length = response.headers.get("Content-Length")
        total = (int(length) + (have if resumed else 0)) if length else None
        done = have if resumed else 0
        with open(partial, "ab" if resumed else "wb") as out:
            while block := response.read(BLOCK_BYTES):
                out.write(block)
                done += len(block)
                if progress:
                    progress(name, done, total)
            out.flush()
            os.fsync(out.fileno())
    if total is not None and done < total:
        raise ConnectionError(f"connection closed after {done} of {total} bytes")


def _recorded(sidecar: Path) -> str | None:
    try:
        return sidecar.read_text().split()[0]
    except (OSError, IndexError):
        return None


def _reason(error: Exception) -> str:
    return str(getattr(error, "reason", error))
