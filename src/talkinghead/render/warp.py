"""The default engine: warp the portrait along its landmarks, then draw lids and mouth on top.

Per frame, all from the motion plan's row for that frame (no state carried between frames, so
any chunk of frames renders the same pixels as the whole clip):

1. move the rig's control points (mouth, jaw, 3D head turn; rig.py);
2. resample the source through the piecewise-affine mesh (mesh.py), in fixed-point maps;
3. restore the detail that resampling blurred (enhance.py);
4. slide the upper lids down for a blink (eyelids.py);
5. paint the mouth interior where the lips have parted beyond the portrait (mouth.py);
6. paste the region into the canvas.

Only the region of interest is warped, and inside it only the pixels that move are resampled:
everything else is the source, bit for bit. The displacement falls smoothly to zero before the
region's edge (the rig's border anchors), so the paste has no seam.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from ..face.landmarks import FaceGeometry
from ..settings import RenderSettings
from .enhance import Enhancer, calibrate, restore
from .eyelids import LidShape, draw_blink, lid_shapes
from .mesh import Mesh, PiecewiseAffineWarp, build_mesh
from .mouth import MouthPalette, Opening, paint_interior, palette_from
from .rig import (
    LIP_RAISE,
    LOWER_TEETH_EDGE,
    UPPER_TEETH_EDGE,
    FramePose,
    Rig,
    build_rig,
    pose_points,
)

# The opening is painted in full once the teeth edges are this far apart (share of mouth width).
PAINT_FROM_GAP = 0.0
PAINT_FULL_GAP = 0.04
SOFT_SKIN_SIGMA_IOD = 0.025  # blur of the lid-skin source, inter-ocular distances: no lashes


@dataclass(frozen=True)
class WarpState:
    canvas: np.ndarray  # the framed portrait, H x W x 3 uint8
    roi: tuple[int, int, int, int]
    source: np.ndarray  # the region of interest of the canvas (what the warp samples)
    soft_source: np.ndarray  # the same, blurred: smooth skin for the closing eyelids
    rig: Rig
    mesh: Mesh
    warp: PiecewiseAffineWarp
    palette: MouthPalette
    lids: tuple[LidShape, LidShape]
    enhancer: Enhancer
    animated: np.ndarray  # canvas-sized bool: the pixels that can differ from the source

    @property
    def interpolation(self) -> int:
        return self.enhancer.interpolation


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
        soft = cv2.GaussianBlur(source, (0, 0), SOFT_SKIN_SIGMA_IOD * rig.iod)
        face_mask = _face_mask(rig.rest[:68], source.shape)
        enhancer = calibrate(source, face_mask, settings.enhance)
        animated = np.zeros(canvas.shape[:2], bool)
        animated[y0:y1, x0:x1] = _moving_mask(rig, mesh, source.shape)
        # The mouth's colour matching (eye whites, grain) is part of the enhancement.
        palette = palette_from(source, rig.rest[:68], enhancer.grain if settings.enhance else 0.0,
                               match_eyes=settings.enhance)
        return WarpState(canvas, roi, source, soft, rig, mesh, warp, palette,
                         lid_shapes(rig.rest, soft), enhancer, animated)

    def render(self, state: WarpState, plan, start: int, stop: int) -> Iterator[np.ndarray]:
        for index in range(start, stop):
            yield self.render_frame(state, frame_pose(plan, index), plan, index)

    def render_frame(self, state: WarpState, pose: FramePose, plan=None,
                     index: int = 0) -> np.ndarray:
        moved = pose_points(state.rig, pose)
        dx, dy = state.warp.displacement(moved)
        map_x, map_y = state.warp.maps_from(dx, dy)
        fixed = cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)  # 1/32 px: twice as fast to apply
        region = cv2.remap(state.source, *fixed, state.interpolation,
                           borderMode=cv2.BORDER_REFLECT)
        restore(region, dx, dy, state.enhancer)
        draw_blink(region, (state.source, state.soft_source), (map_x, map_y), moved, state.lids,
                   pose.blink, state.interpolation)
        self._paint_mouth(state, region, moved, pose, plan, index)
        frame = state.canvas.copy()
        x0, y0, x1, y1 = state.roi
        frame[y0:y1, x0:x1] = region
        return frame

    def _paint_mouth(self, state: WarpState, region: np.ndarray, moved: np.ndarray,
                     pose: FramePose, plan, index: int) -> None:
        rig = state.rig
        opening = Opening(moved[[60, *UPPER_TEETH_EDGE, 64]], moved[[60, *LOWER_TEETH_EDGE, 64]],
                          rig.u, rig.v)
        gap = max((moved[lo] - moved[up]) @ rig.v
                  for up, lo in zip(UPPER_TEETH_EDGE, LOWER_TEETH_EDGE, strict=True))
        strength = float(np.clip((gap / rig.mouth_width - PAINT_FROM_GAP)
                                 / (PAINT_FULL_GAP - PAINT_FROM_GAP), 0, 1))
        # An open portrait shows its own teeth above and below the new gap; paint
        # teeth only into a mouth that had none showing.
        teeth = 0.0 if rig.mouth_is_open else max(
            float(plan.teeth[index]) if plan is not None else 0.5, pose.upper_lip_raise)
        tongue = float(plan.tongue[index]) if plan is not None else 0.0
        # A raised upper lip uncovers more of the upper teeth, whose tips stay put.
        lift = float(np.clip(pose.upper_lip_raise, 0, 1)) * LIP_RAISE * rig.mouth_width
        paint_interior(region, opening, state.palette, rig.mouth_width, strength, teeth, tongue,
                       with_teeth=not rig.mouth_is_open, lift_px=lift)


def _face_mask(points: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The face inside its jaw line and brows: where sharpness and grain are measured."""
    hull = cv2.convexHull(points.astype(np.float32)).astype(np.int32)
    return cv2.fillConvexPoly(np.zeros(shape[:2], np.uint8), hull, 1) > 0


def _moving_mask(rig: Rig, mesh: Mesh, shape: tuple[int, ...]) -> np.ndarray:
    """Pixels any frame may change: triangles with a corner that moves, grown by the reach of
    the interpolation and sharpening kernels (2 px)."""
    moves = np.ones(len(rig.rest), bool)
    moves[len(rig.rest) - rig.n_fixed:] = False
    mask = np.zeros(shape[:2], np.uint8)
    for corners in mesh.triangles[moves[mesh.triangles].any(axis=1)]:
        cv2.fillConvexPoly(mask, np.round(rig.rest[corners]).astype(np.int32), 1)
    return cv2.dilate(mask, np.ones((5, 5), np.uint8)) > 0


def frame_pose(plan, index: int) -> FramePose:
    """One frame's values from a MotionPlan."""
    return FramePose(
        jaw_open=float(plan.jaw_open[index]),
        mouth_width=float(plan.mouth_width[index]),
        lips_closed=float(plan.lips_closed[index]),
        lower_lip_tuck=float(plan.lower_lip_tuck[index]),
        lip_round=_channel(plan, "lip_round", index),
        upper_lip_raise=_channel(plan, "upper_lip_raise", index),
        blink=float(plan.blink[index]),
        yaw=float(plan.head_yaw[index]),
        pitch=float(plan.head_pitch[index]),
        roll=float(plan.head_roll[index]),
        shift_x=float(plan.head_x[index]),
        shift_y=float(plan.head_y[index]),
    )


def _channel(plan, name: str, index: int) -> float:
    """A channel added to MotionPlan later: 0 for plans (or stand-ins) without it."""
    values = getattr(plan, name, None)
    return 0.0 if values is None else float(values[index])
