"""Real portraits and real speech from ../shared/data, rendered and measured on the output.

These render whole clips (a few seconds each), so they are marked slow; they
skip where ../shared/data is not beside the checkout.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import talkinghead
from talkinghead.face.framing import plan_framing
from talkinghead.face.landmarks import detect_face
from talkinghead.media.audio import load_audio, write_wav
from talkinghead.media.image import load_portrait
from talkinghead_dev.measure import mouth_opening, mouth_openings, video_facts, video_frames

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]

TOOLS_SCRIPT = Path(__file__).resolve().parent.parent / "tools" / "sadtalker.py"
FPS = 25
PAUSE_S = 1.6


@pytest.fixture(scope="module")
def speech_with_pause(shared_data, tmp_path_factory) -> Path:
    """3 s of English radio speech, 1.6 s of silence, 3 s more speech (16 kHz mono WAV)."""
    audio = load_audio(shared_data / "audio" / "RD_Radio31_000.wav")
    rate = audio.sample_rate
    samples = np.concatenate([audio.samples[: 3 * rate], np.zeros(int(PAUSE_S * rate)),
                              audio.samples[3 * rate: 6 * rate]])
    return write_wav(tmp_path_factory.mktemp("audio") / "speech_pause.wav", samples, rate)


def assert_output_rules(path: Path, audio_s: float, size: tuple[int, int]) -> None:
    facts = video_facts(path)
    assert (facts.video_codec, facts.pixel_format, facts.fps) == ("h264", "yuv420p", 25.0)
    assert facts.audio_codec == "aac" and facts.faststart
    assert (facts.width, facts.height) == size
    assert abs(facts.video_s - audio_s) <= 1 / FPS and abs(facts.frames / FPS - audio_s) <= 1 / FPS
    assert abs(facts.audio_s - audio_s) <= 1 / FPS


def test_mouth_moves_with_speech_and_rests_in_the_pause(shared_data, speech_with_pause,
                                                        tmp_path):
    out = tmp_path / "people.mp4"
    result = talkinghead.render(shared_data / "images" / "people_0.png", speech_with_pause, out)
    assert_output_rules(out, result.duration_s, (256, 256))
    opening = np.array([mouth_opening(f) for f in video_frames(out)])
    assert not np.isnan(opening).any(), "the face is found in every output frame"
    rest = mouth_opening(load_portrait_crop(shared_data / "images" / "people_0.png"))
    pause = opening[int((3.0 + 0.3) * FPS): int((3.0 + PAUSE_S - 0.2) * FPS)]
    speech = np.concatenate([opening[: 3 * FPS], opening[int((3 + PAUSE_S) * FPS):]])
    assert np.mean(np.abs(pause - rest) < 0.03) >= 0.9, "mouth rests in the pause"
    assert np.mean(speech > rest + 0.06) >= 0.25, "mouth opens during speech"
    assert speech.max() > rest + 0.15


def load_portrait_crop(path: Path) -> np.ndarray:
    """The first frame's framing of the source, to measure the portrait's own rest opening."""
    from talkinghead.face.framing import apply_framing

    pixels = load_portrait(path).pixels
    face = detect_face(pixels)
    framing = plan_framing((pixels.shape[1], pixels.shape[0]), face, talkinghead.RenderSettings())
    return apply_framing(pixels, face, framing)[0]


@pytest.mark.parametrize("image, preprocess, size", [
    ("art_1.png", "crop", 512),
    ("sad.png", "resize", 256),
    ("full4.jpeg", "full", None),
])
def test_each_preprocess_mode_gives_its_size_and_a_found_face(shared_data, tmp_path, image,
                                                               preprocess, size):
    out = tmp_path / "o.mp4"
    settings = talkinghead.RenderSettings(preprocess=preprocess, size=size or 256)
    result = talkinghead.render(shared_data / "images" / image,
                                shared_data / "audio" / "bus_chinese.wav", out, settings)
    pixels = load_portrait(shared_data / "images" / image).pixels
    expected = (size, size) if size else (pixels.shape[1] // 2 * 2, pixels.shape[0] // 2 * 2)
    assert_output_rules(out, result.duration_s, expected)
    # The face is found on every 10th frame (on full4.jpeg only dlib's CNN finds it: over a
    # second a frame), the mouth measured on every frame.
    openings = mouth_openings(video_frames(out), detect_every=10)
    assert not np.isnan(openings).any()
    assert openings.max() - openings.min() > 0.08  # the mouth moves


def test_full_mode_changes_nothing_outside_the_head(shared_data, tmp_path):
    image = shared_data / "images" / "full_body_1.png"
    out = tmp_path / "full.mp4"
    settings = talkinghead.settings_for("fullbody")
    talkinghead.render(image, shared_data / "audio" / "bus_chinese.wav", out, settings)
    source = load_portrait(image).pixels.astype(np.float64)
    framing = plan_framing((source.shape[1], source.shape[0]), detect_face(source.astype(np.uint8)),
                           settings)
    x0, y0, x1, y1 = framing.roi
    outside = np.ones(source.shape[:2], bool)
    outside[max(0, y0 - 8):y1 + 8, max(0, x0 - 8):x1 + 8] = False  # 8 px: codec blocks at the edge
    for frame in list(video_frames(out))[::10]:
        error = np.mean((frame[outside].astype(np.float64) - source[outside]) ** 2)
        assert 10 * np.log10(255**2 / error) > 40  # PSNR in dB, after H.264


README_COMMANDS = [  # the original README's command lines, with real files in place of its names
    ["--image", "{portrait}", "--audio", "{speech}", "--output", "{out}"],
    ["--image", "{portrait}", "--audio", "{speech}", "--preset", "natural", "--output", "{out}"],
    ["--image", "{portrait}", "--audio", "{speech}", "--preset", "professional", "--size", "512",
     "--output", "{out}"],
    ["--image", "{portrait}", "--audio", "{speech}", "--preset", "expressive", "--output", "{out}"],
    ["--image", "{fullbody}", "--audio", "{speech}", "--preset", "fullbody", "--output", "{out}"],
    ["--image", "{portrait}", "--audio", "{speech}", "--pose-style", "45", "--expression-scale",
     "1.2", "--size", "512", "--output", "{out}"],
    ["--image", "{wide}", "--audio", "{speech}", "--still", "--expression-scale", "0.8",
     "--preprocess", "full", "--output", "{out}"],
    ["--image", "{portrait}", "--audio", "{speech}", "--still", "--expression-scale", "0.7",
     "--output", "{out}"],
    ["--image", "{portrait}", "--audio", "{speech}", "--size", "256", "--no-enhance",
     "--output", "{out}"],
]


@pytest.mark.parametrize("argv", README_COMMANDS, ids=lambda a: " ".join(a[4:-2]) or "basic")
def test_every_original_readme_command_runs_verbatim(shared_data, tmp_path, argv):
    images = shared_data / "images"
    names = {"portrait": images / "people_0.png", "fullbody": images / "full_body_1.png",
             "wide": images / "art_0.png", "speech": shared_data / "audio" / "bus_chinese.wav",
             "out": tmp_path / "sub" / "talking.mp4"}
    args = [a.format(**names) for a in argv]
    result = subprocess.run([sys.executable, str(TOOLS_SCRIPT), *args], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    facts = video_facts(names["out"])
    assert facts.video_codec == "h264" and facts.audio_codec == "aac"
    size = 512 if "512" in args else 256
    if "full" in args or "fullbody" in args:
        pixels = load_portrait(args[1]).pixels
        assert (facts.width, facts.height) == (pixels.shape[1] // 2 * 2, pixels.shape[0] // 2 * 2)
    else:
        assert (facts.width, facts.height) == (size, size)


def _silent_wav(path: Path) -> Path:
    return write_wav(path, np.zeros(16000))


@pytest.mark.parametrize("case", ["corrupt image", "no face", "empty audio", "silent audio",
                                  "unknown audio format", "unwritable output", "huge image"])
def test_bad_input_exits_2_with_one_line_and_no_output(shared_data, tmp_path, case):
    from PIL import Image

    image = shared_data / "images" / "people_0.png"
    audio = shared_data / "audio" / "bus_chinese.wav"
    out = tmp_path / "out.mp4"
    if case == "corrupt image":
        image = tmp_path / "broken.png"
        image.write_bytes((shared_data / "images" / "people_0.png").read_bytes()[:2000])
    elif case == "no face":
        image = tmp_path / "wall.png"
        Image.fromarray(np.full((300, 300, 3), 120, np.uint8)).save(image)
    elif case == "empty audio":
        audio = tmp_path / "empty.wav"
        audio.write_bytes(b"")
    elif case == "silent audio":
        audio = _silent_wav(tmp_path / "silence.wav")
    elif case == "unknown audio format":
        audio = tmp_path / "notes.txt"
        audio.write_text("this is not sound\n" * 100)
    elif case == "unwritable output":
        blocker = tmp_path / "file"
        blocker.write_text("x")
        out = blocker / "out.mp4"
    elif case == "huge image":
        image = tmp_path / "huge.png"
        Image.new("L", (8000, 7000)).save(image)
    result = subprocess.run([sys.executable, str(TOOLS_SCRIPT), "--image", str(image), "--audio",
                             str(audio), "--output", str(out)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert not out.exists()
    assert not list(tmp_path.glob(".*partial*"))


@pytest.mark.parametrize("fps", [30, 60])
def test_high_frame_rates_draw_every_frame(shared_data, tmp_path, fps):
    out = tmp_path / f"fps{fps}.mp4"
    settings = talkinghead.RenderSettings(fps=fps)
    result = talkinghead.render(shared_data / "images" / "people_0.png",
                                shared_data / "audio" / "bus_chinese.wav", out, settings)
    facts = video_facts(out)
    assert facts.fps == fps and facts.frames == result.frames == round(result.duration_s * fps)
    frames = np.stack(list(video_frames(out))).astype(np.int16)
    change = np.abs(np.diff(frames, axis=0)).reshape(len(frames) - 1, -1).max(axis=1)
    speech = slice(int(0.3 * fps), int(2.8 * fps))  # the clip speaks throughout this span
    assert (change[speech] > 8).mean() > 0.97, "consecutive frames differ during speech"


@pytest.mark.parametrize("fmt, video_codec, audio_codec", [
    ("mp4", "h264", "aac"), ("webm", "vp9", "opus"), ("mov", "prores", "aac")])
def test_each_format_plays_back_with_its_codecs(shared_data, tmp_path, fmt, video_codec,
                                                audio_codec):
    out = tmp_path / f"clip.{fmt}"
    settings = talkinghead.RenderSettings(format=fmt, resolution=(640, 360))
    result = talkinghead.render(shared_data / "images" / "art_2.png",
                                shared_data / "audio" / "bus_chinese.wav", out, settings)
    facts = video_facts(out)
    assert (facts.video_codec, facts.audio_codec) == (video_codec, audio_codec)
    assert (facts.width, facts.height) == (640, 360)
    assert facts.frames == result.frames
    assert abs(facts.video_s - result.duration_s) <= 1 / 25
