"""Real-time factor, CPU per stage and peak memory of the default engine, against libx264.

    python benchmarks/render_speed.py [--seconds 30] [--data ../shared/data] [--only LABEL]

One row per preprocess mode and size, in one table:
- wall s and RTF: the whole command in a fresh process (start-up, model loading, encoding and
  joining included; seconds of processing per second of audio), on every core;
- CPU seconds per audio second of each stage (face, speech, plan, frames, encode, join), from
  a second render of the same configuration in one process (--workers 1: the workers of the
  first would hide each stage's CPU); plan is everything between the speech and the first
  frame (framing, motion planning, saving the job); encode is our encoder's CPU for the
  rendered frames, timed again here (whole frames converted, so a little more than a render
  spends), and frames the rest of the render stage: drawing;
- peak RSS of the largest process of the first render;
- the floor: libx264 (veryfast) encoding the same number of frames at the same size, timed in
  this run, and the row's wall time as a multiple of it (machines differ; ratios measured in
  one run compare).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dev"))  # talkinghead_dev

CHILD = """
import json, resource, sys
from contextlib import contextmanager
import talkinghead
from talkinghead.events import NullSink

def cpu():
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))

class Stages(NullSink):  # CPU seconds of each stage, and of the plan (between speech and render)
    def __init__(self):
        super().__init__(notices_to_stderr=False)
        self.cpu = {}
        self.ended = None  # CPU when the last stage ended
    @contextmanager
    def stage(self, name, total=None):
        used = cpu()
        if name == "render" and self.ended is not None:
            self.cpu["plan"] = used - self.ended
        with super().stage(name, total) as progress:
            yield progress
        self.ended = cpu()
        self.cpu[name] = self.ended - used

image, audio, output, settings = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
workers = int(sys.argv[5]) if sys.argv[5] else None
sink = Stages()
result = talkinghead.render(image, audio, output, talkinghead.RenderSettings(**settings),
                            sink=sink, workers=workers)
print(json.dumps({"render_s": result.processing_s, "audio_s": result.duration_s,
                  "size": f"{result.width}x{result.height}", "frames": result.frames,
                  "fps": result.fps, "stages": sink.cpu}))
"""
STAGES = ("face", "speech", "plan", "render", "join")  # render: the frames, drawn and encoded
COLUMNS = ("face", "speech", "plan", "frames", "encode", "join")

CONFIGS = [  # (label, image, settings)
    ("crop 256", "people_0.png", {"preprocess": "crop", "size": 256}),
    ("crop 512", "art_1.png", {"preprocess": "crop", "size": 512}),
    ("resize 256", "sad.png", {"preprocess": "resize", "size": 256}),
    ("full 720p", "720p", {"preprocess": "full"}),
    ("full 800x1200", "full_body_1.png", {"preprocess": "full"}),
]


def long_speech(data: Path, seconds: float, work: Path) -> Path:
    """The English clips of ../shared/data repeated to `seconds`, as 16 kHz mono WAV."""
    from talkinghead_dev.evaluation import repeated_speech

    clips = [data / "audio" / name for name in ("RD_Radio31_000.wav", "RD_Radio34_002.wav")]
    return repeated_speech(clips, seconds, work / f"speech_{seconds:g}s.wav")


def portrait_720p(data: Path, work: Path) -> Path:
    """A 1280 x 720 head-and-shoulders frame cut from the full-body shot."""
    from PIL import Image

    image = Image.open(data / "images" / "full_body_1.png").convert("RGB")
    path = work / "presenter_720p.png"
    image.crop((0, 60, 800, 510)).resize((1280, 720), Image.LANCZOS).save(path)
    return path


def run_one(image: Path, audio: Path, output: Path, settings: dict,
            workers: int | None = None) -> dict:
    """One render in a fresh process with an empty job store (a reused job would time nothing);
    `workers` 1 keeps every stage in that process."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as home:
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(image), str(audio),
                                  str(output), json.dumps(settings), str(workers or "")],
                                 stdout=subprocess.PIPE,
                                 text=True, env={**os.environ, "TALKINGHEAD_HOME": home})
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"render failed for {image} {settings}")
    result = json.loads(child.stdout.read())
    return {**result, "wall_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024,
            "cpu_s": usage.ru_utime + usage.ru_stime}


def encode_cpu_s(video: Path, width: int, height: int, fps: int) -> float:
    """CPU seconds our encoder (media.video.VideoEncoder, whole frames converted) takes for the
    frames of `video` (width x height at fps): decoding and encoding them, less decoding them
    alone."""
    import resource

    import av

    from talkinghead.media.video import VideoEncoder

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def decode_and(write) -> float:
        started = cpu()
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                write(frame.to_ndarray(format="rgb24"))
        return cpu() - started

    decoding = decode_and(lambda frame: None)
    with tempfile.TemporaryDirectory() as tmp, \
            VideoEncoder(Path(tmp) / "again.mp4", width, height, fps) as encoder:
        both = decode_and(encoder.write)
    return both - decoding


def x264_floor_s(width: int, height: int, frames: int, fps: int) -> float:
    """Seconds libx264 (preset veryfast, yuv420p) takes to encode `frames` moving frames."""
    import av
    import numpy as np

    y, x = np.mgrid[0:height, 0:width]
    pattern = [np.dstack([(x + 8 * i) % 256, (y + 4 * i) % 256, (x + y + 6 * i) % 256])
               .astype(np.uint8) for i in range(25)]
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        with av.open(str(Path(tmp) / "floor.mp4"), "w") as container:
            stream = container.add_stream("libx264", rate=fps)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.options = {"preset": "veryfast"}
            for i in range(frames):
                frame = av.VideoFrame.from_ndarray(pattern[i % len(pattern)], format="rgb24")
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
        return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0, help="audio length (default 30)")
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    parser.add_argument("--only", help="run only configurations whose label contains this")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        audio = long_speech(args.data, args.seconds, work)
        print(f"audio: {args.seconds:g} s of English speech; cores: {os.cpu_count()}")
        print(f"{'':<25}{'':>14}|{'CPU s per audio s, one process':^48}|")
        print(f"{'config':<15}{'output':>10}{'wall s':>7}{'RTF':>7}|"
              + "".join(f"{name:>8}" for name in COLUMNS)
              + f"|{'peak RSS MB':>12}{'floor RTF':>10}{'/ floor':>8}")
        for label, image_name, settings in CONFIGS:
            if args.only and args.only not in label:
                continue
            image = (portrait_720p(args.data, work) if image_name == "720p"
                     else args.data / "images" / image_name)
            r = run_one(image, audio, work / "out.mp4", settings)
            alone = run_one(image, audio, work / "out.mp4", settings, workers=1)
            width, height = map(int, r["size"].split("x"))
            floor = x264_floor_s(width, height, r["frames"], r["fps"])
            cpu = {name: alone["stages"].get(name, 0.0) for name in STAGES}
            cpu["encode"] = encode_cpu_s(work / "out.mp4", width, height, r["fps"])
            cpu["frames"] = cpu.pop("render") - cpu["encode"]
            stages = "".join(f"{cpu[name] / r['audio_s']:>8.3f}" for name in COLUMNS)
            print(f"{label:<15}{r['size']:>10}{r['wall_s']:>7.2f}"
                  f"{r['wall_s'] / r['audio_s']:>7.3f}|{stages}|{r['peak_rss_mb']:>12.0f}"
                  f"{floor / r['audio_s']:>10.3f}{r['wall_s'] / floor:>8.2f}")

if __name__ == "__main__":
    main()
