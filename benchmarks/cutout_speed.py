"""What `--background` costs: seconds per job for the cut-out, and per frame for drawing it.

    python benchmarks/cutout_speed.py [--data ../shared/data] [--frames 50] [--resolution 1280x720]

For each shared portrait, framed at --resolution (16:9 by default), the table gives the
cut-out's one-off cost (person matte, framing, foreground colours, and the backdrop of
`--background blur`), and the milliseconds per frame of the warp engine without a matte,
with one (transparent: RGBA), and with the blend over a backdrop, over the same head motion.
CPU seconds (`time.process_time`) are printed beside wall seconds.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from talkinghead.engines.warp.engine import WarpEngine
from talkinghead.engines.warp.rig import FramePose
from talkinghead.events import NullSink
from talkinghead.face.framing import FramedPortrait, apply_framing, plan_framing
from talkinghead.face.landmarks import detect_face
from talkinghead.face.matte import foreground_colours, framed_person_matte
from talkinghead.media.compose import Compositor, backdrop_for
from talkinghead.media.image import load_portrait
from talkinghead.settings import RenderSettings, parse_resolution

ROOT = Path(__file__).resolve().parents[1]


def poses(count: int) -> list[FramePose]:
    """A nod and a turn with the mouth opening and closing: every part of the rig moves."""
    t = np.linspace(0, 2 * np.pi, count)
    return [FramePose(jaw_open=float(0.5 + 0.5 * np.sin(3 * a)), yaw=float(0.15 * np.sin(a)),
                      pitch=float(0.08 * np.sin(2 * a)), shift_x=float(0.05 * np.cos(a)))
            for a in t]


def timed(action, *args):
    wall, cpu = time.perf_counter(), time.process_time()
    result = action(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def prepare_cut_out(portrait, face, framing, canvas, framed_face):
    """What a cut-out job does once: the matte, the blur backdrop, the person's colours."""
    matte = framed_person_matte(portrait.pixels, face, framing)
    backdrop = backdrop_for("blur", canvas, matte)
    colours = foreground_colours(canvas, matte, framed_face.interocular)
    return (matte * 255 + 0.5).astype(np.uint8), backdrop, colours


def draw(engine, state, motion, compose) -> None:
    for pose in motion:
        frame = engine.render_frame(state, pose)
        if compose is not None:
            compose(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--frames", type=int, default=50)
    parser.add_argument("--resolution", default="1280x720")
    args = parser.parse_args()
    settings = RenderSettings(aspect="16:9", resolution=parse_resolution(args.resolution),
                              background="blur")
    print(f"{'portrait':<16}{'cut-out s':>10}{'cpu s':>8}{'ms/frame':>10}{'+alpha':>9}"
          f"{'+blend':>9}")
    for path in sorted((args.data / "images").iterdir()):
        portrait = load_portrait(path)
        face = detect_face(portrait.pixels, NullSink(notices_to_stderr=False))
        framing = plan_framing((portrait.width, portrait.height), face, settings)
        canvas, framed_face = apply_framing(portrait.pixels, face, framing)
        (matte, backdrop, colours), wall, cpu = timed(prepare_cut_out, portrait, face, framing,
                                                      canvas, framed_face)
        engine = WarpEngine()
        plain = engine.prepare(FramedPortrait(canvas, framed_face, framing.roi), settings)
        alpha = engine.prepare(FramedPortrait(colours, framed_face, framing.roi, matte),
                               settings)
        blend = Compositor(backdrop, np.dstack([colours, matte]), framing.roi)
        motion = poses(args.frames)
        costs = []
        for state, compose in ((plain, None), (alpha, None), (alpha, blend)):
            costs.append(timed(draw, engine, state, motion, compose)[1] / args.frames * 1000)
        print(f"{path.stem:<16}{wall:>10.2f}{cpu:>8.2f}{costs[0]:>10.1f}"
              f"{costs[1] - costs[0]:>+9.1f}{costs[2] - costs[1]:>+9.1f}")


if __name__ == "__main__":
    main()
