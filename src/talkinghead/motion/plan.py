"""Motion planning: the chain of passes from `Speech` to a `MotionPlan`, in one place.

    frames -> visemes -> coarticulation -> acoustic blend -> pauses -> smoothing -> expression
           -> brows
           -> head -> gaze -> blinks

Each pass is a pure function in its own module; this one only wires them together. The plan
covers the whole audio before any frame is drawn, so chunks rendered separately join without a
jump. Same speech, settings, frame count and seed give the same plan, bit for bit.
"""

from __future__ import annotations

import numpy as np

from ..settings import RenderSettings
from ..speech.types import Speech
from .acoustic import blend_acoustics
from .blinks import plan_blinks
from .brows import plan_brows
from .coarticulation import coarticulate
from .expression import scale_expression
from .frames import speech_to_frames
from .gaze import hold_on_camera, plan_gaze
from .head import plan_head
from .pauses import relax_pauses
from .smoothing import smooth_mouth
from .types import MotionPlan
from .visemes import viseme_targets


def plan_motion(speech: Speech, settings: RenderSettings, n_frames: int, seed: int) -> MotionPlan:
    """Mouth, brows, eyes and head for each of `n_frames` output frames at `settings.fps`."""
    if n_frames < 0:
        raise ValueError(f"n_frames must be >= 0, got {n_frames}")
    fps = settings.fps
    if n_frames == 0:
        empty = np.zeros(0, dtype=np.float32)
        return MotionPlan(fps, *([empty] * 12))
    frames = speech_to_frames(speech, fps, n_frames)
    visemes = viseme_targets(frames.phones, n_frames, frames.loudness, fps)
    mouth = blend_acoustics(coarticulate(visemes, fps), frames, visemes.apart)
    mouth = relax_pauses(mouth, frames)
    mouth = smooth_mouth(mouth, fps)
    mouth = scale_expression(mouth, settings.expression_scale)
    brows = plan_brows(frames, settings.expression_scale)
    head = plan_head(frames, settings.pose_style, settings.expression_scale, settings.still, seed)
    gaze = hold_on_camera(plan_gaze(frames, seed, calm=settings.still), head.yaw, head.pitch)
    blink = plan_blinks(frames, seed, after=gaze.saccades)
    return MotionPlan(
        fps=fps,
        jaw_open=mouth.jaw_open,
        mouth_width=mouth.mouth_width,
        lips_closed=mouth.lips_closed,
        lower_lip_tuck=mouth.lower_lip_tuck,
        teeth=mouth.teeth,
        tongue=mouth.tongue,
        lip_round=mouth.lip_round,
        upper_lip_raise=mouth.upper_lip_raise,
        blink=blink,
        brow_raise=brows,
        gaze_x=gaze.x,
        gaze_y=gaze.y,
        head_yaw=head.yaw,
        head_pitch=head.pitch,
        head_roll=head.roll,
        head_x=head.x,
        head_y=head.y,
    )
