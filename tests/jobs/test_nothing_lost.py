"""Nothing lost, one line for every failure (issue 20): each probe of the issue, run as a user.

Every case runs the command line in a subprocess and checks what a user sees: the exit status,
one line on stderr and no traceback, the user's files unchanged (checksums), nothing stray
beside the output, and the job store still usable afterwards. The disk-full cases mount a small
tmpfs (root on Linux, as in CI) and are skipped with the reason elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

pytestmark = pytest.mark.slow

NOTICE = "talkinghead: job "  # progress notices ("job th-...: 182 frames in 1 chunk(s)")


def cli(home: Path, *args: str, env: dict[str, str] | None = None):
    environment = {**os.environ, "TALKINGHEAD_HOME": str(home), **(env or {})}
    return subprocess.run([sys.executable, "-m", "talkinghead", *args], env=environment,
                          capture_output=True, text=True, check=False)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(result, *words: str) -> str:
    """The run failed with exit 2 and one line (besides progress notices) that has `words`."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith(NOTICE)]
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def inputs(tmp_path, sample_portrait_path, sample_speech_path):
    """The user's own copies of the sample inputs, and their checksums."""
    folder = tmp_path / "mine"
    folder.mkdir()
    image = Path(shutil.copy(sample_portrait_path, folder / "portrait.jpg"))
    audio = Path(shutil.copy(sample_speech_path, folder / "speech.ogg"))
    return image, audio


def render(home: Path, image: Path, audio: Path, output: Path, *extra: str,
           env: dict[str, str] | None = None):
    return cli(home, "--image", str(image), "--audio", str(audio), "--output", str(output),
               "--quiet", *extra, env=env)


def job_ids(home: Path) -> list[str]:
    with sqlite3.connect(home / "jobs.sqlite") as db:
        return [row[0] for row in db.execute("SELECT id FROM jobs ORDER BY created")]


