"""The package version, and a fingerprint of the code that draws the video."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

__version__ = "0.1.0"

# The code that decides a rendered frame: the pipeline stages, the engines, the settings, how a
# job is cut into chunks and how each chunk is drawn. Editing anything else (the CLI, the page,
# the job store, the doctor) keeps finished jobs reusable.
RENDERING_CODE = ("media", "face", "speech", "motion", "engines", "settings.py", "api.py",
                  "jobs/chunking.py", "jobs/chunk_render.py", "jobs/inputs.py")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the package's rendering source: a job made by other code is another job.

    Part of every job's identity, so that after an upgrade (or an edit in a
    development checkout) the same command renders anew instead of reusing or
    resuming a video made by the old code.
    """
    return fingerprint(Path(__file__).resolve().parent)


def fingerprint(root: Path) -> str:
    """The version plus every rendering source file under `root` (a package tree), by path."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if not any(relative == name or relative.startswith(name + "/") for name in RENDERING_CODE):
            continue
        digest.update(relative.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
