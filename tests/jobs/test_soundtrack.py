"""A job's sound is encoded while its frames are drawn, and the join only copies it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av
import pytest

import talkinghead
from talkinghead.events import ProgressSink
from talkinghead.jobs.runner import LocalExecutor, soundtrack_path
from talkinghead.jobs.store import Chunk, Job, JobStore
from talkinghead.jobs.timeout import Deadline

WAIT_S = 30  # far longer than encoding a few seconds of sound takes


@dataclass
class WaitsForTheSoundtrack:
    """Draws the chunks in this process, but only once the soundtrack is on disk."""

    seen: list[bool] = field(default_factory=list)

    def render(self, store: JobStore, job: Job, todo: list[Chunk],
               advance: Callable[[int], None], deadline: Deadline,
               sink: ProgressSink) -> None:
        target = soundtrack_path(store.folder(job.id), job)
        waited = time.monotonic() + WAIT_S
        while not target.is_file() and time.monotonic() < waited:
            time.sleep(0.01)
        self.seen.append(target.is_file())
        LocalExecutor().render(store, job, todo, advance, deadline, sink)


@dataclass
class Interrupted:
    def render(self, store: JobStore, job: Job, todo: list[Chunk],
               advance: Callable[[int], None], deadline: Deadline,
               sink: ProgressSink) -> None:
        raise KeyboardInterrupt


def audio_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return [bytes(p) for p in container.demux(stream) if p.dts is not None]


def test_the_soundtrack_is_ready_before_the_frames_and_copied_as_it_is(
        tmp_path, sample_portrait_path, sample_speech_path) -> None:
    store = JobStore(tmp_path / "home")
    executor = WaitsForTheSoundtrack()
    result = talkinghead.render(sample_portrait_path, sample_speech_path, tmp_path / "out.mp4",
                                store=store, backend=executor)
    assert executor.seen == [True]  # encoded alongside the drawing, not after it
    job = store.get(result.job_id)
    soundtrack = soundtrack_path(store.folder(job.id), job)
    assert audio_packets(result.output) == audio_packets(soundtrack)


def test_an_interrupted_render_stops_the_soundtrack_and_leaves_no_partial_file(
        tmp_path, sample_portrait_path, sample_speech_path) -> None:
    store = JobStore(tmp_path / "home")
    with pytest.raises(KeyboardInterrupt):
        talkinghead.render(sample_portrait_path, sample_speech_path, tmp_path / "out.mp4",
                           store=store, backend=Interrupted())
    assert not [t for t in threading.enumerate() if t.name.startswith("soundtrack")]
    (job,) = store.recent()
    assert not list(store.folder(job.id).glob(".*partial*"))
    assert not (tmp_path / "out.mp4").exists()
