"""The wire format between the client and the worker: one chunk's inputs in, one video part out.

A chunk request carries what `jobs.chunk_render.render_chunk` reads from a job folder,
and no more: the framed portrait (the job's lossless `canvas.png`, as saved, with the
person's matte as its alpha in a cut-out job, and then the background the person is put
on, `backdrop.png`, if any), the face landmarks and animated region, and the motion
plan for the chunk's frames plus `CONTEXT_FRAMES` either side, compressed. The worker
rebuilds a job folder from it and renders with the same function as a local worker process, so its
part is the one a local render would have made. Audio is never sent: it is
muxed once, locally, when the parts are joined.

Everything here validates what it decodes and raises `PayloadError` with a
message meant for whoever sent the request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
from PIL import Image

from ...errors import TalkingHeadError
from ...face.landmarks import FaceGeometry, face_from_record
from ...motion.export import CHANNELS, plan_from_arrays, plan_to_arrays
from ...motion.types import MotionPlan
from ...settings import RenderSettings
from ..inputs import BACKDROP_FILE, CANVAS_FILE, FACE_FILE, ChunkInputs, split_alpha

FORMAT_VERSION: Final = 1  # bump when a field changes meaning; workers refuse other versions
CHUNK_TASK, JOB_TASK = "chunk", "job"
CONTEXT_FRAMES: Final = 8  # plan frames sent either side of a chunk, for engines that smooth
MAX_CANVAS_PIXELS: Final = 50_000_000  # the portrait limit of media/image.py
MAX_CHUNK_SECONDS: Final = 600  # a chunk is ~45 s; ten minutes is a generous ceiling
MAX_FIELD_BYTES: Final = 10 * 1000 * 1000  # nothing in a /run request can be larger
MAX_FPS: Final = 120
# Results above this are uploaded to the bucket (when configured): RunPod's documented limit for
# a /run payload is 10 MB, and base64 adds a third.
INLINE_RESULT_BYTES: Final = 7 * 1000 * 1000
PLAN_CHANNELS: Final = tuple(CHANNELS)
# Files an engine planned into the job folder (e.g. sadtalker's coefficient track) travel
# under `engine_files`, each trimmed by the engine to what the chunk reads.
ENGINE_FILE_NAME: Final = re.compile(r"[a-z0-9_]{1,40}\.npz")
MAX_ENGINE_FILES: Final = 4
MAX_TRANSCRIPT_CHARS: Final = 1_000_000


class PayloadError(TalkingHeadError, ValueError):
    """A request or result is malformed, out of range, or of another format version."""


@dataclass(frozen=True)
class ChunkRequest:
    """A decoded, validated chunk request."""

    job: str
    index: int
    start: int
    stop: int
    settings: RenderSettings
    engine: str
    inputs: ChunkInputs  # plan covers frames 0..stop (+ context), zero before the slice sent
    engine_files: dict[str, bytes] = field(default_factory=dict)  # name -> bytes, job folder


# Client side.
def encode_chunk_request(job_id: str, job_folder: Path, index: int, start: int, stop: int,
                         settings: RenderSettings, engine: str, plan: MotionPlan) -> dict:
    """The /run input for frames start..stop of the job saved in `job_folder`."""
    offset = max(0, start - CONTEXT_FRAMES)
    end = min(plan.n_frames, stop + CONTEXT_FRAMES)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, allow_pickle=False, **plan_to_arrays(plan, offset, end))
    face = json.loads((job_folder / FACE_FILE).read_text())  # face_to_record's, and the roi
    engine_files = _engine_files_for(engine, job_folder, start, stop)
    return {
        "talkinghead": FORMAT_VERSION,
        "task": CHUNK_TASK,
        "job": job_id,
        "engine": engine,
        "settings": settings.to_dict(),
        "chunk": {"index": index, "start": start, "stop": stop},
        "canvas_png": _b64((job_folder / CANVAS_FILE).read_bytes()),
        **({"backdrop_png": _b64((job_folder / BACKDROP_FILE).read_bytes())}
           if (job_folder / BACKDROP_FILE).is_file() else {}),
        "face": face,
        "plan": {"fps": plan.fps, "offset": offset, "npz": _b64(buffer.getvalue())},
        **({"engine_files": engine_files} if engine_files else {}),
    }


def _engine_files_for(engine: str, job_folder: Path, start: int, stop: int) -> dict[str, str]:
    from ...engines.registry import get_engine

    files = get_engine(engine).chunk_files(job_folder, start, stop)
    return {name: _b64(data) for name, data in files.items()}


# Worker side.
def decode_chunk_request(payload: Any) -> ChunkRequest:
    """Validate a chunk request completely before any rendering starts."""
    data = _header(payload, CHUNK_TASK)
    settings = _settings(data.get("settings"))
    engine = _engine(data.get("engine", "warp"))
    job = data.get("job", "")
    if not isinstance(job, str) or len(job) > 64 or not job.replace("-", "").isalnum():
        raise PayloadError("'job' must be a job ID (letters, digits and dashes)")
    chunk = _object(data, "chunk")
    index, start, stop = (_int(chunk, name, 0) for name in ("index", "start", "stop"))
    if stop <= start:
        raise PayloadError(f"chunk.stop ({stop}) must be after chunk.start ({start})")
    if stop - start > MAX_CHUNK_SECONDS * settings.fps:
        raise PayloadError(f"a chunk may have at most {MAX_CHUNK_SECONDS * settings.fps} frames "
                           f"({MAX_CHUNK_SECONDS} s), got {stop - start}")
    canvas, matte = split_alpha(_png(data.get("canvas_png"), "canvas_png"))
    face, roi = _face(_object(data, "face"), canvas.shape)
    plan = _plan(_object(data, "plan"), start, stop, settings.fps)
    backdrop = None
    if "backdrop_png" in data:
        backdrop = np.asarray(_png(data["backdrop_png"], "backdrop_png").convert("RGB"))
        if backdrop.shape[:2] != canvas.shape[:2]:
            raise PayloadError("'backdrop_png' must be the size of the canvas")
    if (matte is not None) != settings.cuts_out:
        raise PayloadError("'canvas_png' must have an alpha channel (the matte) exactly when "
                           "--background is not keep")
    if (backdrop is not None) != (settings.cuts_out and not settings.has_alpha):
        raise PayloadError("'backdrop_png' must be sent exactly when --background is blur, a "
                           "colour or an image")
    return ChunkRequest(job, index, start, stop, settings, engine,
                        ChunkInputs(canvas, face, roi, plan, matte, backdrop),
                        _decode_engine_files(data.get("engine_files", {})))


def _decode_engine_files(value: Any) -> dict[str, bytes]:
    if not isinstance(value, dict) or len(value) > MAX_ENGINE_FILES:
        raise PayloadError(f"'engine_files' must be an object of at most {MAX_ENGINE_FILES} "
                           "files")
    for name in value:
        if not isinstance(name, str) or not ENGINE_FILE_NAME.fullmatch(name):
            raise PayloadError(f"'engine_files' has a file name that is not allowed: {name!r}")
    return {name: _unb64(data, f"engine_files.{name}") for name, data in value.items()}


@dataclass(frozen=True)
class JobRequest:
    """A decoded whole-render request: a portrait and speech, rendered like the CLI does."""

    image: bytes | str  # the file's bytes, or an http(s) URL to fetch
    audio: bytes | str
    settings: RenderSettings
    engine: str
    chunk_seconds: float
    transcript: str | None = None  # what is said, for forced alignment (see api.render)


def decode_job_request(payload: Any) -> JobRequest:
    from ...settings import settings_for
    from ..chunking import DEFAULT_CHUNK_SECONDS, MIN_CHUNK_SECONDS

    data = _header(payload, JOB_TASK)
    preset = data.get("preset", "default")
    overrides = data.get("settings", {})
    if not isinstance(preset, str) or not isinstance(overrides, dict):
        raise PayloadError("'preset' must be a string and 'settings' an object")
    try:
        settings = settings_for(preset, **overrides)
    except TalkingHeadError as e:
        raise PayloadError(str(e)) from e
    chunk_seconds = data.get("chunk_seconds", DEFAULT_CHUNK_SECONDS)
    if not _number(chunk_seconds) or not MIN_CHUNK_SECONDS <= chunk_seconds <= MAX_CHUNK_SECONDS:
        raise PayloadError(f"'chunk_seconds' must be a number from {MIN_CHUNK_SECONDS} to "
                           f"{MAX_CHUNK_SECONDS}")
    transcript = data.get("transcript")
    if transcript is not None and (not isinstance(transcript, str)
                                   or len(transcript) > MAX_TRANSCRIPT_CHARS):
        raise PayloadError(f"'transcript' must be a string of at most {MAX_TRANSCRIPT_CHARS} "
                           "characters")
    return JobRequest(_file_or_url(data, "image"), _file_or_url(data, "audio"), settings,
                      _engine(data.get("engine", "warp")), float(chunk_seconds), transcript)


def write_job_folder(folder: Path, inputs: ChunkInputs,
                     engine_files: dict[str, bytes] | None = None) -> None:
    """Lay the decoded inputs out as a local job folder, for `render_chunk`."""
    from ..inputs import save_inputs

    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (engine_files or {}).items():  # names checked by the decoder
        (folder / name).write_bytes(data)
    save_inputs(folder, inputs)


def encode_result(task: str, video: Path, url: str | None = None, **facts: Any) -> dict:
    """The handler's output: the part inline (base64) or its URL, with facts to check it by."""
    data = video.read_bytes()
    result = {"talkinghead": FORMAT_VERSION, "task": task, "bytes": len(data),
              "sha256": hashlib.sha256(data).hexdigest(), **facts}
    if url:
        result["video_url"] = url
    else:
        result["video_base64"] = _b64(data)
    return result


