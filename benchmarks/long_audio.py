"""Long audio as a chunked job: real-time factor and memory at 1 and 10 minutes.

    python benchmarks/long_audio.py [--minutes 1 10] [--workers N] [--data ../shared/data]

Builds speech of each length from the ../shared/data clips, renders it with
the CLI in a fresh job store, and samples the memory of the whole process tree
(the CLI and its chunk workers) every 0.1 s from /proc. Flat memory means the
10-minute peak stays within 1.3x of the 1-minute one. Beside the tree's peak, the table
gives the peak of the render process alone and of the largest worker, to show where memory
that grows with the length of the audio lives.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dev"))  # talkinghead_dev

CLIPS = ("RD_Radio31_000.wav", "RD_Radio34_002.wav", "deyu.wav", "japanese.wav")


def build_speech(data: Path, seconds: float, path: Path) -> None:
    from talkinghead_dev.evaluation import repeated_speech

    repeated_speech([data / "audio" / name for name in CLIPS], seconds, path)


def tree_rss_mb(root: int) -> dict[int, float]:
    """Resident memory of `root` and each of its descendants, in MB, by process id."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/statm") as f:
                rss[int(entry)] = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    tree, stack = {}, [root]
    while stack:
        pid = stack.pop()
        tree[pid] = rss.get(pid, 0) / 1e6
        stack.extend(children.get(pid, []))
    return tree


@dataclass
class Peaks:
    """Peak resident memory (MB) of the whole tree, of the render process, of any worker."""

    tree: float = 0.0
    render: float = 0.0
    worker: float = 0.0

    def add(self, root: int, sample: dict[int, float]) -> None:
        self.tree = max(self.tree, sum(sample.values()))
        self.render = max(self.render, sample.get(root, 0.0))
        self.worker = max(self.worker, *(mb for pid, mb in sample.items() if pid != root), 0.0)


def run(image: Path, audio: Path, out: Path, home: Path,
        workers: int | None) -> tuple[float, Peaks]:
    env = {**os.environ, "TALKINGHEAD_HOME": str(home)}
    command = [sys.executable, "-m", "talkinghead", "--image", str(image), "--audio", str(audio),
               "--output", str(out), "--quiet"]
    if workers:
        command += ["--workers", str(workers)]
    started = time.monotonic()
    process = subprocess.Popen(command, env=env)
    peaks = Peaks()
    while process.poll() is None:
        peaks.add(process.pid, tree_rss_mb(process.pid))
        time.sleep(0.1)
    if process.returncode:
        raise SystemExit(f"render failed ({process.returncode})")
    return time.monotonic() - started, peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 10])
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--image", default="people_0.png")
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    args = parser.parse_args()
    print(f"crop 256, default settings, {os.cpu_count()} cores, workers: "
          f"{args.workers or 'default'}")
    print(f"{'audio':>8}{'wall s':>9}{'RTF':>7}{'peak RSS MB: tree':>19}{'render':>8}"
          f"{'worker':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for minutes in args.minutes:
            audio = work / f"speech_{minutes:g}min.wav"
            build_speech(args.data, minutes * 60, audio)
            wall, peaks = run(args.data / "images" / args.image, audio, work / "out.mp4",
                              work / f"home{minutes:g}", args.workers)
            print(f"{minutes:>6g} m{wall:>9.1f}{wall / (minutes * 60):>7.3f}{peaks.tree:>19.0f}"
                  f"{peaks.render:>8.0f}{peaks.worker:>8.0f}")


if __name__ == "__main__":
    main()
