"""The default engine: warp the portrait along its landmarks and paint the mouth interior.

Per frame: move the rig's control points (mouth, lids, head), build the
backward map over the animated region with a piecewise-affine mesh, resample
the source, and paint the mouth interior where the lips have parted beyond
what the portrait shows. Only the region of interest is touched; the rest of
the canvas is the source, pixel for pixel.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from ..face.landmarks import FaceGeometry
from ..settings import RenderSettings
from .mesh import Mesh, PiecewiseAffineWarp, build_mesh
from .mouth import MouthPalette, paint_interior, palette_from
from .rig import (
    LOWER_TEETH_EDGE,
    MOUTH_HOLE,
    UPPER_TEETH_EDGE,
    FramePose,
    Rig,
    build_rig,
    pose_points,
)

# The opening is painted in full once the teeth edges are this far apart (share of mouth width).
PAINT_FROM_GAP = 0.0
PAINT_FULL_GAP = 0.04


@dataclass
class WarpState:
    canvas: np.ndarray  # the framed portrait, H x W x 3 uint8
    roi: tuple[int, int, int, int]
    source: np.ndarray  # the region of interest of the canvas (what the warp samples)
    rig: Rig
    mesh: Mesh
    warp: PiecewiseAffineWarp
    palette: MouthPalette
    interpolation: int


class WarpEngine:
    name = "warp"

    def prepare(self, canvas: np.ndarray, face: FaceGeometry,
                roi: tuple[int, int, int, int], settings: RenderSettings) -> WarpState:
        x0, y0, x1, y1 = roi
        source = np.ascontiguousarray(canvas[y0:y1, x0:x1])
        local_face = face.transformed(1.0, 1.0, -x0, -y0)
        rig = build_rig(local_face, (x1 - x0, y1 - y0))
        mesh = build_mesh(rig.rest)
        warp = PiecewiseAffineWarp(mesh, rig.rest, (x1 - x0, y1 - y0))
        # Enhancement: bicubic resampling keeps warped skin and lip texture
        # sharp; bilinear is faster and a little softer.
        interpolation = cv2.INTER_CUBIC if settings.enhance else cv2.INTER_LINEAR
        return WarpState(canvas, roi, source, rig, mesh, warp,
                         palette_from(source, rig.rest[:68]), interpolation)

    def render(self, state: WarpState, plan, start: int, stop: int) -> Iterator[np.ndarray]:
        for index in range(start, stop):
            yield self.render_frame(state, frame_pose(plan, index), plan, index)

    def render_frame(self, state: WarpState, pose: FramePose, plan=None,
                     index: int = 0) -> np.ndarray:
        moved = pose_points(state.rig, pose)
        map_x, map_y = state.warp.maps(moved)
        region = cv2.remap(state.source, map_x, map_y, state.interpolation,
                           borderMode=cv2.BORDER_REFLECT)
        self._paint_mouth(state, region, moved, plan, index)
        frame = state.canvas.copy()
        x0, y0, x1, y1 = state.roi
        frame[y0:y1, x0:x1] = region
        return frame

    def _paint_mouth(self, state: WarpState, region: np.ndarray, moved: np.ndarray,
                     plan, index: int) -> None:
        rig = state.rig
        hole = moved[list(MOUTH_HOLE)]
        gap = max((moved[lo] - moved[up]) @ rig.v
                  for up, lo in zip(UPPER_TEETH_EDGE, LOWER_TEETH_EDGE, strict=True))
        strength = float(np.clip((gap / rig.mouth_width - PAINT_FROM_GAP)
                                 / (PAINT_FULL_GAP - PAINT_FROM_GAP), 0, 1))
        # An open portrait shows its own teeth above and below the new gap; paint
        # teeth only into a mouth that had none showing.
        teeth = 0.0 if rig.mouth_is_open else (
            float(plan.teeth[index]) if plan is not None else 0.5)
        tongue = float(plan.tongue[index]) if plan is not None else 0.0
        paint_interior(region, hole, state.palette, rig.mouth_width, strength, teeth, tongue,
                       with_teeth=not rig.mouth_is_open)


def frame_pose(plan, index: int) -> FramePose:
    """One frame's values from a MotionPlan."""
    return FramePose(
        jaw_open=float(plan.jaw_open[index]),
        mouth_width=float(plan.mouth_width[index]),
        lips_closed=float(plan.lips_closed[index]),
        lower_lip_tuck=float(plan.lower_lip_tuck[index]),
        blink=float(plan.blink[index]),
        yaw=float(plan.head_yaw[index]),
        pitch=float(plan.head_pitch[index]),
        roll=float(plan.head_roll[index]),
        shift_x=float(plan.head_x[index]),
        shift_y=float(plan.head_y[index]),
    )
