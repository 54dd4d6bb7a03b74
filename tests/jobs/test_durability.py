"""Durable jobs end to end: chunks in parallel, kill -9 and resume, retrieve, timeout.

Renders the bundled 7.3 s sample in 1.5 s chunks at 512 px through the CLI in
subprocesses, as a user would, and compares decoded frames.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from talkinghead.face.landmarks import detect_face
from talkinghead_dev.measure import video_facts, video_frames

pytestmark = pytest.mark.slow

CHUNK_ARGS = ["--chunk-seconds", "1.5", "--size", "512", "--quiet"]


def cli(home: Path, *args: str, wait: bool = True):
    env = {**os.environ, "TALKINGHEAD_HOME": str(home)}
    command = [sys.executable, "-m", "talkinghead", *args]
    if not wait:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def render_args(sample_portrait_path, sample_speech_path, out: Path, *extra: str) -> list[str]:
    return ["--image", str(sample_portrait_path), "--audio", str(sample_speech_path),
            "--output", str(out), *CHUNK_ARGS, *extra]


def chunks_done(home: Path) -> int:
    database = home / "jobs.sqlite"
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(database, timeout=5) as db:
            return db.execute("SELECT count(*) FROM chunks WHERE state = 'done'").fetchone()[0]
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def chunk_rows(home: Path) -> list[tuple[int, int, str]]:
    with sqlite3.connect(home / "jobs.sqlite") as db:
        return list(db.execute("SELECT start, stop, state FROM chunks ORDER BY idx"))


def job_ids(home: Path) -> list[str]:
    with sqlite3.connect(home / "jobs.sqlite") as db:
        return [r[0] for r in db.execute("SELECT id FROM jobs ORDER BY created")]


def frames_of(path: Path) -> np.ndarray:
    return np.stack(list(video_frames(path)))


@pytest.fixture(scope="module")
def reference(tmp_path_factory, sample_portrait_path, sample_speech_path):
    """An uninterrupted, parallel render: the video every other run must reproduce."""
    home = tmp_path_factory.mktemp("reference-home")
    out = home / "reference.mp4"
    result = cli(home, *render_args(sample_portrait_path, sample_speech_path, out,
                                    "--workers", "2", "--json"))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    return {"frames": frames_of(out), "summary": summary, "home": home, "out": out}


def test_parallel_chunks_join_into_one_correct_video(reference):
    facts = video_facts(reference["out"])
    assert (facts.video_codec, facts.audio_codec, facts.width, facts.fps) == (
        "h264", "aac", 512, 25.0)
    assert facts.frames == reference["summary"]["frames"] == 182
    assert abs(facts.audio_s - facts.video_s) < 0.04
    states = [state for _, _, state in chunk_rows(reference["home"])]
    assert len(states) >= 4 and set(states) == {"done"}


def test_serial_rendering_gives_the_same_frames(tmp_path, reference, sample_portrait_path,
                                                sample_speech_path):
    out = tmp_path / "serial.mp4"
    result = cli(tmp_path, *render_args(sample_portrait_path, sample_speech_path, out,
                                        "--workers", "1"))
    assert result.returncode == 0, result.stderr
    np.testing.assert_array_equal(frames_of(out), reference["frames"])


def test_no_jump_at_chunk_joins(reference):
    """Landmark motion across each join is no larger than the ordinary frame-to-frame motion
    of the frames around the joins (REACH either side: a third of a second of speech)."""
    reach = 8
    frames = reference["frames"]
    joins = [start for start, _, _ in chunk_rows(reference["home"])[1:]]
    join_steps, ordinary = [], []
    for join in joins:  # step k: frame k -> k + 1; the join's step is join - 1 -> join
        window = range(max(0, join - reach), min(len(frames), join + reach + 1))
        points = np.stack([detect_face(frames[i]).points for i in window])
        steps = np.linalg.norm(np.diff(points, axis=0), axis=2).mean(axis=1)
        at_join = join - 1 - window.start
        join_steps.append(steps[at_join])
        ordinary.extend(np.delete(steps, at_join))
    assert len(joins) >= 3 and len(ordinary) >= 40
    assert max(join_steps) <= np.percentile(ordinary, 99)


@pytest.mark.parametrize("kill_after_chunks", [0, 1, 3])
def test_kill_9_then_rerun_resumes_and_matches(tmp_path, reference, sample_portrait_path,
                                               sample_speech_path, kill_after_chunks):
    out = tmp_path / "killed.mp4"
    args = render_args(sample_portrait_path, sample_speech_path, out, "--workers", "1")
    process = cli(tmp_path, *args, wait=False)
    deadline = time.monotonic() + 60
    while chunks_done(tmp_path) < kill_after_chunks or (
            kill_after_chunks == 0 and not list(tmp_path.glob("jobs/*/chunks/*.partial*"))):
        assert process.poll() is None, "finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not out.exists()
    done_at_kill = chunks_done(tmp_path)
    assert kill_after_chunks <= done_at_kill < len(chunk_rows(tmp_path))

    rerun = cli(tmp_path, *args)
    assert rerun.returncode == 0, rerun.stderr
    assert "resuming" in rerun.stderr
    assert len(job_ids(tmp_path)) == 1  # the same job, not a new one
    np.testing.assert_array_equal(frames_of(out), reference["frames"])


def test_sigterm_is_an_orderly_interruption(tmp_path, sample_portrait_path, sample_speech_path):
    out = tmp_path / "term.mp4"
    args = render_args(sample_portrait_path, sample_speech_path, out, "--workers", "1")
    process = cli(tmp_path, *args, wait=False)
    while chunks_done(tmp_path) < 1:
        assert process.poll() is None
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130 and "rerun the same command" in stderr
    [job_id] = job_ids(tmp_path)
    unfinished = cli(tmp_path, "--retrieve", job_id, "--output", str(tmp_path / "r.mp4"))
    assert unfinished.returncode == 3 and "interrupted" in unfinished.stderr
    assert f"--resume {job_id}" in unfinished.stderr and not (tmp_path / "r.mp4").exists()

    resumed = cli(tmp_path, "--resume", job_id, "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert video_facts(out).frames == 182
    listing = cli(tmp_path, "--jobs")
    assert job_id in listing.stdout and "done" in listing.stdout
    copy = cli(tmp_path, "--retrieve", job_id, "--output", str(tmp_path / "copy.mp4"))
    assert copy.returncode == 0 and (tmp_path / "copy.mp4").read_bytes() == out.read_bytes()


def test_a_deleted_chunk_file_is_rendered_again(tmp_path, reference, sample_portrait_path,
                                                sample_speech_path):
    out = tmp_path / "first.mp4"
    args = render_args(sample_portrait_path, sample_speech_path, out, "--workers", "1")
    process = cli(tmp_path, *args, wait=False)
    while chunks_done(tmp_path) < 2:
        assert process.poll() is None
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    [job_id] = job_ids(tmp_path)
    (tmp_path / "jobs" / job_id / "chunks" / "00000.mp4").unlink()
    rerun = cli(tmp_path, *args)
    assert rerun.returncode == 0, rerun.stderr
    assert "chunk 0 is missing or damaged" in rerun.stderr
    np.testing.assert_array_equal(frames_of(out), reference["frames"])


def test_timeout_keeps_the_job_resumable(tmp_path, reference, sample_portrait_path,
                                         sample_speech_path):
    out = tmp_path / "slow.mp4"
    args = render_args(sample_portrait_path, sample_speech_path, out, "--workers", "1")
    timed_out = cli(tmp_path, *args, "--timeout", "0.01")
    assert timed_out.returncode == 3
    assert "timed out" in timed_out.stderr and "--resume" in timed_out.stderr
    assert timed_out.stderr.count("\n") == 1 + timed_out.stderr.count("talkinghead: job ")
    assert not out.exists()
    [job_id] = job_ids(tmp_path)
    resumed = cli(tmp_path, "--resume", job_id, "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    np.testing.assert_array_equal(frames_of(out), reference["frames"])


def test_retrieve_of_an_unknown_job_fails_clearly(tmp_path):
    result = cli(tmp_path, "--retrieve", "th-000000000000", "--output", str(tmp_path / "x.mp4"))
    assert result.returncode == 2 and "no job th-000000000000" in result.stderr
