"""Lip sync at 30, 50 or 60 fps is as good as at 25 fps (issue 10), by issue 11's measure.

    python benchmarks/frame_rates.py [--fps 60] [--portrait sad.png] [--transcript]
                                     [--data ../shared/data]

The same eSpeak NG speech (known phoneme times; synthesised once, since eSpeak NG does not say a
text the same way twice) is planned and rendered at 25 fps and at --fps on one portrait (by
default sad.png, narrow-mouthed, from recognised phones: the case where 60 fps once sealed half
the tongue consonants), and every figure of `evaluation.scores` is compared with the 25 fps
render, with a slack of one case in ~100 (the renders differ in frame phase, not in skill). The
measure judges time, not frames (a state held 40 ms, within 40 ms), so the figures mean the same
at each rate. Prints a table, and exits 1 where a figure falls short. Needs Debian's espeak-ng.
This was a test of the suite until its 1.5 minutes of CI time had to go.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dev"))  # talkinghead_dev

from talkinghead.settings import FPS_CHOICES, RenderSettings
from talkinghead_dev.evaluation import (
    QUICK_VOICES,
    english_scores,
    english_speech,
    espeak_available,
    plan_known_speech,
    prepare_stage,
)

DETECT_EVERY = 5  # face box every 5th frame, landmarks on every frame (as benchmarks/lipsync.py)
SLACK = 0.03  # one bilabial or vowel in ~100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fps", type=int, choices=[f for f in FPS_CHOICES if f != 25],
                        default=60)
    parser.add_argument("--portrait", default="sad.png", help="a file of DATA/images")
    parser.add_argument("--transcript", action="store_true",
                        help="time the mouth by aligning the text (default: recognised phones)")
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "data")
    args = parser.parse_args()
    if not espeak_available():
        print("espeak-ng is not installed (apt-get install espeak-ng)", file=sys.stderr)
        return 2
    clips = english_speech(QUICK_VOICES)
    stage = prepare_stage(str(args.data / "images" / args.portrait))

    def scores(fps: int):
        plans = [plan_known_speech(clip, args.transcript, RenderSettings(fps=fps))
                 for clip in clips]
        return english_scores(stage, clips, plans, DETECT_EVERY)

    base, rate = scores(25), scores(args.fps)
    checks = [
        ("bilabials sealed", base.bilabials, rate.bilabials,
         rate.bilabials.share >= base.bilabials.share - SLACK),
        ("open vowels open", base.open_vowels, rate.open_vowels,
         rate.open_vowels.share >= min(0.9, base.open_vowels.share - SLACK)),
        ("tongue consonants sealed", base.tongue_sealed, rate.tongue_sealed,
         rate.tongue_sealed.share <= max(0.3, base.tongue_sealed.share + SLACK)),
        ("pauses at rest", base.pause_rest, rate.pause_rest,
         rate.pause_rest.share >= min(0.9, base.pause_rest.share - SLACK)),
    ]
    lag_ok = rate.lag_range is not None and -2 <= rate.lag_range[0] and rate.lag_range[1] <= 0
    print(f"{args.portrait}, {'transcript' if args.transcript else 'recognised phones'}")
    print(f"{'figure':<26}{'25 fps':>18}{f'{args.fps} fps':>18}  holds")
    for name, at_25, at_rate, ok in checks:
        print(f"{name:<26}{at_25!s:>18}{at_rate!s:>18}  {'yes' if ok else 'NO'}")
    print(f"{'lag range (frames)':<26}{base.lag_range!s:>18}{rate.lag_range!s:>18}  "
          f"{'yes' if lag_ok else 'NO'}")
    return 0 if all(ok for *_, ok in checks) and lag_ok else 1


if __name__ == "__main__":
    sys.exit(main())
