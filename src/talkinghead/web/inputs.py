"""Uploaded portraits and voice-overs: kept, checked at once, and described in words.

The checks are the CLI's own: `load_portrait` (formats, EXIF rotation, the
50-megapixel limit read from the header before any pixel is decoded),
`detect_face` (the same "no face found" message; the preview also shows the person
cut out as `--background` would, on a checkerboard), and `load_audio` (anything
FFmpeg reads; empty, corrupt or silent audio refused). They run when a file
is dropped, so a bad input is reported before any render is queued.

Uploads are copied into the web folder of the job store, named by their
content hash, because a job records its input paths: `resume` needs the audio
to stay where the job saw it, and the upload library's own temporary files
come and go.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import TalkingHeadError
from ..events import NullSink
from ..face.landmarks import detect_face
from ..face.matte import person_matte
from ..media.audio import load_audio
from ..media.files import copy_file
from ..media.image import load_portrait

PREVIEW_MAX_SIDE_PX = 480  # the face-check preview: big enough to judge the box, quick to send
BOX_COLOUR = (40, 220, 90)  # RGB: green reads as "found" on skin and on most backgrounds
BOX_WIDTH_SHARE = 0.006  # box line width as a share of the preview's longer side
CHECKER_PX, CHECKER_LIGHT, CHECKER_DARK = 12, 204, 153  # the cut-out preview's backdrop
HASH_PREFIX_CHARS = 16  # 64 bits of the content hash name an upload's folder
BLOCK_BYTES = 1 << 20
SAMPLES = Path(__file__).resolve().parent.parent / "samples"  # what `talkinghead --demo` renders


@dataclass(frozen=True)
class PortraitCheck:
    path: Path  # the kept copy, for the render
    preview: np.ndarray  # RGB: the face box drawn on it, and beside it the cut-out person
    message: str
    faces: int


@dataclass(frozen=True)
class AudioCheck:
    path: Path
    duration_s: float
    message: str


@dataclass(frozen=True)
class Sample:
    """The bundled example: a portrait, its voice-over and what is said in it."""

    portrait: Path
    voice: Path
    transcript: str


def sample_inputs(uploads: Path) -> Sample:
    """The bundled portrait, voice-over and transcript, kept as if they had been dropped."""
    return Sample(keep_upload(SAMPLES / "portrait.jpg", uploads),
                  keep_upload(SAMPLES / "speech.ogg", uploads),
                  (SAMPLES / "speech.txt").read_text(encoding="utf-8").strip())


def keep_upload(upload: str | Path, uploads: Path) -> Path:
    """Copy an uploaded file to `uploads/<hash>/<its name>` (once) and return that path."""
    source = Path(upload)
    if not source.is_file():
        raise TalkingHeadError(f"the upload '{source.name}' is gone; drop the file again")
    digest = hashlib.sha256()
    with source.open("rb") as f:
        while block := f.read(BLOCK_BYTES):
            digest.update(block)
    folder = uploads / digest.hexdigest()[:HASH_PREFIX_CHARS]
    kept = folder / _safe_name(source.name)
    if not kept.is_file():
        copy_file(source, kept)
    return kept


def _safe_name(name: str) -> str:
    """A file name without path separators or control characters (it came from a browser)."""
    cleaned = "".join(c if c.isprintable() and c not in "/\\" else "_" for c in name).strip(". ")
    return cleaned[-120:] or "upload"


def check_portrait(upload: str | Path, uploads: Path) -> PortraitCheck:
    """Keep the portrait, find its face, and draw the face box on a small preview."""
    kept = keep_upload(upload, uploads)
    with _named_as_uploaded(kept):
        portrait = load_portrait(kept)
        face = detect_face(portrait.pixels, NullSink(notices_to_stderr=False))
    preview, scale = _preview(portrait.pixels)
    cut_out = _on_checkerboard(preview, person_matte(preview, face.transformed(
        scale, scale, 0.0, 0.0)))
    x0, y0, x1, y1 = (round(v * scale) for v in face.box)
    width = max(2, round(BOX_WIDTH_SHARE * max(preview.shape[:2])))
    cv2.rectangle(preview, (x0, y0), (x1, y1), BOX_COLOUR, width, cv2.LINE_AA)
    preview = np.concatenate([preview, cut_out], axis=1)
    message = (f"Face found: {round(face.box[2] - face.box[0])} x "
               f"{round(face.box[3] - face.box[1])} px in a {portrait.width} x "
               f"{portrait.height} picture.")
    if face.faces_found > 1:
        message += f" {face.faces_found} faces found; the largest (boxed) will speak."
    message += " Right: the person as cut out by a Background other than keep."
    return PortraitCheck(kept, preview, message, face.faces_found)


def _on_checkerboard(pixels: np.ndarray, matte: np.ndarray) -> np.ndarray:
    """The picture over a grey checkerboard (how editors show transparency) through `matte`."""
    height, width = pixels.shape[:2]
    rows, cols = np.mgrid[:height, :width]
    squares = ((rows // CHECKER_PX + cols // CHECKER_PX) % 2).astype(np.float32)
    board = (CHECKER_LIGHT - (CHECKER_LIGHT - CHECKER_DARK) * squares)[:, :, None]
    alpha = matte[:, :, None]
    return (pixels * alpha + board * (1 - alpha) + 0.5).astype(np.uint8)


def warm_up() -> None:
    """Load the face detectors and landmark model (about a second), so that the first portrait
    dropped on the page is checked as quickly as the next ones."""
    try:
        detect_face(np.zeros((64, 64, 3), np.uint8), NullSink(notices_to_stderr=False))
    except Exception:  # no face in a blank picture; any real problem is told by the checks
        pass


def _preview(pixels: np.ndarray) -> tuple[np.ndarray, float]:
    height, width = pixels.shape[:2]
    scale = min(1.0, PREVIEW_MAX_SIDE_PX / max(height, width))
    if scale == 1.0:
        return pixels.copy(), 1.0
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA), scale


def check_audio(upload: str | Path, uploads: Path) -> AudioCheck:
    """Keep the voice-over and decode it once, as the render will."""
    kept = keep_upload(upload, uploads)
    with _named_as_uploaded(kept):
        sound = load_audio(kept)
    return AudioCheck(kept, sound.duration_s,
                      f"Voice-over: {kept.name}, {_duration(sound.duration_s)} of audio.")


@contextmanager
def _named_as_uploaded(kept: Path) -> Iterator[None]:
    """Errors name the file as the visitor knows it, not by the server's path to it."""
    try:
        yield
    except TalkingHeadError as e:
        raise type(e)(str(e).replace(str(kept), kept.name)) from e


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def describe_error(error: BaseException) -> str:
    """The one line a person sees for a failed check or render: the CLI's words, no traceback."""
    if isinstance(error, TalkingHeadError):
        return str(error)
    if isinstance(error, MemoryError):
        return "not enough memory for this file (use a smaller one)"
    return f"internal error ({type(error).__name__}: {error}); details are in the server's log"
