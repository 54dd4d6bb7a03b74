"""Ours against real speakers: brows, head, gaze, blinks and mouth on the same speech.

    python benchmarks/liveliness.py CLIP.mp4 [CLIP.mp4 ...] [--preset natural] [--frame N]
                                    [--keep DIR]

Each CLIP is a real talking-head video with its sound (for example HDTF's
WDA_AlexandriaOcasioCortez_000.mp4 and WDA_KatieHill_000.mp4, which SadTalker ships under
examples/ref_video; fetch them yourself, they are not part of this repository). Its first frame
is rendered speaking the clip's own sound (full mode, so the framing stays the clip's), and both
videos are measured by the same landmark probe (dev/talkinghead_dev/liveliness.py). The table
gives each figure for the real clip and for ours, and ours over real; the goals of the
liveliness issue are ours/real between 0.5 and 1.5 for brows, head and gaze, 0.8 to 1.3 for the
mouth, and 10 to 45 blinks a minute.

`--frame N` renders the clip's frame N instead of its first. Both HDTF clips begin with the
mouth open mid-word; a frame with the lips closed (Ocasio-Cortez 82, Hill 60) shows the common
case of a portrait with a closed mouth, whose opening our engine draws from nothing.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dev"))  # talkinghead_dev

# (row label, Liveliness field, goal for ours/real)
SPREADS = (("brows", "brow_std", (0.5, 1.5)), ("head", "head_std", (0.5, 1.5)),
           ("gaze", "gaze_std", (0.5, 1.5)), ("mouth", "mouth_std_speaking", (0.8, 1.3)))
BLINK_GOAL = (10, 45)  # a minute


def measure(video: Path, audio: Path):
    """The liveliness figures of `video`, whose speech is `audio`."""
    import av

    from talkinghead.media.audio import load_audio
    from talkinghead_dev.liveliness import frame_loudness_db, liveliness, probe_frame
    from talkinghead_dev.measure import video_frames

    with av.open(str(video)) as container:
        fps = float(container.streams.video[0].average_rate)
    probed = [probe_frame(frame) for frame in video_frames(video)]
    sound = load_audio(audio)
    loudness = frame_loudness_db(sound.samples, sound.sample_rate, fps, len(probed))
    return liveliness(probed, loudness, fps)


def render_frame(clip: Path, index: int, preset: str, work: Path) -> Path:
    """Our video of the clip's frame `index` speaking the clip's sound."""
    import cv2

    import talkinghead
    from talkinghead.events import NullSink
    from talkinghead.jobs.store import JobStore
    from talkinghead_dev.measure import video_frames

    portrait = work / f"{clip.stem}_frame{index}.png"
    frame = next(itertools.islice(video_frames(clip), index, None), None)
    if frame is None:
        raise SystemExit(f"{clip.name} has no frame {index}")
    cv2.imwrite(str(portrait), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    output = work / f"{clip.stem}_frame{index}_ours_{preset}.mp4"
    settings = talkinghead.settings_for(preset, preprocess="full")
    talkinghead.render(portrait, clip, output, settings, sink=NullSink(notices_to_stderr=False),
                       store=JobStore(work / "store"))
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clips", nargs="+", type=Path, help="real talking clips with sound")
    parser.add_argument("--preset", default="natural")
    parser.add_argument("--frame", type=int, default=0,
                        help="render this frame of each clip (default: the first)")
    parser.add_argument("--keep", type=Path, help="keep our videos in this folder")
    args = parser.parse_args()
    from talkinghead_dev.liveliness import MOUTH_PERCENTILES

    percentiles = "/".join(map(str, MOUTH_PERCENTILES))
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print(f"preset {args.preset}, frame {args.frame}; figures in inter-ocular distances "
              "(blinks a minute)")
        print(f"{'clip':<34}{'figure':<8}{'real':>9}{'ours':>9}{'ours/real':>11}  goal")
        for clip in args.clips:
            real = measure(clip, clip)
            ours = measure(render_frame(clip, args.frame, args.preset, work), clip)
            for label, field, (lo, hi) in SPREADS:
                r, o = getattr(real, field), getattr(ours, field)
                mark = "ok" if lo <= o / r <= hi else "off"
                print(f"{clip.stem:<34}{label:<8}{r:>9.4f}{o:>9.4f}{o / r:>11.2f}  "
                      f"{lo}-{hi} {mark}")
            lo, hi = BLINK_GOAL
            mark = "ok" if lo <= ours.blinks_per_minute <= hi else "off"
            print(f"{clip.stem:<34}{'blinks':<8}{real.blinks_per_minute:>9.1f}"
                  f"{ours.blinks_per_minute:>9.1f}{'':>11}  {lo}-{hi} {mark}")
            print(f"{clip.stem:<34}mouth, percentiles {percentiles} while speaking: real "
                  f"{_listed(real.mouth_percentiles_speaking)}, ours "
                  f"{_listed(ours.mouth_percentiles_speaking)}")


def _listed(values: tuple[float, ...]) -> str:
    return " / ".join(f"{v:.3f}" for v in values)


if __name__ == "__main__":
    main()
