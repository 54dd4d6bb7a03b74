"""The narrator clip inside a real Remotion render (examples/remotion, composition NarratorPiP).

Renders a 16:9 narrator at 30 fps with our CLI, composes it through Remotion's CLI (the npm
package in examples/remotion/node_modules) with Debian's chromium as the browser, and measures the
composed video: its length, and the mouth inside the rounded bottom-right overlay. Skips where
node, chromium or the example's node_modules are missing (`scripts/ci_remotion_setup.sh` installs
them).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from talkinghead.media.audio import load_audio, write_wav
from talkinghead_dev.measure import mouth_opening, video_facts, video_frames, video_frames_rgba

pytestmark = [pytest.mark.slow, pytest.mark.remotion]

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "remotion"
CHROMIUM = Path("/usr/bin/chromium")
CANVAS = (640, 360)  # composed size: small, so the render takes seconds on 2 cores
FPS = 30
# The overlay layout of examples/remotion/src/NarratorPiP.tsx at size "md".
OVERLAY_WIDTH_SHARE, MARGIN_SHARE = 0.3, 0.03
CORNER_PX = 16  # left out of the picture comparison: rounded corners and the ring
UPSCALE = 3  # the overlay face is ~35 px wide; dlib's HOG finds it reliably at 3x
SPEECH_RMS, SILENCE_RMS = 0.1, 0.01  # of the loudest frame's RMS
SILENCE_SETTLE = 3  # frames into a pause before the mouth is expected at rest
RENDER_TIMEOUT_S = 300


def overlay_box(narrator_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the narrator video inside the composed frame."""
    width, height = CANVAS
    overlay_w = round(width * OVERLAY_WIDTH_SHARE)
    overlay_h = round(overlay_w * narrator_size[1] / narrator_size[0])
    margin = round(width * MARGIN_SHARE)
    return width - margin - overlay_w, height - margin - overlay_h, width - margin, height - margin


def overlay_crop(frame: np.ndarray, box: tuple[int, int, int, int],
                 shift: tuple[int, int] = (0, 0)) -> np.ndarray:
    x0, y0, x1, y1 = box
    dx, dy = shift
    crop = frame[y0 + dy:y1 + dy, x0 + dx:x1 + dx]
    size = (crop.shape[1] * UPSCALE, crop.shape[0] * UPSCALE)
    return np.asarray(Image.fromarray(crop).resize(size, Image.BICUBIC))


def around(frame: np.ndarray, face_box: list[float]) -> np.ndarray:
    """The face of a narrator frame with a face's width of margin (`face_box` from --json)."""
    x0, y0, x1, y1 = face_box
    pad = x1 - x0
    return frame[max(0, round(y0 - pad)):round(y1 + pad), max(0, round(x0 - pad)):round(x1 + pad)]


def frame_loudness(audio_path: Path, frames: int) -> np.ndarray:
    """RMS of the audio over each video frame, relative to the loudest frame."""
    audio = load_audio(audio_path)
    hop = audio.sample_rate / FPS
    rms = np.array([np.sqrt(np.mean(audio.samples[round(i * hop):round((i + 1) * hop)] ** 2))
                    if round(i * hop) < len(audio.samples) else 0.0 for i in range(frames)])
    return rms / rms.max()


def settled_silence(loudness: np.ndarray) -> np.ndarray:
    """Frames at least SILENCE_SETTLE frames into a pause."""
    quiet = loudness < SILENCE_RMS
    run = np.zeros(len(quiet), int)
    for i, q in enumerate(quiet):
        run[i] = run[i - 1] + 1 if q and i else int(q)
    return run > SILENCE_SETTLE


def correlation_at(a: np.ndarray, b: np.ndarray, lag: int) -> float:
    """Pearson correlation of a[t] with b[t + lag]."""
    if lag >= 0:
        a, b = a[:len(a) - lag], b[lag:]
    else:
        a, b = a[-lag:], b[:len(b) + lag]
    return float(np.corrcoef(a, b)[0, 1])


@pytest.fixture(scope="module")
def remotion_cli() -> list[str]:
    if shutil.which("node") is None or shutil.which("npx") is None:
        pytest.skip("node/npx are not installed")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian package chromium)")
    if not (EXAMPLE / "node_modules" / ".bin" / "remotion").exists():
        pytest.skip("examples/remotion/node_modules is missing (scripts/ci_remotion_setup.sh)")
    return ["npx", "--no", "remotion"]  # --no: never fetch a package at run time


