"""What a chunk needs, saved once in the job's folder: the framed portrait and the motion plan.

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
FACE_FILE = "face.json"
PLAN_FILE = "plan.npz"
CODE_FILE = "code.txt"  # the fingerprint of the rendering code that planned the job


@dataclass(frozen=True)
class ChunkInputs:
    canvas: np.ndarray  # H x W x 3 uint8: the first output frame before animation
    face: FaceGeometry  # landmarks in canvas pixels
    roi: tuple[int, int, int, int]  # the animated region of the canvas
    plan: MotionPlan  # the whole job's motion, indexed by output frame


def save_inputs(folder: Path, inputs: ChunkInputs) -> None:
    """Write the three files, each atomically (a crash never leaves half a file)."""
    with atomic_path(folder / CANVAS_FILE) as path:
        Image.fromarray(inputs.canvas).save(path, format="PNG")
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
        canvas = np.asarray(Image.open(folder / CANVAS_FILE).convert("RGB"))
        geometry = load_face(folder)
        x0, y0, x1, y1 = (int(v) for v in json.loads((folder / FACE_FILE).read_text())["roi"])
        with np.load(folder / PLAN_FILE) as saved:
            plan = plan_from_arrays(saved)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise TalkingHeadError(f"the job folder {folder} is damaged ({e}); "
                               "render again to start a new job") from e
    return ChunkInputs(canvas, geometry, (x0, y0, x1, y1), plan)


def inputs_saved(folder: Path) -> bool:
    return all((folder / name).is_file() for name in (CANVAS_FILE, FACE_FILE, PLAN_FILE))

