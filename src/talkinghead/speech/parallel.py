"""Worker processes that decode the pieces of a recording at the same time.

Phone recognition is the slowest part of planning (about 0.05 s of CPU per second of audio) and
pocketsphinx holds the GIL while it decodes, so threads would not help: each piece goes to a
process of its own (fresh ones, see `processes.py`). They start before they are needed:
`api.create_job` opens the pool and starts the recognition (`phonemes.start_recognition`), finds
the face while the workers import and decode, then hands what they found to `analyse_speech`.
The pieces depend on the audio alone, so the phones do not depend on the number of workers.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.pool import Pool

from ..processes import spawn_pool
from .phonemes import piece_count


@contextmanager
def speech_pool(duration_s: float, workers: int) -> Iterator[Pool | None]:
    """A pool of up to `workers` processes for audio this long, or None where one process
    (this one) is enough: a single piece, or a single worker."""
    processes = min(workers, piece_count(duration_s))
    if processes <= 1:
        yield None
        return
    pool = spawn_pool(processes, initializer=_leave_ctrl_c)
    try:
        yield pool
        pool.close()
    finally:
        pool.terminate()  # on an error or Ctrl-C in the caller, the pieces in flight are dropped
        pool.join()


def _leave_ctrl_c() -> None:
    """Ctrl-C is the parent's to handle: it stops the pool, and planning starts over next run."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