def _running(pid: str) -> bool:
    """The process exists and is not a zombie (which an init that does not reap leaves)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


def beside(output: Path) -> list[str]:
    return sorted(p.name for p in output.parent.iterdir())


# 1. An output is a file of its own, not a hard link into the store.
def test_an_output_is_a_file_of_its_own(tmp_path, inputs):
    image, audio = inputs
    home, out = tmp_path / "home", tmp_path / "out"
    first = render(home, image, audio, out / "a.mp4")
    assert first.returncode == 0, first.stderr
    [job_id] = job_ids(home)
    result = home / "jobs" / job_id / "result.mp4"
    assert (out / "a.mp4").stat().st_nlink == 1 and result.stat().st_nlink == 1
    original = digest(out / "a.mp4")
    (out / "a.mp4").write_bytes(b"")  # the user edits or truncates their copy

    again = render(home, image, audio, out / "b.mp4")
    assert again.returncode == 0, again.stderr
    assert digest(out / "b.mp4") == original == digest(result)
    retrieved = cli(home, "--retrieve", job_id, "--output", str(out / "c.mp4"))
    assert retrieved.returncode == 0 and digest(out / "c.mp4") == original
    assert beside(out / "a.mp4") == ["a.mp4", "b.mp4", "c.mp4"]


# 5. Reruns, --resume and --retrieve leave nothing beside the output; stale partials go.
def test_reruns_resume_and_retrieve_leave_nothing_beside_the_output(tmp_path, inputs):
    image, audio = inputs
    home, out = tmp_path / "home", tmp_path / "out" / "a.mp4"
    assert render(home, image, audio, out).returncode == 0
    [job_id] = job_ids(home)
    stale = out.with_name(".a.mp4.partial-0badf00d.mp4")  # as a kill -9 at the rename leaves
    stale.write_bytes(b"half a video")
    assert render(home, image, audio, out).returncode == 0
    assert cli(home, "--resume", job_id, "--output", str(out), "--quiet").returncode == 0
    assert cli(home, "--retrieve", job_id, "--output", str(out)).returncode == 0
    assert beside(out) == ["a.mp4"]
    assert digest(out) == digest(home / "jobs" / job_id / "result.mp4")


# 2. User files are never overwritten by an output.
def test_an_output_that_is_an_input_is_refused(tmp_path, inputs):
    image, audio = inputs
    home = tmp_path / "home"
    clip = Path(shutil.copy(audio, audio.with_name("clip.mp4")))  # a video's audio track
    transcript = image.with_name("said.txt")
    transcript.write_text("Hello there.")
    before = {p: digest(p) for p in (image, audio, clip, transcript)}
    refused(render(home, image, clip, clip), "the output", "is the input", "clip.mp4")
    refused(render(home, image, audio, tmp_path / "o.mp4", "--motion-json", str(image)),
            "the motion JSON", "is the input")
    refused(render(home, image, audio, tmp_path / "o.mp4", "--transcript", str(transcript),
                   "--motion-json", str(transcript)), "the motion JSON", "said.txt")
    link = tmp_path / "link.mp4"
    os.link(clip, link)  # another name of the same file
    refused(render(home, image, clip, link), "is the input")
    refused(render(home, image, audio, home / "jobs" / "x.mp4"), "job store")
    assert {p: digest(p) for p in before} == before
    assert not (tmp_path / "o.mp4").exists()


# 3. Clean-up never removes the job just finished; limits are checked where they are read.
@pytest.mark.parametrize("limit", [{"TALKINGHEAD_KEEP_DAYS": "0"},
                                   {"TALKINGHEAD_MAX_STORE_GB": "0.000001"}])
def test_cleanup_keeps_the_job_just_finished(tmp_path, inputs, limit):
    image, audio = inputs
    home = tmp_path / "home"
    result = render(home, image, audio, tmp_path / "a.mp4", "--json", env=limit)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    listing = cli(home, "--jobs", env=limit)
    assert summary["job_id"] in listing.stdout and "done" in listing.stdout
    again = render(home, image, audio, tmp_path / "b.mp4", env=limit)
    assert again.returncode == 0 and digest(tmp_path / "b.mp4") == digest(tmp_path / "a.mp4")


def test_nonsense_limits_are_refused_and_the_store_kept(tmp_path, inputs):
    image, audio = inputs
    home = tmp_path / "home"
    assert render(home, image, audio, tmp_path / "a.mp4").returncode == 0
    refused(render(home, image, audio, tmp_path / "b.mp4",
                   env={"TALKINGHEAD_KEEP_DAYS": "banana"}), "TALKINGHEAD_KEEP_DAYS")
    refused(cli(home, "--clean-jobs", "--keep-days", "-1"), "--keep-days")
    refused(cli(home, "--clean-jobs", "--max-store-gb", "-1"), "--max-store-gb")
    refused(cli(home, "--clean-jobs", "--keep-days", "nan"), "--keep-days")
    assert len(job_ids(home)) == 1 and not (tmp_path / "b.mp4").exists()


# 4. Numbers that are not numbers, and --verbose, keep exit 2.
@pytest.mark.parametrize("flags", [["--chunk-seconds", "nan"], ["--chunk-seconds", "inf"],
                                   ["--timeout", "nan"], ["--timeout", "inf"],
                                   ["--expression-scale", "nan"]])
def test_numbers_that_are_not_finite_are_refused(tmp_path, inputs, flags):
    image, audio = inputs
    refused(render(tmp_path / "home", image, audio, tmp_path / "a.mp4", *flags), flags[0])


def test_verbose_keeps_the_exit_status(tmp_path, inputs):
    image, _ = inputs
    result = render(tmp_path / "home", image, image, tmp_path / "a.mp4", "--verbose")
    assert result.returncode == 2 and "Traceback" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("talkinghead: ")


# 4. A damaged database is set aside; finished jobs are listed again.
def test_a_damaged_job_store_is_set_aside_and_rebuilt(tmp_path, inputs):
    image, audio = inputs
    home = tmp_path / "home"
    assert render(home, image, audio, tmp_path / "a.mp4").returncode == 0
    [job_id] = job_ids(home)
    database = home / "jobs.sqlite"
    page = 4096
    data = bytearray(database.read_bytes())
    assert len(data) > page  # a valid first page, damaged pages after it
    data[page:] = bytes(range(256)) * ((len(data) - page) // 256) + b"\xff" * (len(data) % 256)
    database.write_bytes(bytes(data))

    listing = cli(home, "--jobs")
    assert listing.returncode == 0, listing.stderr
    assert "Traceback" not in listing.stderr and listing.stderr.count("\n") == 1
    assert "damaged" in listing.stderr and job_id in listing.stdout
    assert len(list(home.glob("jobs.sqlite.damaged-*"))) == 1
    again = render(home, image, audio, tmp_path / "b.mp4")
    assert again.returncode == 0, again.stderr
    assert "reusing" in again.stderr and digest(tmp_path / "b.mp4") == digest(tmp_path / "a.mp4")
    assert cli(home, "--clean-jobs").returncode == 0


# 4. Full disks: at the output, and under the job store.
@pytest.fixture
def tiny_disk(tmp_path):
    """A small tmpfs: `.path` where it is mounted, `.resize(kilobytes)` to change its size."""
    mount = tmp_path / "tiny"
    mount.mkdir()

    def resize(kilobytes: int, remount: bool = True) -> None:
        options = f"{'remount,' if remount else ''}size={kilobytes}k"
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)],
                       check=True, capture_output=True)

    if sys.platform != "linux" or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root on Linux")
    try:
        resize(64, remount=False)
    except subprocess.CalledProcessError as e:
        pytest.skip(f"cannot mount a tmpfs here: {e.stderr.strip()}")
    yield SimpleNamespace(path=mount, resize=resize)
    subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_at_the_output(tmp_path, inputs, tiny_disk):
    image, audio = inputs
    home = tmp_path / "home"
    (tiny_disk.path / "filler").write_bytes(b"\0" * 32 * 1024)  # an almost full disk
    output = tiny_disk.path / "a.mp4"
    line = refused(render(home, image, audio, output), "disk is full", "a.mp4")
    assert "free some space" in line
    assert beside(output) == ["filler"]
    again = render(home, image, audio, tmp_path / "a.mp4")  # the store is fine: the job reused
    assert again.returncode == 0 and "reusing" in again.stderr


def test_a_full_disk_under_the_job_store(tmp_path, inputs, tiny_disk):
    image, audio = inputs
    home = tiny_disk.path / "home"
    refused(render(home, image, audio, tmp_path / "a.mp4"), "disk is full")
    assert not (tmp_path / "a.mp4").exists()
    tiny_disk.resize(64 * 1024)  # space freed: the same command now works
    again = render(home, image, audio, tmp_path / "a.mp4")
    assert again.returncode == 0, again.stderr


# 6. A transcript that cannot be used is said aloud.
def test_a_transcript_that_cannot_be_aligned_is_reported(tmp_path, inputs):
    image, audio = inputs
    transcript = tmp_path / "other.txt"
    transcript.write_text("The weather report says rain tomorrow over the northern hills and "
                          "valleys, with strong winds expected in the evening hours.")
    result = render(tmp_path / "home", image, audio, tmp_path / "a.mp4",
                    "--transcript", str(transcript))
    assert result.returncode == 0, result.stderr
    assert "transcript could not be aligned" in result.stderr


# 7. A render refused for its portrait while planning: one line, no failed job left behind.
def test_a_portrait_the_engine_cannot_animate_leaves_no_job(tmp_path, inputs, monkeypatch,
                                                           capsys):
    from talkinghead.cli import main
    from talkinghead.engines.warp import mesh
    from talkinghead.errors import NoFaceError
    from talkinghead.jobs.store import JobStore

    def irregular(*args):
        raise NoFaceError("the mouth landmarks are too irregular to animate")

    monkeypatch.setattr(mesh, "_check_ring_edges", irregular)
    monkeypatch.setenv("TALKINGHEAD_HOME", str(tmp_path / "home"))
    image, audio = inputs
    status = main(["--image", str(image), "--audio", str(audio), "--output",
                   str(tmp_path / "a.mp4"), "--quiet"])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "irregular" in err
    assert JobStore(tmp_path / "home").recent() == []


# 7. Chunk workers end quietly with their parent; the job then shows as interrupted.
def test_workers_end_with_their_parent_and_the_job_shows_interrupted(tmp_path, inputs):
    image, audio = inputs
    home = tmp_path / "home"
    command = [sys.executable, "-m", "talkinghead", "--image", str(image), "--audio", str(audio),
               "--output", str(tmp_path / "a.mp4"), "--quiet", "--size", "512",
               "--chunk-seconds", "1.5", "--workers", "2"]
    process = subprocess.Popen(command, env={**os.environ, "TALKINGHEAD_HOME": str(home)},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(home.glob("jobs/*/chunks/*.partial*")):
        assert process.poll() is None and time.monotonic() < deadline, "no chunk started"
        time.sleep(0.02)
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True,
                              text=True, check=False).stdout.split()
    assert children
    os.kill(process.pid, signal.SIGKILL)  # the main process alone
    _, stderr = process.communicate(timeout=30)  # every writer of its stderr is gone
    deadline = time.monotonic() + 10  # and they end a moment after closing their files
    while any(_running(pid) for pid in children):
        assert time.monotonic() < deadline, "a worker outlived its parent"
        time.sleep(0.05)
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
    listing = cli(home, "--jobs")
    assert "interrupted" in listing.stdout and "rendering" not in listing.stdout


# 7. --timeout counts from the start of the command; "auto" sets no limit on local renders.
class _Frames:
    """A progress sink that counts the frames drawn."""

    def __init__(self):
        from talkinghead.events import NullSink

        self._sink = NullSink(notices_to_stderr=False)
        self.drawn = 0

    def notice(self, message: str) -> None:
        pass

    def stage(self, name, total=None):
        from contextlib import contextmanager

        @contextmanager
        def counting():
            with self._sink.stage(name, total) as inner:
                class Counter:
                    def advance(_, n: int = 1) -> None:
                        if name == "render":
                            self.drawn += n
                        inner.advance(n)
                yield Counter()
        return counting()


def test_the_timeout_counts_planning_too(tmp_path, inputs, monkeypatch):
    from talkinghead import api
    from talkinghead.errors import RenderTimeoutError
    from talkinghead.jobs.store import JobStore

    planned = api.create_job

    def slow_plan(*args, **kwargs):
        job = planned(*args, **kwargs)
        time.sleep(1.0)  # planning took longer than the whole limit
        return job

    monkeypatch.setattr(api, "create_job", slow_plan)
    image, audio = inputs
    frames = _Frames()
    store = JobStore(tmp_path / "home")
    with pytest.raises(RenderTimeoutError):
        api.render(image, audio, tmp_path / "a.mp4", sink=frames, timeout_s=0.5, store=store)
    assert frames.drawn == 0  # stopped before drawing: the limit had passed while planning
    [job] = store.recent()
    assert job.state == "timed_out" and not (tmp_path / "a.mp4").exists()


def test_auto_sets_no_limit_on_local_renders(tmp_path, inputs, monkeypatch):
    from talkinghead import api
    from talkinghead.jobs.store import JobStore

    monkeypatch.setattr(api, "auto_timeout_s", lambda seconds: 0.001)  # the remote rule
    image, audio = inputs
    result = api.render(image, audio, tmp_path / "a.mp4", timeout_s="auto",
                        store=JobStore(tmp_path / "home"))
    assert result.frames == 182 and (tmp_path / "a.mp4").is_file()
