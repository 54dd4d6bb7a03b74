"""Worker processes that a new job's speech and then its chunks share.

Phone recognition holds the GIL while it decodes, and so does much of drawing a frame, so
threads would not help: the pieces of the speech (`speech.phonemes.piece_bounds`) and the
chunks go to processes of their own. Starting one costs about a second of CPU (Python,
numpy, OpenCV and pocketsphinx imported anew: see `processes.py`), so a render starts its
workers once: they decode the pieces of the speech while this process finds the face
(`api.create_job`), then draw the chunks (`runner.LocalExecutor`). The pieces depend on the
audio alone, so the phones do not depend on the number of workers. Each worker reports the
frames it draws on the pool's `progress` queue.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..processes import SPAWN, spawn_pool

if TYPE_CHECKING:
    from multiprocessing.pool import Pool
    from multiprocessing.queues import Queue


class WorkerPool:
    """`processes` fresh worker processes and the queue their progress comes back on."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.progress: Queue[int] = SPAWN.Queue()
        self.pool: Pool = spawn_pool(processes, initializer=_init_worker,
                                     initargs=(self.progress,))


@contextmanager
def worker_pool(processes: int) -> Iterator[WorkerPool | None]:
    """A `WorkerPool`, or None where one process (this one) does the work. On leaving, the
    workers are stopped: on an error or Ctrl-C, whatever they were doing is dropped."""
    if processes <= 1:
        yield None
        return
    workers = WorkerPool(processes)
    try:
        yield workers
        workers.pool.close()
    finally:
        workers.pool.terminate()
        workers.pool.join()


_progress: list[Queue[int]] = []  # in a worker process: the queue its progress goes to


def _init_worker(progress: Queue[int]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it terminates the pool
    _progress.append(progress)


def report_progress(frames: int) -> None:
    """In a worker: tell the parent that `frames` more frames are drawn."""
    _progress[0].put(frames)
