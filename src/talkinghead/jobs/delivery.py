"""Handing a job's video to the user: never over one of its inputs or the store's own files."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import JobNotFinishedError, OutputError, TalkingHeadError
from ..media.files import copy_file, ensure_writable
from ..media.formats import output_format
from .runner import result_path
from .store import DONE, Job, JobStore


def deliver(store: JobStore, job: Job, output: Path) -> Job:
    """Copy finished `job`'s video to `output`; `JobNotFinishedError` says how far it got."""
    result = result_path(store.folder(job.id), job)
    if job.state != DONE:
        detail = f": {job.error}" if job.error else ""
        raise JobNotFinishedError(
            f"job {job.id} is {job.state.replace('_', ' ')} ({job.progress:.0%} of "
            f"{job.frames} frames rendered){detail}; continue it with --resume {job.id}")
    if not result.is_file():
        raise TalkingHeadError(f"job {job.id} finished but its video was cleaned up; "
                               "render it again")
    refuse_overwriting_inputs_of(job, output, store)
    ensure_writable(output, output_format(job.settings.format))
    copy_file(result, output)
    return job


def refuse_overwriting(outputs: dict[str, Path], inputs: list[Path], store: JobStore) -> None:
    """An `OutputError` if an output is one of the inputs, another output, or a file in the
    job store: a render never destroys what it reads or keeps."""
    kept = [store.jobs_folder.resolve(), store.database.resolve()]
    seen: list[tuple[str, Path]] = []
    for name, path in outputs.items():
        for other_name, other in [*(("the input", p) for p in inputs), *seen]:
            if _same_file(path, other):
                raise OutputError(f"{name} '{path}' is {other_name} '{other}': writing it "
                                  "would destroy it (choose another file name)")
        if any(path.resolve().is_relative_to(folder) for folder in kept):
            raise OutputError(f"{name} '{path}' is a file of the job store in {store.home} "
                              "(choose a file outside it)")
        seen.append((name, path))


def refuse_overwriting_inputs_of(job: Job, output: Path, store: JobStore) -> None:
    refuse_overwriting({"the output": output}, [Path(job.image_path), Path(job.audio_path)],
                       store)


def _same_file(a: Path, b: Path) -> bool:
    """The same path, or two names of one file (a hard link, a symbolic link)."""
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False  # one of them does not exist yet
