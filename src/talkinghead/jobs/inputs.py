"""What a chunk needs, saved once in the job's folder: the framed portrait and the motion plan.

A worker process (local or remote) renders any chunk from these files alone:
no face detection, speech analysis or audio is repeated, and a resumed job
draws exactly the frames the interrupted one would have.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import TalkingHeadError
from ..face.landmarks import FaceGeometry
from ..motion.types import MotionPlan

CANVAS_FILE = "canvas.png"  # lossless: the engine must see the same pixels on every resume
FACE_FILE = "face.json"
PLAN_FILE = "plan.npz"


@dataclass(frozen=True)
class ChunkInputs:
    canvas: np.ndarray  # H x W x 3 uint8: the first output frame before animation
    face: FaceGeometry  # landmarks in canvas pixels
    roi: tuple[int, int, int, int]  # the animated region of the canvas
    plan: MotionPlan  # the whole job's motion, indexed by output frame


def save_inputs(folder: Path, inputs: ChunkInputs) -> None:
    """Write the three files, each atomically (a crash never leaves half a file)."""
    _atomic(folder / CANVAS_FILE, lambda p: Image.fromarray(inputs.canvas).save(p, format="PNG"))
    face = {"points": inputs.face.points.tolist(), "box": list(inputs.face.box),
            "faces_found": inputs.face.faces_found, "roi": list(inputs.roi)}
    _atomic(folder / FACE_FILE, lambda p: p.write_text(json.dumps(face)))
    arrays = {f.name: getattr(inputs.plan, f.name) for f in fields(inputs.plan)
              if f.name != "fps"}
    _atomic(folder / PLAN_FILE, lambda p: _save_npz(p, fps=inputs.plan.fps, **arrays))


def load_inputs(folder: Path) -> ChunkInputs:
    """The saved inputs. A plan saved before a channel existed reads it as all zero (rest)."""
    try:
        canvas = np.asarray(Image.open(folder / CANVAS_FILE).convert("RGB"))
        face = json.loads((folder / FACE_FILE).read_text())
        with np.load(folder / PLAN_FILE) as saved:
            plan = MotionPlan(fps=int(saved["fps"]),
                              **{f.name: saved[f.name] for f in fields(MotionPlan)
                                 if f.name != "fps" and f.name in saved.files})
    except (OSError, ValueError, KeyError) as e:
        raise TalkingHeadError(f"the job folder {folder} is damaged ({e}); "
                               "render again to start a new job") from e
    geometry = FaceGeometry(np.array(face["points"], dtype=np.float64), tuple(face["box"]),
                            face["faces_found"])
    return ChunkInputs(canvas, geometry, tuple(face["roi"]), plan)


def inputs_saved(folder: Path) -> bool:
    return all((folder / name).is_file() for name in (CANVAS_FILE, FACE_FILE, PLAN_FILE))


def _save_npz(path: Path, **arrays) -> None:
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _atomic(path: Path, write) -> None:
    partial = path.with_name(path.name + ".partial")
    write(partial)
    with open(partial, "rb") as f:
        os.fsync(f.fileno())
    partial.replace(path)