def decode_inline_result(output: Any) -> bytes | None:
    """The video bytes of an inline result, checked against its hash; None for a URL result."""
    result = _result(output)
    if "video_base64" not in result:
        return None
    data = _unb64(result["video_base64"], "video_base64", limit=None)
    check_video_bytes(result, data)
    return data


def check_video_bytes(output: Any, data: bytes) -> None:
    result = _result(output)
    if result.get("sha256") and hashlib.sha256(data).hexdigest() != result["sha256"]:
        raise PayloadError("the video received does not match the hash the worker sent")


def result_url(output: Any) -> str | None:
    url = _result(output).get("video_url")
    if url is not None and (not isinstance(url, str) or not url.startswith(("http://",
                                                                            "https://"))):
        raise PayloadError("the worker's video_url is not an http(s) URL")
    return url


def _result(output: Any) -> dict:
    if not isinstance(output, dict) or output.get("talkinghead") != FORMAT_VERSION:
        raise PayloadError("the remote job's output is not a talkinghead result (is the endpoint "
                           "running the talkinghead worker, of the same version?)")
    if "video_base64" not in output and "video_url" not in output:
        raise PayloadError("the remote job's output has no video")
    return output


# Validation helpers.
def _header(payload: Any, task: str) -> dict:
    if not isinstance(payload, dict):
        raise PayloadError(f"the job input must be a JSON object, got {type(payload).__name__}")
    version = payload.get("talkinghead")
    if version != FORMAT_VERSION:
        raise PayloadError(f"this worker reads talkinghead payload format {FORMAT_VERSION}, "
                           f"got {version!r}: update the client or the worker image")
    if payload.get("task") != task:
        raise PayloadError(f"'task' must be {task!r}, got {payload.get('task')!r}")
    return payload


