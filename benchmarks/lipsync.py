"""Lip-sync accuracy, measured on rendered frames by landmark detection.

    python benchmarks/lipsync.py [--voices all|quick] [--fps 25] [--data ../shared/data]

English: eSpeak NG speaks the paragraph of `dev/talkinghead_dev/evaluation/corpus.py` in each voice,
reporting every phoneme's start, so the truth is known by construction. Each clip is analysed
and planned as a render would (without and with its transcript), rendered on each portrait in
memory, and the mouth measured on every frame (dlib 68 landmarks: inner-lip gap over the
inter-ocular distance). Other languages and singing: the clips of ../shared/data/audio,
judged at their syllable peaks and pauses. Definitions, in `dev/talkinghead_dev/evaluation/`:
`rendered.py` (sealed, open, at rest) and `scores.py` (each figure). Goals from issue 11 are printed
under each table. `--fps 30` or `--fps 60` plans and renders at that rate (issue 10: lip sync
must hold at every output rate; the measure judges 40 ms, one frame at 25 fps, at every rate: see
`talkinghead_dev/evaluation/scores.py`). Needs Debian's
espeak-ng.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dev"))  # talkinghead_dev

from talkinghead.settings import FPS, FPS_CHOICES, RenderSettings
from talkinghead_dev.evaluation import (
    QUICK_VOICES,
    VOICES,
    english_scores,
    english_speech,
    espeak_available,
    plan_known_speech,
    plan_recording,
    prepare_stage,
    recording_scores,
)

SAMPLE_PORTRAIT = Path(__file__).resolve().parent.parent / "src" / "talkinghead" / "samples" / \
    "portrait.jpg"
PORTRAITS = ("images/people_0.png", "images/sad.png")  # closed mouth; lips apart (sad)
RECORDINGS = ("japanese.wav", "deyu.wav", "bus_chinese.wav", "imagine.wav")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", choices=("all", "quick"), default="all")
    parser.add_argument("--fps", type=int, choices=FPS_CHOICES, default=FPS)
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    args = parser.parse_args()
    if not espeak_available():
        print("espeak-ng is not installed (apt-get install espeak-ng)", file=sys.stderr)
        return 2
    portraits = [SAMPLE_PORTRAIT] + [args.data / p for p in PORTRAITS
                                     if (args.data / p).is_file()]
    stages = [prepare_stage(p) for p in portraits]
    voices = VOICES if args.voices == "all" else QUICK_VOICES
    clips = english_speech(voices)
    seconds = sum(c.duration_s for c in clips)
    bilabials = sum(1 for c in clips for p in c.phonemes
                    if p.symbol in ("p", "b", "m") and p.position in ("initial", "medial"))
    settings = RenderSettings(fps=args.fps)
    names = ", ".join(f"{v} {r} wpm" for v, r in voices)
    print(f"{args.fps} fps. English: {len(clips)} voices ({names}), "
          f"{seconds:.0f} s, {bilabials} word-initial and medial bilabials")
    rows = []
    for with_transcript in (False, True):
        started = time.process_time()
        plans = [plan_known_speech(c, with_transcript, settings) for c in clips]
        cpu = time.process_time() - started
        print(f"  speech analysis + planning {'with' if with_transcript else 'without'} "
              f"transcript: {cpu / seconds:.3f} s of CPU per second of audio")
        for stage in stages:
            rows.append((stage.name, "yes" if with_transcript else "no",
                         english_scores(stage, clips, plans)))
    header = ("portrait", "transcript", "bilabials", "initial", "medial", "final",
              "open vowels", "tongue sealed", "pause rest", "lag")
    table = [header]
    for name, transcript, s in rows:
        lag = s.lag_range
        table.append((name, transcript, str(s.bilabials), str(s.bilabial_initial),
                      str(s.bilabial_medial), str(s.bilabial_final), str(s.open_vowels),
                      str(s.tongue_sealed), str(s.pause_rest),
                      "n/a" if lag is None else f"{lag[0]}..{lag[1]}"))
    _print(table)
    print("goals: bilabials >= 90% (>= 95% with transcript), open vowels >= 90%, tongue "
          "sealed <= 30%, pause rest >= 90%, lag within -2..0 frames (negative: early)")

    recordings = [args.data / "audio" / name for name in RECORDINGS
                  if (args.data / "audio" / name).is_file()]
    if recordings:
        print("\nOther languages and singing (../shared/data/audio):")
        table = [("clip", "portrait", "open at syllable peaks", "pause rest", "flaps")]
        planned = [plan_recording(path, settings) for path in recordings]
        totals = {}
        for recording in planned:
            for stage in stages:
                s = recording_scores(stage, recording)
                totals[stage.name] = s if stage.name not in totals else totals[stage.name] + s
                table.append((recording.name, stage.name, str(s.open_at_peaks),
                              str(s.pause_rest), str(s.flaps)))
        for name, s in totals.items():
            table.append(("all", name, str(s.open_at_peaks), str(s.pause_rest), str(s.flaps)))
        _print(table)
        print("goals: open at >= 85% of syllable peaks, rest in pauses, no flaps")
    return 0


def _print(table: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    sys.exit(main())
