"""A long voice-over rendered from the page's queue: its progress keeps moving until done.

The page polls `WebService.view` once a second and shows `progress_html` of it;
this test does the same every half second and checks that what a visitor sees
never stands still for long, that the frame count only grows, and that the
clip is whole at the end. 90 s of audio: several chunks, drawn on every core, as a longer
clip is (`benchmarks/long_audio.py` renders long audio); about 20 s on two cores.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from talkinghead.media.audio import load_audio
from talkinghead.web.service import WebService
from talkinghead.web.views import progress_html
from talkinghead_dev.measure import video_facts

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]

CLIP_S = 90.0
PAUSE_S = 0.5  # between the joined recordings, as between sentences
POLL_S = 0.5
MAX_STILL_S = 3.0  # the page refreshes every second; a few seconds unchanged would look stuck
RENDER_WAIT_S = 300.0


@pytest.fixture(scope="module")
def ninety_seconds(shared_data, tmp_path_factory, make_wav):
    recordings = [load_audio(shared_data / "audio" / name).samples
                  for name in ("RD_Radio31_000.wav", "RD_Radio34_002.wav", "deyu.wav")]
    pause = np.zeros(int(PAUSE_S * 16000), np.float32)
    pieces, total = [], 0
    while total < CLIP_S * 16000:
        for samples in recordings:
            pieces += [samples, pause]
            total += len(samples) + len(pause)
    audio = np.concatenate(pieces)[: int(CLIP_S * 16000)]
    return make_wav(tmp_path_factory.mktemp("audio") / "ninety_seconds.wav", audio)


def test_a_long_render_keeps_reporting_progress_until_done(home, shared_data, ninety_seconds):
    service = WebService(home)
    try:
        ticket = service.submit("visitor", shared_data / "images" / "people_0.png",
                                ninety_seconds, "default", {})
        started = time.monotonic()
        shown, changes, frames = "", [], []
        while True:
            view = service.view(ticket.id)
            page = progress_html(view)
            now = time.monotonic() - started
            if page != shown:
                shown = page
                changes.append(now)
            render = next(s for s in view.stages if s.name == "render")
            frames.append(render.done)
            if view.state in ("done", "failed", "cancelled"):
                break
            assert now < RENDER_WAIT_S, "the render did not finish"
            time.sleep(POLL_S)
    finally:
        service.close()
    assert view.state == "done", view.error
    gaps = np.diff(changes)
    assert gaps.max() < MAX_STILL_S, f"the progress stood still for {gaps.max():.1f} s"
    assert all(b >= a for a, b in itertools.pairwise(frames)), "frames went back"
    assert len(set(frames)) >= 10, "the frame count moved in too few steps"
    facts = video_facts(view.video)
    assert abs(facts.video_s - CLIP_S) <= 1 / 25 and facts.frames == round(CLIP_S * 25)
