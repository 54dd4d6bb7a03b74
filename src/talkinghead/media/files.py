"""Writing files safely: outputs appear only complete, never over an input, and a full disk is
one clear error.

Every file the project writes for keeps (videos, the motion JSON, job records) goes through
`atomic_path`: written under a hidden name in the same folder, flushed to the disk, then renamed.
"""

from __future__ import annotations

import fcntl
import glob
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from talkinghead.errors import OutputError, storage_error
from talkinghead.media.formats import FORMATS, OutputFormat


def ensure_writable(output: Path, fmt: OutputFormat = FORMATS["mp4"]) -> None:
    """Fail now, not after minutes of rendering, if `output` cannot be written."""
    output = Path(output)
    if output.suffix.lower() != fmt.suffix:
        raise OutputError(f"output must end in {fmt.suffix} for --format {fmt.name}: "
                          f"'{output}' (change the extension or --format)")
    ensure_file_writable(output, f"give a file name ending in {fmt.suffix}")


def ensure_file_writable(output: Path, hint: str = "give a file name") -> None:
    """Fail now if no file can be written at `output` (a folder there, or no permission)."""
    output = Path(output)
    if output.is_dir():
        raise OutputError(f"output '{output}' is a directory ({hint})")
    _make_parent(output)
    try:
        probe, lock = _create_hidden_sibling(output, ".probe")
    except OSError as e:
        raise storage_error(e, f"'{output}'") or OutputError(
            f"cannot write to folder '{output.parent}': {e.strerror or e} "
            "(choose a writable location)"
        ) from e
    probe.unlink()
    os.close(lock)


@contextmanager
def atomic_path(output: Path) -> Iterator[Path]:
    """Yield a temporary path beside `output`; move it onto `output` only on success.

    The temporary file is in the same folder so the final rename is atomic, and it is flushed
    to disk before the rename, so `output` is either the old file, nothing, or the complete new
    file, even after a power cut. It is deleted on any error; one left by a killed process is
    deleted by the next write to the same output (each is locked while its writer lives).
    A full or read-only disk raises `StorageError` naming `output`.
    """
    output = Path(output)
    _make_parent(output)
    _remove_stale_partials(output)
    try:
        tmp, lock = _create_hidden_sibling(output, output.suffix or ".mp4")
    except OSError as e:
        raise storage_error(e, f"'{output}'") or OutputError(
            f"cannot write to folder '{output.parent}': {e.strerror or e} "
            "(choose a writable location)"
        ) from e
    try:
        yield tmp
        _sync(tmp)
        os.replace(tmp, output)
        _sync(output.parent)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        failure = storage_error(e, f"'{output}'")
        if failure is not None:
            raise failure from e
        raise
    finally:
        os.close(lock)


def copy_file(source: Path, destination: Path) -> None:
    """Write a copy of `source` at `destination`, atomically: a file of its own, never a hard
    link (editing one must not change the other). Where the file system can (Btrfs, XFS), the
    copy is a reflink that shares blocks until either file is written."""
    with atomic_path(destination) as partial, open(source, "rb") as src, \
            open(partial, "wb") as dst:
        try:
            fcntl.ioctl(dst.fileno(), _FICLONE, src.fileno())
        except OSError:
            shutil.copyfileobj(src, dst, _COPY_BUFFER)


_FICLONE: Final = 0x40049409  # Linux ioctl: make the destination a reflink of the source
_COPY_BUFFER: Final = 1 << 20


def _sync(path: Path) -> None:
    """Flush a file's (or a folder's entries') data to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_partials(output: Path) -> None:
    """Delete temporary files of `output` left by writers that died (their lock is free)."""
    for stale in output.parent.glob(f".{glob.escape(output.name)}.partial-*"):
        try:
            fd = os.open(stale, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            stale.unlink(missing_ok=True)
        except OSError:
            pass  # a live writer holds it
        finally:
            os.close(fd)


def _make_parent(output: Path) -> None:
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(
            f"cannot create output folder '{output.parent}': {e.strerror or e} "
            "(choose another location)"
        ) from e


def _create_hidden_sibling(output: Path, suffix: str) -> tuple[Path, int]:
    """Create an empty, uniquely named hidden file next to `output`, locked while the returned
    descriptor is open (so that `_remove_stale_partials` leaves it alone).

    Opened with mode 0o666 so the umask applies, unlike `tempfile.mkstemp`'s 0o600, which
    would leave the final video unreadable to other users after the rename.
    """
    path = output.with_name(f".{output.name}.partial-{secrets.token_hex(4)}{suffix}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return path, fd