def narrate(portrait: Path, speech: Path, narrator: Path, *flags: str) -> tuple[dict, Path]:
    """Render `narrator` with our CLI; its --json summary, also written beside it as props."""
    run = subprocess.run(
        [sys.executable, "-m", "talkinghead", "--image", str(portrait), "--audio", str(speech),
         "--output", str(narrator), "--fps", str(FPS), *flags, "--quiet", "--json"],
        capture_output=True, text=True, check=True)
    summary = json.loads(run.stdout)
    props = narrator.with_suffix(".json")
    props.write_text(json.dumps(summary))
    return summary, props


def remotion(cli: list[str], command: str, composition: str, out: Path, props: Path,
             public: Path, *flags: str) -> str:
    """Run `remotion render` or `remotion still` on the example at CANVAS with Debian's
    chromium; its log."""
    run = subprocess.run(
        [*cli, command, "src/index.ts", composition, str(out), f"--props={props}",
         f"--public-dir={public}", f"--browser-executable={CHROMIUM}",
         "--chrome-mode=chrome-for-testing", f"--width={CANVAS[0]}", f"--height={CANVAS[1]}",
         *flags, "--log=info"],
        check=False, cwd=EXAMPLE, capture_output=True, text=True, timeout=RENDER_TIMEOUT_S)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run.stdout + run.stderr


@pytest.fixture(scope="module")
def composed(remotion_cli, sample_portrait_path, sample_speech_path, tmp_path_factory):
    """The narrator clip, its --json summary, and the composed video."""
    public = tmp_path_factory.mktemp("public")
    narrator = public / "narrator.mp4"
    summary, props = narrate(sample_portrait_path, sample_speech_path, narrator,
                             "--aspect", "16:9", "--resolution", "640x360")
    out = tmp_path_factory.mktemp("composed") / "composed.mp4"
    log = remotion(remotion_cli, "render", "NarratorPiP", out, props, public, "--concurrency=2")
    return summary, narrator, out, log


def test_remotion_uses_debian_chromium_and_downloads_no_browser(composed):
    *_, log = composed
    assert "Downloading Chrome" not in log, log[-2000:]
    # Where Remotion would put a downloaded Chrome Headless Shell or Chrome for Testing.
    assert not (EXAMPLE / "node_modules" / ".remotion").exists()


def test_composition_lasts_as_long_as_the_narrator(composed):
    summary, narrator, out, _ = composed
    facts, source = video_facts(out), video_facts(narrator)
    assert (facts.width, facts.height) == CANVAS
    assert facts.fps == summary["fps"] == FPS
    assert abs(facts.frames - source.frames) <= 1
    assert abs(facts.video_s - summary["duration_s"]) <= 2 / FPS
    assert facts.audio_codec == "aac"
    assert abs(facts.audio_s - summary["duration_s"]) <= 2 / FPS


def test_mouth_in_the_overlay_moves_with_the_speech(composed, sample_speech_path):
    summary, narrator, out, _ = composed
    box = overlay_box((summary["width"], summary["height"]))
    frames = list(video_frames(out))
    overlay = np.array([mouth_opening(overlay_crop(f, box)) for f in frames])
    source = np.array([mouth_opening(around(f, summary["face_box"]))
                       for f in video_frames(narrator)])[:len(overlay)]
    overlay = overlay[:len(source)]

    # The overlay shows the narrator's picture where the layout puts it (corners are rounded).
    x0, y0, x1, y1 = box
    first_narrator = next(video_frames(narrator))
    scaled = np.asarray(Image.fromarray(first_narrator).resize((x1 - x0, y1 - y0), Image.BILINEAR))
    inner = np.s_[CORNER_PX:-CORNER_PX, CORNER_PX:-CORNER_PX]
    difference = np.abs(frames[0][y0:y1, x0:x1][inner].astype(float) - scaled[inner])
    assert difference.mean() < 6, difference.mean()
    assert np.mean(np.isnan(overlay)) <= 0.02, "the face is found in the overlay"
    found = ~np.isnan(overlay) & ~np.isnan(source)

    # Detector noise: one still composed frame, measured at a few sub-crop shifts.
    still = [mouth_opening(overlay_crop(frames[0], box, (dx, dy)))
             for dx in (-2, 0, 2) for dy in (-2, 0, 2)]
    noise = float(np.std(still))

    loudness = frame_loudness(sample_speech_path, len(overlay))
    speech, silence = (loudness > SPEECH_RMS) & found, settled_silence(loudness) & found
    assert speech.sum() >= 2 * FPS and silence.sum() >= 5
    assert np.std(overlay[speech]) > max(4 * noise, 0.04), (np.std(overlay[speech]), noise)

    # The overlay shows the narrator's frames in step: same openings, no frame offset.
    a, b = overlay[found], source[found]
    lags = {lag: correlation_at(a, b, lag) for lag in range(-3, 4)}
    assert lags[0] > 0.8 and max(lags, key=lags.get) == 0, lags

    # In pauses the overlay mouth is at the narrator's rest, and closer than in speech.
    rest = np.median(source[silence])
    assert abs(np.median(overlay[silence]) - rest) < 0.04
    assert np.mean(np.abs(overlay[silence] - rest)) < np.mean(np.abs(overlay[speech] - rest))


