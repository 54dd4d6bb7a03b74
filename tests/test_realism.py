"""The realism targets of issue 4, measured on rendered videos by landmark detection.

Slow (each renders and decodes a clip, and finds the face in its frames); skipped where
../shared/data is absent. `benchmarks/realism.py` measures the same on every portrait, the
paintings (art_10.png, once a case here) among them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import talkinghead
from talkinghead.engines.warp.engine import WarpEngine
from talkinghead.face.framing import FramedPortrait, apply_framing, plan_framing
from talkinghead.face.landmarks import detect_face
from talkinghead.media.image import load_portrait
from talkinghead_dev import quality
from talkinghead_dev.evaluation import repeated_speech
from talkinghead_dev.measure import video_frames

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]

FPS = 25
LEAD_IN_S = 0.4  # silence first, as recordings have: frame 0 is the portrait at rest


def speech(shared_data: Path, seconds: float, folder: Path) -> Path:
    """LEAD_IN_S of silence, then English radio speech, `seconds` in all (16 kHz WAV)."""
    clips = [shared_data / "audio" / name for name in ("RD_Radio31_000.wav", "RD_Radio34_002.wav")]
    return repeated_speech(clips, seconds, folder / f"speech_{seconds:g}.wav", LEAD_IN_S)


@pytest.fixture(scope="module")
def clips(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("realism")
    return {seconds: speech(shared_data, seconds, folder) for seconds in (8, 16)}


@pytest.mark.parametrize("image", ["people_0.png"])  # paintings: benchmarks/realism.py
def test_natural_head_motion_and_blinks(shared_data, clips, tmp_path, image):
    out = tmp_path / "natural.mp4"
    result = talkinghead.render(shared_data / "images" / image, clips[16], out,
                                talkinghead.settings_for("natural"))
    track = quality.track_faces(video_frames(out))
    assert not np.isnan(track.ears).any(), "the face is found in every frame"
    # real speakers: 13-17% of the IOD on HDTF clips (benchmarks/liveliness.py)
    assert 0.06 <= track.spread <= 0.25, f"head moves {100 * track.spread:.1f}% of the IOD"
    per_minute = len(quality.blink_runs(track.ears)) / (result.frames / FPS / 60)
    assert 8 <= per_minute <= 25, f"{per_minute:.1f} blinks a minute"


def test_still_keeps_the_head_almost_still(shared_data, clips, tmp_path):
    out = tmp_path / "still.mp4"
    talkinghead.render(shared_data / "images" / "people_0.png", clips[8], out,
                       talkinghead.settings_for("default", still=True))
    track = quality.track_faces(video_frames(out), step=2)
    assert track.spread < 0.01, f"head moves {100 * track.spread:.2f}% of the IOD"


def test_full_mode_keeps_the_picture_and_its_sharpness(shared_data, clips, tmp_path):
    image = shared_data / "images" / "full_body_1.png"
    out = tmp_path / "full.mp4"
    settings = talkinghead.settings_for("natural", preprocess="full")
    talkinghead.render(image, clips[8], out, settings)
    pixels = load_portrait(image).pixels
    face = detect_face(pixels)
    framing = plan_framing((pixels.shape[1], pixels.shape[0]), face, settings)
    canvas, framed = apply_framing(pixels, face, framing)
    state = WarpEngine().prepare(FramedPortrait(canvas, framed, framing.roi), settings)
    outside = ~_grow(state.animated, 8)  # 8 px: codec blocks straddling the edge
    lo, hi = framed.points.min(axis=0), framed.points.max(axis=0)
    (x0, y0), (x1, y1) = np.floor(lo).astype(int), np.ceil(hi).astype(int)
    source_face = canvas[y0:y1, x0:x1]
    frames = list(video_frames(out))
    assert quality.ssim(frames[0][y0:y1, x0:x1], source_face) >= 0.95
    assert min(quality.psnr(f, canvas, outside) for f in frames[::5]) >= 40
    ratios = [quality.sharpness(f[y0:y1, x0:x1]) / quality.sharpness(source_face)
              for f in frames]
    assert np.mean(ratios) >= 0.8


def _grow(mask: np.ndarray, pixels: int) -> np.ndarray:
    import cv2

    kernel = np.ones((2 * pixels + 1, 2 * pixels + 1), np.uint8)
    return cv2.dilate(mask.astype(np.uint8), kernel) > 0
