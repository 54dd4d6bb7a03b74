"""What a chunk needs, saved once in the job's folder: the framed portrait and the motion plan.

With `--background` other than keep, the portrait carries its matte as the PNG's alpha
(its colours are then the person's own, see face.matte.foreground_colours), and the
background the person is put on, if any, is saved beside it, at the canvas size.

A worker process (local or remote) renders any chunk from these files alone:
no face detection, speech analysis or audio is repeated, and a resumed job
draws exactly the frames the interrupted one would have.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import TalkingHeadError
from ..face.landmarks import FaceGeometry, face_from_record, face_to_record
from ..media.files import atomic_path
from ..motion.export import plan_from_arrays, plan_to_arrays
from ..motion.types import MotionPlan
from ..version import code_fingerprint

CANVAS_FILE = "canvas.png"  # lossless: the engine must see the same pixels on every resume
BACKDROP_FILE = "backdrop.png"  # what the cut-out person is put on (not for keep, transparent)
FACE_FILE = "face.json"
PLAN_FILE = "plan.npz"
CODE_FILE = "code.txt"  # the fingerprint of the rendering code that planned the job


@dataclass(frozen=True)
class ChunkInputs:
    canvas: np.ndarray  # H x W x 3 uint8: the first output frame before animation
    face: FaceGeometry  # landmarks in canvas pixels
    roi: tuple[int, int, int, int]  # the animated region of the canvas
    plan: MotionPlan  # the whole job's motion, indexed by output frame
    matte: np.ndarray | None = None  # H x W uint8 alpha of the person: a cut-out job
    backdrop: np.ndarray | None = None  # H x W x 3 uint8: what the person is put on


def save_inputs(folder: Path, inputs: ChunkInputs) -> None:
    """Write the files, each atomically (a crash never leaves half a file)."""
    canvas = inputs.canvas if inputs.matte is None else np.dstack([inputs.canvas, inputs.matte])
    with atomic_path(folder / CANVAS_FILE) as path:
        Image.fromarray(canvas).save(path, format="PNG")
    if inputs.backdrop is not None:
        with atomic_path(folder / BACKDROP_FILE) as path:
            Image.fromarray(inputs.backdrop).save(path, format="PNG")
    face = {**face_to_record(inputs.face), "roi": list(inputs.roi)}
    with atomic_path(folder / FACE_FILE) as path:
        path.write_text(json.dumps(face))
    with atomic_path(folder / PLAN_FILE) as path, open(path, "wb") as f:
        np.savez(f, allow_pickle=False, **plan_to_arrays(inputs.plan))
    with atomic_path(folder / CODE_FILE) as path:
        path.write_text(code_fingerprint())


def load_face(folder: Path) -> FaceGeometry:
    """The face (in canvas pixels) the job was planned with."""
    return face_from_record(json.loads((folder / FACE_FILE).read_text()))


def planned_by_this_code(folder: Path) -> bool:
    """Whether this version's rendering code planned the job: only then do the chunks it draws
    match the ones already drawn. (Jobs saved before the file existed count as another code.)"""
    try:
        return (folder / CODE_FILE).read_text() == code_fingerprint()
    except OSError:
        return False


def load_inputs(folder: Path) -> ChunkInputs:
    """The saved inputs. A plan saved before a channel existed reads it as all zero (rest)."""
    try:
        canvas, matte = split_alpha(Image.open(folder / CANVAS_FILE))
        backdrop = (np.asarray(Image.open(folder / BACKDROP_FILE).convert("RGB"))
                    if (folder / BACKDROP_FILE).is_file() else None)
        geometry = load_face(folder)
        x0, y0, x1, y1 = (int(v) for v in json.loads((folder / FACE_FILE).read_text())["roi"])
        with np.load(folder / PLAN_FILE) as saved:
            plan = plan_from_arrays(saved)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise TalkingHeadError(f"the job folder {folder} is damaged ({e}); "
                               "render again to start a new job") from e
    return ChunkInputs(canvas, geometry, (x0, y0, x1, y1), plan, matte, backdrop)


def split_alpha(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """A saved canvas: its RGB pixels, and its alpha (the matte) if it has one."""
    if image.mode == "RGBA":
        pixels = np.asarray(image)
        return np.ascontiguousarray(pixels[:, :, :3]), np.ascontiguousarray(pixels[:, :, 3])
    return np.asarray(image.convert("RGB")), None


def inputs_saved(folder: Path) -> bool:
    return all((folder / name).is_file() for name in (CANVAS_FILE, FACE_FILE, PLAN_FILE))