# The layout of examples/remotion/src/NarratorCutout.tsx at size "md".
CUTOUT_HEIGHT_SHARE, CUTOUT_RIGHT_SHARE = 0.65, 0.04
CUTOUT_FRAME = 45  # after the slide's fade-in (half a second)
CUTOUT_SPEECH_S = 2.4


def cutout_box(narrator_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the cut-out narrator inside the composed frame."""
    width, height = CANVAS
    narrator_h = round(height * CUTOUT_HEIGHT_SHARE)
    narrator_w = round(narrator_h * narrator_size[0] / narrator_size[1])
    x1 = width - round(width * CUTOUT_RIGHT_SHARE)
    return x1 - narrator_w, height - narrator_h, x1, height


@pytest.fixture(scope="module")
def cutout(remotion_cli, sample_portrait_path, sample_speech_path, tmp_path_factory):
    """A narrator with alpha, one frame of NarratorCutout, and the same frame of the Slide
    alone (what should show wherever the narrator is transparent)."""
    public = tmp_path_factory.mktemp("public")
    narrator = public / "narrator.webm"
    audio = load_audio(sample_speech_path)  # the first seconds are enough for one frame
    samples = audio.samples[:int(CUTOUT_SPEECH_S * audio.sample_rate)]
    speech = write_wav(public / "speech.wav", samples, audio.sample_rate)
    summary, props = narrate(sample_portrait_path, speech, narrator, "--aspect", "1:1",
                             "--resolution", "360x360", "--framing", "chest",
                             "--background", "transparent", "--format", "webm")
    stills = {}
    for composition in ("NarratorCutout", "Slide"):
        out = tmp_path_factory.mktemp("still") / f"{composition}.png"
        remotion(remotion_cli, "still", composition, out, props, public,
                 f"--frame={CUTOUT_FRAME}")
        stills[composition] = np.asarray(Image.open(out).convert("RGB")).astype(float)
    narrator_frame = list(video_frames_rgba(narrator))[CUTOUT_FRAME]
    return summary, narrator_frame, stills["NarratorCutout"], stills["Slide"]


def test_the_cut_out_narrator_stands_on_the_slide_not_in_a_box(cutout):
    summary, narrator, composed, slide = cutout
    assert summary["alpha"] is True
    x0, y0, x1, y1 = cutout_box((summary["width"], summary["height"]))
    placed = np.asarray(Image.fromarray(narrator).resize((x1 - x0, y1 - y0), Image.BILINEAR))
    alpha = placed[:, :, 3]
    rgb = placed[:, :, :3].astype(float)
    # Pixels well inside the person or well clear of it (the scaling blurs the edge between).
    person = cv2.erode((alpha >= 250).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    clear = cv2.erode((alpha <= 5).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert person.mean() > 0.2 and clear.mean() > 0.2
    here, underneath = composed[y0:y1, x0:x1], slide[y0:y1, x0:x1]
    assert np.abs(here[person] - rgb[person]).mean() < 8  # the narrator's own pixels
    assert np.abs(here[clear] - underneath[clear]).mean() < 4  # the slide shows through
    # ... where the narrator's video has colours of its own (a box would show them).
    assert np.abs(rgb[clear] - underneath[clear]).mean() > 20
    # Outside the narrator the frame is the slide.
    assert np.abs(composed[:, :x0 - 2] - slide[:, :x0 - 2]).mean() < 1
