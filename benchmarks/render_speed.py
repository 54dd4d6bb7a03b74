"""Real-time factor and peak memory of the default engine, per preprocess mode and size.

    python benchmarks/render_speed.py [--seconds 30] [--data ../shared/data]

Each configuration renders in a fresh process; the table shows the whole
command's wall time (start-up, model loading and encoding included), the
render() call alone, their real-time factors (seconds of processing per
second of audio) and the process's peak resident memory.
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

CHILD = """
import json, sys, talkinghead
image, audio, output, settings = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
result = talkinghead.render(image, audio, output, talkinghead.RenderSettings(**settings))
print(json.dumps({"render_s": result.processing_s, "audio_s": result.duration_s,
                  "size": f"{result.width}x{result.height}"}))
"""

CONFIGS = [  # (label, image, settings)
    ("crop 256", "people_0.png", {"preprocess": "crop", "size": 256}),
    ("crop 512", "art_1.png", {"preprocess": "crop", "size": 512}),
    ("resize 256", "sad.png", {"preprocess": "resize", "size": 256}),
    ("full 720p", "720p", {"preprocess": "full"}),
    ("full 800x1200", "full_body_1.png", {"preprocess": "full"}),
]


def long_speech(data: Path, seconds: float, work: Path) -> Path:
    """The English clips of ../shared/data repeated to `seconds`, as 16 kHz mono WAV."""
    from talkinghead.evaluation import repeated_speech

    clips = [data / "audio" / name for name in ("RD_Radio31_000.wav", "RD_Radio34_002.wav")]
    return repeated_speech(clips, seconds, work / f"speech_{seconds:g}s.wav")


def portrait_720p(data: Path, work: Path) -> Path:
    """A 1280 x 720 head-and-shoulders frame cut from the full-body shot."""
    from PIL import Image

    image = Image.open(data / "images" / "full_body_1.png").convert("RGB")
    path = work / "presenter_720p.png"
    image.crop((0, 60, 800, 510)).resize((1280, 720), Image.LANCZOS).save(path)
    return path


def run_one(image: Path, audio: Path, output: Path, settings: dict) -> dict:
    """One render in a fresh process with an empty job store (a reused job would time nothing)."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as home:
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(image), str(audio),
                                  str(output), json.dumps(settings)], stdout=subprocess.PIPE,
                                 text=True, env={**os.environ, "TALKINGHEAD_HOME": home})
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"render failed for {image} {settings}")
    result = json.loads(child.stdout.read())
    return {**result, "wall_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024}


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
        print(f"{'config':<15}{'output':>10}{'wall s':>9}{'RTF':>7}{'render s':>10}"
              f"{'RTF':>7}{'peak RSS MB':>13}")
        for label, image_name, settings in CONFIGS:
            if args.only and args.only not in label:
                continue
            image = (portrait_720p(args.data, work) if image_name == "720p"
                     else args.data / "images" / image_name)
            r = run_one(image, audio, work / "out.mp4", settings)
            print(f"{label:<15}{r['size']:>10}{r['wall_s']:>9.2f}"
                  f"{r['wall_s'] / r['audio_s']:>7.3f}{r['render_s']:>10.2f}"
                  f"{r['render_s'] / r['audio_s']:>7.3f}{r['peak_rss_mb']:>13.0f}")


if __name__ == "__main__":
    main()
