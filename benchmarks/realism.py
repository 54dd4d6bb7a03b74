"""Realism figures of rendered videos, measured on the decoded frames by landmark detection.

    python benchmarks/realism.py [--seconds 30] [--data ../shared/data] [--only art_1]
        [--keep DIR]   (keep the videos there)

For each portrait of ../shared/data/images, speaking the English clips of ../shared/data/audio
repeated to `--seconds` (after 0.4 s of silence, so that frame 0 shows the rest pose):
- crop 256, `natural` preset: head position spread (std of the eye corners' midpoint, % of
  the inter-ocular distance; target 2-8%), blinks a minute (eye aspect ratio dips; target
  8-25), next to the blinks the motion plan asked for, and the detector's eye aspect ratio
  on the frames the plan shuts the eyes, over its median ("shut EAR": about 0.5 where the
  detector sees the lids close; near 1 where it cannot, whatever the lids do);
- crop 256, `--still`: head position spread (target < 1%);
- full mode, `natural` preset: PSNR of everything outside the animated head region against the
  source (after H.264; target >= 40 dB), SSIM of the first frame's face against the source
  (target >= 0.95), face sharpness (variance of the Laplacian) over the source's (mean, and
  the 5th percentile of frames: blinks and open mouths change the face's content, not only
  its sharpness; target >= 0.8), the animated region's share of the picture, and the
  real-time factor of the whole render() call (on a shared machine: render_speed.py is the
  speed benchmark).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dev"))  # talkinghead_dev

import talkinghead
from talkinghead.api import derive_seed
from talkinghead.engines.warp.engine import WarpEngine
from talkinghead.face.framing import FramedPortrait, apply_framing, plan_framing
from talkinghead.face.landmarks import detect_face
from talkinghead.media.audio import load_audio
from talkinghead.media.image import load_portrait
from talkinghead.motion.plan import plan_motion
from talkinghead.speech.analysis import analyse_speech
from talkinghead_dev import quality
from talkinghead_dev.evaluation import repeated_speech
from talkinghead_dev.measure import video_frames

LEAD_IN_S = 0.4  # silence before the speech, as recordings have: frame 0 is the rest pose
FACE_MARGIN = 0.15  # the face region: the landmarks' box grown by 15% on each side
SHUT = 0.95  # planned blink value from which the eyes count as shut
CODEC_MARGIN_PX = 8  # H.264 blocks straddling the animated region's edge may change a little


def speech_clip(data: Path, seconds: float, work: Path) -> Path:
    """LEAD_IN_S of silence, then the English clips of `data` repeated to `seconds` (16 kHz WAV)."""
    clips = [data / "audio" / name for name in ("RD_Radio31_000.wav", "RD_Radio34_002.wav")]
    return repeated_speech(clips, seconds, work / f"speech_{seconds:g}s.wav", LEAD_IN_S)


def planned_blink(image: Path, audio: Path, settings) -> np.ndarray:
    """The blink channel of the motion plan the render used (the same seed): what detection
    should find."""
    portrait, sound = load_portrait(image), load_audio(audio)
    frames = max(1, round(sound.duration_s * settings.fps))
    seed = derive_seed(portrait.sha256, sound.sha256, settings)
    return plan_motion(analyse_speech(sound), settings, frames, seed).blink


def count_blinks(blink: np.ndarray) -> int:
    return int(np.count_nonzero((blink[1:] >= 0.5) & (blink[:-1] < 0.5)))


def shut_ear_share(ears: np.ndarray, blink: np.ndarray) -> float:
    """The detector's eye aspect ratio on the frames the plan shuts (blink >= 0.95), over its
    median: near 0.5 where it sees the lids close, near 1 where it does not (dlib on the
    deep-set painted eyes of art_1 places the upper lid on the socket's shadow)."""
    n = min(len(ears), len(blink))
    shut = (blink[:n] >= SHUT) & np.isfinite(ears[:n])
    return float(np.median(ears[:n][shut]) / np.nanmedian(ears)) if shut.any() else float("nan")


def crop_figures(image: Path, audio: Path, out: Path, fps: int = 25) -> dict:
    natural = out / f"{image.stem}_natural.mp4"
    settings = talkinghead.settings_for("natural")
    result = talkinghead.render(image, audio, natural, settings)
    moving = quality.track_faces(video_frames(natural))
    runs = quality.blink_runs(moving.ears)
    blink = planned_blink(image, audio, settings)
    still = out / f"{image.stem}_still.mp4"
    talkinghead.render(image, audio, still, talkinghead.settings_for("default", still=True))
    resting = quality.track_faces(video_frames(still), step=2)
    return {
        "natural %": 100 * moving.spread,
        "still %": 100 * resting.spread,
        "blinks/min": len(runs) / (result.frames / fps / 60),
        "planned/min": count_blinks(blink) / (result.frames / fps / 60),
        "shut EAR": shut_ear_share(moving.ears, blink),
        "blink ms": np.mean([(b - a) * 1000 / fps for a, b in runs]) if runs else float("nan"),
        "missed": int(np.isnan(moving.ears).sum()),
    }


def full_figures(image: Path, audio: Path, out: Path) -> dict:
    settings = talkinghead.settings_for("natural", preprocess="full")
    video = out / f"{image.stem}_full.mp4"
    started = time.monotonic()
    result = talkinghead.render(image, audio, video, settings)
    elapsed = time.monotonic() - started
    pixels = load_portrait(image).pixels
    face = detect_face(pixels)
    framing = plan_framing((pixels.shape[1], pixels.shape[0]), face, settings)
    canvas, framed = apply_framing(pixels, face, framing)
    state = WarpEngine().prepare(FramedPortrait(canvas, framed, framing.roi), settings)
    outside = ~grow(state.animated, CODEC_MARGIN_PX)
    x0, y0, x1, y1 = face_box(framed.points, canvas.shape)
    source_face = canvas[y0:y1, x0:x1]
    source_sharpness = quality.sharpness(source_face)
    psnrs, ratios, first_ssim = [], [], float("nan")
    for i, frame in enumerate(video_frames(video)):
        if outside.any():  # a portrait framed tightly may be animated everywhere
            psnrs.append(quality.psnr(frame, canvas, outside))
        ratios.append(quality.sharpness(frame[y0:y1, x0:x1]) / source_sharpness)
        if i == 0:
            first_ssim = quality.ssim(frame[y0:y1, x0:x1], source_face)
    return {
        "size": f"{canvas.shape[1]}x{canvas.shape[0]}",
        "PSNR out dB": min(psnrs) if psnrs else float("nan"),
        "SSIM 1st": first_ssim,
        "sharp mean": float(np.mean(ratios)),
        "sharp p5": float(np.percentile(ratios, 5)),
        "moving %": 100 * state.animated.mean(),
        "RTF": elapsed / result.duration_s,
    }


def face_box(points: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = FACE_MARGIN * (hi - lo)
    x0, y0 = np.maximum(np.floor(lo - pad), 0).astype(int)
    x1, y1 = np.minimum(np.ceil(hi + pad), (shape[1], shape[0])).astype(int)
    return int(x0), int(y0), int(x1), int(y1)


def grow(mask: np.ndarray, pixels: int) -> np.ndarray:
    import cv2

    kernel = np.ones((2 * pixels + 1, 2 * pixels + 1), np.uint8)
    return cv2.dilate(mask.astype(np.uint8), kernel) > 0


def main() -> None:
    os.environ["TALKINGHEAD_HOME"] = tempfile.mkdtemp(prefix="talkinghead-realism-")  # no reuse
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0, help="audio length (default 30)")
    parser.add_argument("--data", type=Path,
                        default=Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    parser.add_argument("--only", help="only portraits whose file name contains this")
    parser.add_argument("--keep", type=Path, help="keep the rendered videos in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        audio = speech_clip(args.data, args.seconds, Path(tmp))
        print(f"audio: {LEAD_IN_S:g} s of silence, then English speech to {args.seconds:g} s; "
              f"cores: {os.cpu_count()}")
        crop_cols = ("natural %", "still %", "blinks/min", "planned/min", "shut EAR",
                     "blink ms", "missed")
        full_cols = ("size", "PSNR out dB", "SSIM 1st", "sharp mean", "sharp p5", "moving %",
                     "RTF")
        print(f"{'portrait':<16}" + "".join(f"{c:>12}" for c in crop_cols + full_cols))
        for image in sorted((args.data / "images").iterdir()):
            if args.only and args.only not in image.name:
                continue
            row = {**crop_figures(image, audio, out), **full_figures(image, audio, out)}
            cells = [f"{row[c]:>12}" if isinstance(row[c], str) else f"{row[c]:>12.2f}"
                     for c in crop_cols + full_cols]
            print(f"{image.name:<16}" + "".join(cells), flush=True)


if __name__ == "__main__":
    main()
