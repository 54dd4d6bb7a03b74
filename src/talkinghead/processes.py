"""Worker processes for parallel work: started fresh, and safe to start from any script.

Workers are spawned ("spawn"), not forked, on every platform: nothing of the caller (threads,
locks, open files, a web server) is inherited, and the behaviour is the same on Linux and macOS.
A spawned Python process normally re-runs the caller's main script first, so a plain script
that calls `talkinghead.render(...)` at top level, without an `if __name__ == "__main__":`
guard, would start renders inside its own workers (multiprocessing then stops them with an
error, and a pool restarts them for ever). Our workers need nothing from that script, so it
is hidden from them while they start.

Workers end with their parent: when it dies (even by kill -9), they exit at once and quietly,
instead of rendering on and printing tracebacks about the closed pipe to it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
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
        return SPAWN.Pool(processes, initializer=_start_worker,
                          initargs=(os.getpid(), initializer, initargs))


def _start_worker(parent: int, initializer: Callable[..., object] | None,
                  initargs: tuple) -> None:
    end_with_parent(parent)
    if initializer is not None:
        initializer(*initargs)


def end_with_parent(parent: int) -> None:
    """Have the kernel end this process when its parent dies (Linux; elsewhere nothing)."""
    name = ctypes.util.find_library("c")
    if sys.platform != "linux" or name is None:
        return
    pr_set_pdeathsig = 1
    ctypes.CDLL(name, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(0)


@contextmanager
def caller_script_hidden() -> Iterator[None]:
    """While inside, processes started here do not import the caller's `__main__` module."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main
