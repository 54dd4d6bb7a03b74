"""Speed of the sadtalker engine: planning and rendering, as a real-time factor.

    python benchmarks/sadtalker_speed.py [--sizes 256 512] [--frames 4] [--checkpoints DIR]

Without --checkpoints, stand-in weights (published layout, random values; written to a
temporary folder, ~700 MB) are used: the speed of a network does not depend on its
weights' values. Times the three stages of a job on this machine's device (CUDA when
available, else the CPU): planning (3DMM + audio networks, per audio second),
preparing a chunk worker (loading the renderer, encoding the portrait), and drawing
frames. The real-time factor is render seconds per second of 25 fps video (1.0 =
real time; higher is slower).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dev"))  # talkinghead_dev

from talkinghead.engines.sadtalker import checkpoints, engine
from talkinghead.engines.sadtalker.coefficients import plan_coefficients
from talkinghead.events import NullSink
from talkinghead.face.framing import FramedPortrait, apply_framing, plan_framing
from talkinghead.face.landmarks import detect_face
from talkinghead.media.audio import load_audio
from talkinghead.media.image import load_portrait
from talkinghead.settings import RenderSettings
from talkinghead_dev import standin

SAMPLES = Path(__file__).resolve().parent.parent / "src" / "talkinghead" / "samples"


def standins(folder: Path, sizes: list[int]) -> Path:
    bundle = standin.write_standin_bundle(folder / checkpoints.BUNDLE_256.name)
    if 512 in sizes:  # the two bundles share one layout
        os.link(bundle, folder / checkpoints.BUNDLE_512.name)
    standin.write_standin_mapping(folder / checkpoints.MAPPING_CROP.name, 70)
    return folder


def measure(size: int, frames: int, device: torch.device) -> dict[str, float]:
    settings = RenderSettings(size=size)
    portrait = load_portrait(SAMPLES / "portrait.jpg")
    face = detect_face(portrait.pixels, NullSink())
    framing = plan_framing((portrait.width, portrait.height), face, settings)
    canvas, framed = apply_framing(portrait.pixels, face, framing)
    audio = load_audio(SAMPLES / "speech.ogg")
    found = checkpoints.locate(size, "crop", checkpoints.checkpoint_directory())
    blink = np.zeros(round(audio.duration_s * settings.fps))
    plan_coefficients(canvas, framed, audio.samples[:16000], settings, np.zeros(25), 0, found,
                      device)  # load the planning networks before timing
    started = time.perf_counter()
    track = plan_coefficients(canvas, framed, audio.samples, settings, blink, 0, found, device)
    plan_s = time.perf_counter() - started
    sad = engine.SadTalkerEngine()
    started = time.perf_counter()
    state = sad.prepare_track(track, FramedPortrait(canvas, framed, framing.roi), settings)
    prepare_s = time.perf_counter() - started
    next(iter(sad.render(state, None, 0, 1)))  # warm-up frame
    started = time.perf_counter()
    for _ in sad.render(state, None, 1, 1 + frames):
        pass
    if device.type == "cuda":
        torch.cuda.synchronize()
    per_frame = (time.perf_counter() - started) / frames
    return {"plan_per_audio_s": plan_s / audio.duration_s, "prepare_s": prepare_s,
            "frame_s": per_frame, "rtf": per_frame * 25}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256], choices=[256, 512])
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--checkpoints", type=Path, default=None,
                        help="real checkpoints (default: stand-ins in a temporary folder)")
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.checkpoints or standins(Path(scratch), args.sizes)
        os.environ[checkpoints.CHECKPOINTS_ENV] = str(folder)
        name = torch.cuda.get_device_name() if device.type == "cuda" else (
            f"CPU, {torch.get_num_threads()} threads")
        print(f"sadtalker engine on {name} (torch {torch.__version__}), "
              f"{args.frames} frames per size, {'real' if args.checkpoints else 'stand-in'} "
              "weights\n")
        print("| size | plan s per audio s | prepare s | s per frame | real-time factor |")
        print("|---|---|---|---|---|")
        for size in args.sizes:
            r = measure(size, args.frames, device)
            print(f"| {size} | {r['plan_per_audio_s']:.2f} | {r['prepare_s']:.1f} | "
                  f"{r['frame_s']:.2f} | {r['rtf']:.0f}x |")


if __name__ == "__main__":
    main()
