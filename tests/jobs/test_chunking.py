import itertools

import numpy as np
import pytest

from talkinghead.jobs.chunking import plan_chunks


def test_chunks_cover_every_frame_once():
    chunks = plan_chunks(10_000, 25, 45.0)
    assert chunks[0].start == 0 and chunks[-1].stop == 10_000
    assert all(a.stop == b.start for a, b in itertools.pairwise(chunks))
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_short_audio_is_one_chunk():
    assert len(plan_chunks(30 * 25, 25, 45.0)) == 1
    assert len(plan_chunks(50 * 25, 25, 45.0)) == 1  # no 5-second tail chunk


def test_cuts_fall_in_a_pause_near_the_boundary():
    loudness = np.ones(4000)
    loudness[1160:1170] = 0.0  # a pause 1.4 s after the nominal 45 s boundary (frame 1125)
    chunks = plan_chunks(4000, 25, 45.0, loudness)
    assert 1160 <= chunks[0].stop < 1170


def test_without_a_pause_the_cut_is_at_the_nominal_boundary():
    chunks = plan_chunks(4000, 25, 45.0, np.ones(4000))
    assert chunks[0].stop == 1125


def test_too_short_chunks_are_refused():
    with pytest.raises(ValueError):
        plan_chunks(100, 25, 0.1)


def test_local_chunks_keep_every_core_busy_from_ten_seconds():
    from talkinghead.jobs.chunking import spread_chunk_seconds

    assert spread_chunk_seconds(7.3) == 45.0  # short clips: one chunk, no worker processes
    assert spread_chunk_seconds(10.0) == 5.0  # two chunks: both cores of a small machine
    assert spread_chunk_seconds(48.0) == 6.0  # eight chunks
    assert spread_chunk_seconds(600.0) == 45.0  # long audio: the longest chunks
    assert spread_chunk_seconds(48.0, longest_s=1.5) == 1.5  # --chunk-seconds is the longest
    for seconds in (10.0, 48.0, 100.0, 360.0):
        fps = 25
        chunks = plan_chunks(round(seconds * fps), fps, spread_chunk_seconds(seconds))
        assert 2 <= len(chunks) <= 8
