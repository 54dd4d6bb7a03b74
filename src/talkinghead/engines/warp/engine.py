"""The default engine: warp the portrait along its landmarks, then draw lids and mouth on top.

Per frame, all from the motion plan's row for that frame (no state carried between frames, so
any chunk of frames renders the same pixels as the whole clip):

0. (once, in `prepare`) move the inner lip landmarks off any teeth they sit on (lips.py);
1. move the rig's control points (mouth, jaw, 3D head turn; rig.py);
2. resample the source through the piecewise-affine mesh (mesh.py), from its supersampled
   version when enhancing (enhance.py);
3. restore the detail that resampling blurred (enhance.py);
4. slide the upper lids down for a blink (eyelids.py);
5. paint the mouth interior where the lips have parted beyond the portrait (mouth.py), or,
   where they close over a mouth open in the portrait, the shadow of their seam;
6. paste the region into the canvas.

A cut-out portrait (one with a matte) renders RGBA frames: the matte is resampled through the
same maps as the colours, so its edge moves with the hair and jaw it outlines.

Lips closing over a portrait's open mouth meet along a seam where the displacement jumps
(their sources lie on either side of the portrait's teeth): there the maps are computed per
pixel and the lips sampled from just inside their edges (mesh.py, rig.source_points), so no
teeth show between them.

Only the region of interest is warped, and inside it only the pixels that move are resampled:
everything else is the source, bit for bit. The displacement falls smoothly to zero before the
region's edge (the rig's border anchors), so the paste has no seam.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ...face.framing import FramedPortrait
from ...face.landmarks import FaceGeometry
from ...motion.types import MotionPlan
from ...settings import RenderSettings
from ..base import Engine
from .enhance import Enhancer, calibrate, resample, restore, sampled_image
from .eyelids import LidShape, draw_blink, lid_shapes
from .lips import opening_is_dark, refine_inner_lips, shows_teeth
from .mesh import Mesh, PiecewiseAffineWarp, build_mesh
from .mouth import MouthPalette, Opening, draw_lip_seam, paint_interior, palette_from
from .rig import (
    LIP_RAISE,
    LOWER_TEETH_EDGE,
    MOUTH_CHAINS,
    OPENING_BAND,
    UPPER_TEETH_EDGE,
    FramePose,
    Rig,
    build_rig,
    clamp_unit,
    lip_closing,
    pose_points,
    source_points,
)

# The opening is painted in full once the teeth edges are this far apart (share of mouth width).
PAINT_FROM_GAP = 0.0
PAINT_FULL_GAP = 0.04
SEAM_FROM_CLOSING = 0.5  # an open portrait mouth closing: its lips' seam shows from here on
MOUTH_POINTS = np.unique(np.concatenate(MOUTH_CHAINS))
MOUTH_BOX_MARGIN_PX = 3
SOFT_SKIN_SIGMA_IOD = 0.025  # blur of the lid-skin source, inter-ocular distances: no lashes


@dataclass(frozen=True)
class WarpState:
    canvas: np.ndarray  # the framed portrait, H x W x 3 uint8
    roi: tuple[int, int, int, int]
    source: np.ndarray  # the region of interest of the canvas
    sampled: np.ndarray  # what the warp samples: the source, or its supersampled version
    soft_source: np.ndarray  # the same, blurred: smooth skin for the closing eyelids
    rig: Rig
    mesh: Mesh
    warp: PiecewiseAffineWarp
    palette: MouthPalette
    lids: tuple[LidShape, LidShape]
    enhancer: Enhancer
    animated: np.ndarray  # canvas-sized bool: the pixels that can differ from the source
    own_teeth: bool = False  # the portrait shows its teeth between its lips: none are painted
    layer: np.ndarray | None = None  # H x W x 4: the canvas with its matte, for a cut-out
    sampled_matte: np.ndarray | None = None  # the matte's region of interest, as `sampled`

    @property
    def interpolation(self) -> int:
        return self.enhancer.interpolation


def _rigged(canvas: np.ndarray, face: FaceGeometry, roi: tuple[int, int, int, int]
            ) -> tuple[np.ndarray, FaceGeometry, Rig, Mesh]:
    """The animated region of the canvas, its face (inner lips refined), rig and mesh."""
    x0, y0, x1, y1 = roi
    source = np.ascontiguousarray(canvas[y0:y1, x0:x1])
    local_face = refine_inner_lips(source, face.transformed(1.0, 1.0, -x0, -y0))
    rig = build_rig(local_face, (x1 - x0, y1 - y0), opening_is_dark(source, local_face))
    return source, local_face, rig, build_mesh(rig.rest)


class WarpEngine(Engine[WarpState]):
    name = "warp"
    cuts_out = True

    def check_portrait(self, portrait: FramedPortrait) -> None:
        _rigged(portrait.canvas, portrait.face, portrait.roi)  # NoFaceError: no mesh possible

    def prepare(self, portrait: FramedPortrait, settings: RenderSettings,
                job_folder: Path | None = None) -> WarpState:
        canvas, roi = portrait.canvas, portrait.roi
        x0, y0, x1, y1 = roi
        source, local_face, rig, mesh = _rigged(canvas, portrait.face, roi)
        warp = PiecewiseAffineWarp(mesh, rig.rest, (x1 - x0, y1 - y0))
        soft = cv2.GaussianBlur(source, (0, 0), SOFT_SKIN_SIGMA_IOD * rig.iod)
        face_mask = _face_mask(rig.rest[:68], source.shape)
        enhancer = calibrate(source, face_mask, settings.enhance)
        animated = np.zeros(canvas.shape[:2], bool)
        animated[y0:y1, x0:x1] = _moving_mask(rig, mesh, source.shape)
        # The mouth's colour matching (eye whites, grain) is part of the enhancement.
        palette = palette_from(source, rig.rest[:68], enhancer.grain if settings.enhance else 0.0,
                               match_eyes=settings.enhance)
        own_teeth = rig.mouth_is_open and shows_teeth(source, local_face)
        layer = sampled_matte = None
        if portrait.matte is not None:
            layer = np.dstack([canvas, portrait.matte])
            sampled_matte = sampled_image(np.ascontiguousarray(portrait.matte[y0:y1, x0:x1]),
                                          enhancer)
        return WarpState(canvas, roi, source, sampled_image(source, enhancer), soft, rig, mesh,
                         warp, palette, lid_shapes(rig.rest, soft), enhancer, animated,
                         own_teeth, layer, sampled_matte)

    def still_outside(self, state: WarpState) -> tuple[int, int, int, int]:
        return state.roi  # pasted into the canvas (6. above)

    def render(self, state: WarpState, plan: MotionPlan, start: int,
               stop: int) -> Iterator[np.ndarray]:
        for index in range(start, stop):
            yield self.render_frame(state, frame_pose(plan, index), plan, index)

    def render_frame(self, state: WarpState, pose: FramePose, plan: MotionPlan | None = None,
                     index: int = 0) -> np.ndarray:
        moved = pose_points(state.rig, pose)
        closing = lip_closing(state.rig, pose)
        if closing.any():  # lips closing over an open portrait mouth: a seam to keep sharp
            dx, dy = state.warp.displacement(moved, source_points(state.rig, pose),
                                             _mouth_box(moved))
        else:
            dx, dy = state.warp.displacement(moved)
        map_x, map_y = state.warp.maps_from(dx, dy)
        region, maps = resample(state.sampled, map_x, map_y, state.enhancer)
        restore(region, map_x, map_y, state.enhancer)
        draw_blink(region, (state.source, state.soft_source), (map_x, map_y), moved, state.lids,
                   pose.blink, state.interpolation)
        self._paint_mouth(state, region, moved, pose, plan, index)
        if closing.any():
            meeting = lip_closing(state.rig, pose, of_held=True)
            _draw_seal(state.rig, region, moved, float(meeting.mean()))
        x0, y0, x1, y1 = state.roi
        if state.layer is not None and state.sampled_matte is not None:
            frame = state.layer.copy()
            frame[y0:y1, x0:x1, :3] = region
            frame[y0:y1, x0:x1, 3] = cv2.remap(state.sampled_matte, *maps, cv2.INTER_LINEAR,
                                                borderMode=cv2.BORDER_REFLECT)
            return frame
        frame = state.canvas.copy()
        frame[y0:y1, x0:x1] = region
        return frame

    def _paint_mouth(self, state: WarpState, region: np.ndarray, moved: np.ndarray,
                     pose: FramePose, plan: MotionPlan | None, index: int) -> None:
        rig = state.rig
        opening = Opening(moved[list(MOUTH_CHAINS[OPENING_BAND])],
                          moved[list(MOUTH_CHAINS[OPENING_BAND + 1])], rig.u, rig.v)
        gap = max((moved[lo] - moved[up]) @ rig.v
                  for up, lo in zip(UPPER_TEETH_EDGE, LOWER_TEETH_EDGE, strict=True))
        strength = clamp_unit((float(gap) / rig.mouth_width - PAINT_FROM_GAP)
                              / (PAINT_FULL_GAP - PAINT_FROM_GAP))
        # A portrait smiling with its teeth shows them above and below the new gap; paint
        # teeth only into a mouth that had none showing (closed, or apart over a dark gap).
        teeth = 0.0 if state.own_teeth else max(
            float(plan.teeth[index]) if plan is not None else 0.5, pose.upper_lip_raise)
        tongue = float(plan.tongue[index]) if plan is not None else 0.0
        # A raised upper lip uncovers more of the upper teeth, whose tips stay put.
        lift = clamp_unit(pose.upper_lip_raise) * LIP_RAISE * rig.mouth_width
        paint_interior(region, opening, state.palette, rig.mouth_width, strength, teeth, tongue,
                       with_teeth=not state.own_teeth, lift_px=lift)


def _draw_seal(rig: Rig, region: np.ndarray, moved: np.ndarray, closing: float) -> None:
    """The contact shadow of lips closing over a portrait's open mouth (`closing`: the share
    of its held gap they close, `Rig.held_gaps`): it fades in from `SEAM_FROM_CLOSING` on, as
    the lips come close enough to shade the teeth."""
    strength = clamp_unit((closing - SEAM_FROM_CLOSING) / (1 - SEAM_FROM_CLOSING))
    upper, lower = moved[list(MOUTH_CHAINS[1])], moved[list(MOUTH_CHAINS[-2])]
    draw_lip_seam(region, upper, lower, rig.u, rig.v, rig.mouth_width, strength)


def _mouth_box(moved: np.ndarray) -> tuple[int, int, int, int]:
    """The lips and teeth edges' box, grown by the interpolation's reach: where the maps are
    computed per pixel (the lips' seam, see mesh.PiecewiseAffineWarp)."""
    lips = moved[MOUTH_POINTS]
    (x0, y0), (x1, y1) = np.floor(lips.min(axis=0)), np.ceil(lips.max(axis=0))
    return (int(x0) - MOUTH_BOX_MARGIN_PX, int(y0) - MOUTH_BOX_MARGIN_PX,
            int(x1) + MOUTH_BOX_MARGIN_PX + 1, int(y1) + MOUTH_BOX_MARGIN_PX + 1)


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


def frame_pose(plan: MotionPlan, index: int) -> FramePose:
    """One frame's values from a MotionPlan."""
    return FramePose(
        jaw_open=float(plan.jaw_open[index]),
        mouth_width=float(plan.mouth_width[index]),
        lips_closed=float(plan.lips_closed[index]),
        lower_lip_tuck=float(plan.lower_lip_tuck[index]),
        lip_round=_channel(plan, "lip_round", index),
        upper_lip_raise=_channel(plan, "upper_lip_raise", index),
        blink=float(plan.blink[index]),
        brow_raise=_channel(plan, "brow_raise", index),
        gaze_x=_channel(plan, "gaze_x", index),
        gaze_y=_channel(plan, "gaze_y", index),
        yaw=float(plan.head_yaw[index]),
        pitch=float(plan.head_pitch[index]),
        roll=float(plan.head_roll[index]),
        shift_x=float(plan.head_x[index]),
        shift_y=float(plan.head_y[index]),
    )


def _channel(plan: MotionPlan, name: str, index: int) -> float:
    """A channel added to MotionPlan later: 0 for plans (or stand-ins) without it."""
    values = getattr(plan, name, None)
    return 0.0 if values is None else float(values[index])
