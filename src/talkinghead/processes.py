"""Worker processes for parallel work: started fresh, and safe to start from any script.

Workers are spawned ("spawn"), not forked, on every platform: nothing of the caller (threads,
locks, open files, a web server) is inherited, and the behaviour is the same on Linux and macOS.
A spawned Python process normally re-runs the caller's main script first, so a plain script
that calls `talkinghead.render(...)` at top level, without an `if __name__ == "__main__":`
guard, would start renders inside its own workers (multiprocessing then stops them with an
error, and a pool restarts them for ever). Our workers need nothing from that script, so it
is hidden from them while they start.
"""

from __future__ import annotations

import multiprocessing
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.pool import Pool

SPAWN = multiprocessing.get_context("spawn")


def spawn_pool(processes: int, initializer: Callable[..., object] | None = None,
               initargs: tuple = ()) -> Pool:
    """A pool of `processes` fresh worker processes (see the module docstring)."""
    with caller_script_hidden():
        return SPAWN.Pool(processes, initializer=initializer, initargs=initargs)


@contextmanager
def caller_script_hidden() -> Iterator[None]:
    """While inside, processes started here do not import the caller's `__main__` module."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main
