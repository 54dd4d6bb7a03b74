"""Chunk requests carry the files an engine planned into the job folder (sadtalker's track)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from talkinghead.jobs.inputs import load_inputs
from talkinghead.jobs.runpod.payload import (
    PayloadError,
    decode_chunk_request,
    encode_chunk_request,
    write_job_folder,
)


def _request(folder, job, engine, index=1):
    chunk = job.chunks[index]
    return encode_chunk_request(job.id, folder, chunk.index, chunk.start, chunk.stop,
                                job.settings, engine, load_inputs(folder).plan)


def test_warp_requests_carry_no_engine_files(planned_job):
    store, job = planned_job
    assert "engine_files" not in _request(store.folder(job.id), job, "warp")


def test_a_sadtalker_chunk_carries_the_rows_it_reads(planned_job, tmp_path):
    pytest.importorskip("torch")
    from talkinghead.engines.sadtalker.coefficients import CoefficientTrack

    store, job = planned_job
    folder = tmp_path / "job"
    shutil.copytree(store.folder(job.id), folder)
    rng = np.random.default_rng(0)
    track = CoefficientTrack(rng.normal(size=73).astype(np.float32),
                             rng.normal(size=(job.frames, 70)).astype(np.float32))
    track.save(folder)
    payload = _request(folder, job, "sadtalker")
    request = decode_chunk_request(payload)
    assert set(request.engine_files) == {"sadtalker.npz"}
    write_job_folder(tmp_path / "worker", request.inputs, request.engine_files)
    received = CoefficientTrack.load(tmp_path / "worker")
    chunk = job.chunks[1]
    seen = slice(max(0, chunk.start - 13), chunk.stop + 13)
    assert np.array_equal(received.driving[seen], track.driving[seen])
    assert np.array_equal(received.source, track.source)
    assert not received.driving[:max(0, chunk.start - 13)].any()


@pytest.mark.parametrize("files", [{"../escape.npz": ""}, {"x.exe": ""}, ["x.npz"],
                                   {f"f{i}.npz": "" for i in range(5)}])
def test_engine_file_names_and_counts_are_checked(planned_job, files):
    store, job = planned_job
    payload = _request(store.folder(job.id), job, "warp")
    payload["engine_files"] = files
    with pytest.raises(PayloadError, match="engine_files"):
        decode_chunk_request(payload)
