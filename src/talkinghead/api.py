"""The public entry point: `render(image, audio, output, settings)`.

It runs the stages in order, each a module with a small typed interface:
load inputs -> find the face -> frame it -> analyse the speech -> plan motion
for the whole audio -> draw frames -> encode -> mux with the original audio.
The CLI, and later the job runner, web page and RunPod worker, call this.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import RenderTimeoutError
from .events import NullSink, ProgressSink
from .face.landmarks import detect_face
from .framing import apply_framing, plan_framing
from .media.audio import load_audio
from .media.image import load_portrait
from .media.video import VideoEncoder, ensure_writable, finalize_mp4
from .motion.plan import plan_motion
from .render.base import get_engine
from .settings import RenderSettings
from .speech.analysis import analyse_speech


@dataclass(frozen=True)
class RenderResult:
    """What was written, and how long it took."""

    output: Path
    width: int
    height: int
    fps: int
    frames: int
    duration_s: float
    processing_s: float
    faces_found: int
    face_box: tuple[float, float, float, float]  # in output pixels


def render(image: str | os.PathLike, audio: str | os.PathLike, output: str | os.PathLike,
           settings: RenderSettings | None = None, *, engine: str = "warp",
           sink: ProgressSink | None = None,
           timeout_s: float | Literal["auto"] | None = None) -> RenderResult:
    """Render a talking-head MP4 of `image` speaking `audio` to `output`.

    Raises a `TalkingHeadError` subclass for any bad input; `output` is then
    untouched. The MP4 appears at `output` only once it is complete.
    `timeout_s="auto"` allows what the original tool allowed: 4 minutes per
    minute of audio plus 2 minutes.
    """
    started = time.monotonic()
    settings = settings or RenderSettings()
    sink = sink or NullSink()
    output = Path(output)
    ensure_writable(output)
    renderer = get_engine(engine)

    portrait = load_portrait(image)
    sound = load_audio(audio)
    with sink.stage("face"):
        face = detect_face(portrait.pixels, sink)
    framing = plan_framing((portrait.width, portrait.height), face, settings)
    canvas, framed_face = apply_framing(portrait.pixels, face, framing)
    with sink.stage("speech"):
        speech = analyse_speech(sound)
    frames = max(1, round(sound.duration_s * settings.fps))
    if timeout_s == "auto":
        timeout_s = auto_timeout_s(sound.duration_s)
    seed = settings.seed if settings.seed is not None else derive_seed(
        portrait.sha256, sound.sha256, settings)
    plan = plan_motion(speech, settings, frames, seed)
    state = renderer.prepare(canvas, framed_face, framing.roi, settings)

    width, height = framing.canvas_size
    with tempfile.TemporaryDirectory(prefix=".talkinghead-", dir=output.parent) as work:
        part = Path(work) / "video.mp4"
        with VideoEncoder(part, width, height, settings.fps) as encoder, \
                sink.stage("render", total=frames) as progress:
            for frame in renderer.render(state, plan, 0, frames):
                encoder.write(frame)
                progress.advance()
                _check_timeout(started, timeout_s)
        with sink.stage("encode"):
            finalize_mp4([part], sound.source, output, sound.duration_s)
    return RenderResult(output, width, height, settings.fps, frames, sound.duration_s,
                        time.monotonic() - started, face.faces_found, framed_face.box)


def derive_seed(image_sha256: str, audio_sha256: str, settings: RenderSettings) -> int:
    """Same inputs and settings, same blinks and head motion."""
    key = f"{image_sha256}:{audio_sha256}:{sorted(settings.to_dict().items())}"
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")


def auto_timeout_s(audio_seconds: float) -> float:
    """The original tool's rule: 4 minutes per audio minute, plus 2 minutes."""
    return 4.0 * audio_seconds + 120.0


def _check_timeout(started: float, timeout_s: float | None) -> None:
    if timeout_s is not None and time.monotonic() - started > timeout_s:
        raise RenderTimeoutError(
            f"render took longer than the {timeout_s:g} s timeout; "
            "raise --timeout or shorten the audio")
