"""The package version, and a fingerprint of the code that draws the video."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

__version__ = "0.1.0"

# Code that cannot change a rendered video; edits there keep finished jobs reusable.
_NOT_RENDERING = ("web", "remote")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the package's rendering source: a job made by other code is another job.

    Part of every job's identity, so that after an upgrade (or an edit in a
    development checkout) the same command renders anew instead of reusing or
    resuming a video made by the old code.
    """
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in _NOT_RENDERING:
            continue
        digest.update(relative.as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