def _settings(value: Any) -> RenderSettings:
    try:
        return RenderSettings.from_dict(value)
    except (TalkingHeadError, TypeError, ValueError) as e:
        raise PayloadError(f"bad settings: {e}") from e


def _engine(value: Any) -> str:
    from ...engines.registry import get_engine

    if not isinstance(value, str):
        raise PayloadError("'engine' must be a string")
    try:
        get_engine(value)
    except TalkingHeadError as e:
        raise PayloadError(str(e)) from e
    return value


def _object(data: dict, name: str) -> dict:
    value = data.get(name)
    if not isinstance(value, dict):
        raise PayloadError(f"'{name}' must be an object")
    return value


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _int(data: dict, name: str, low: int) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise PayloadError(f"'{name}' must be a whole number of at least {low}, got {value!r}")
    return value


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any, name: str, limit: int | None = MAX_FIELD_BYTES) -> bytes:
    if not isinstance(value, str):
        raise PayloadError(f"'{name}' must be a base64 string")
    if limit is not None and len(value) > limit * 4 // 3 + 4:
        raise PayloadError(f"'{name}' is over {limit / 1e6:.0f} MB")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as e:
        raise PayloadError(f"'{name}' is not valid base64") from e


def _png(value: Any, name: str) -> Image.Image:
    """A decoded PNG field: a canvas-sized picture (RGB, or RGBA for a cut-out canvas)."""
    data = _unb64(value, name)
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise PayloadError(f"'{name}' must be a PNG, got {image.format}")
            width, height = image.size
            if width * height > MAX_CANVAS_PIXELS:
                raise PayloadError(f"the canvas is {width}x{height}, over "
                                   f"{MAX_CANVAS_PIXELS // 1_000_000} megapixels")
            if width % 2 or height % 2:
                raise PayloadError(f"the canvas must have even sides for H.264, got "
                                   f"{width}x{height}")
            image.load()
            return image if image.mode == "RGBA" else image.convert("RGB")
    except (OSError, Image.DecompressionBombError) as e:
        raise PayloadError(f"'{name}' is not a readable PNG ({e})") from e


def _face(face: dict, shape: tuple[int, ...]) -> tuple[FaceGeometry, tuple[int, int, int, int]]:
    height, width = shape[:2]
    try:
        geometry = face_from_record(face)
        roi = tuple(int(v) for v in face["roi"])
    except (KeyError, TypeError, ValueError) as e:
        raise PayloadError(f"'face': {e}") from e
    if len(roi) != 4:
        raise PayloadError("'face.roi' must have 4 numbers")
    x0, y0, x1, y1 = roi
    if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
        raise PayloadError(f"'face.roi' {list(roi)} is not inside the {width}x{height} canvas")
    return geometry, (x0, y0, x1, y1)


def _plan(plan: dict, start: int, stop: int, fps: int) -> MotionPlan:
    offset = _int(plan, "offset", 0)
    plan_fps = _int(plan, "fps", 1)
    if plan_fps != fps or fps > MAX_FPS:
        raise PayloadError(f"'plan.fps' ({plan_fps}) must equal settings.fps ({fps})")
    if offset > start:
        raise PayloadError(f"'plan.offset' ({offset}) is after the chunk's start ({start})")
    data = _unb64(plan.get("npz"), "plan.npz")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as saved:
            sent = plan_from_arrays(saved, fps)
    except (OSError, ValueError, KeyError, EOFError) as e:
        raise PayloadError(f"'plan.npz' is not a motion plan ({e})") from e
    if sent.fps != fps:
        raise PayloadError(f"'plan.npz' fps ({sent.fps}) must equal settings.fps ({fps})")
    if offset + sent.n_frames < stop:
        raise PayloadError(f"'plan.npz' covers frames {offset}..{offset + sent.n_frames}, not "
                           f"the chunk's {start}..{stop}")
    before = np.zeros(offset, dtype=np.float32)  # frames before the slice: never drawn
    return MotionPlan(fps=fps, **{name: np.concatenate([before, getattr(sent, name)])
                                  for name in PLAN_CHANNELS})


def _file_or_url(data: dict, name: str) -> bytes | str:
    if f"{name}_url" in data:
        url = data[f"{name}_url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise PayloadError(f"'{name}_url' must be an http(s) URL")
        return url
    if name not in data:
        raise PayloadError(f"'{name}' (base64) or '{name}_url' is required")
    return _unb64(data[name], name)
