"""From the mapping's head motion to driven keypoints: rotate, shift up/down, add expression.

Angles are expectations over 66 bins of 3 degrees from -99; the rotation is
pitch x yaw x roll, converted with pi taken as 3.14 because the networks were
trained that way. Only the vertical translation is kept.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .mapping import POSE_BINS, HeadMotion

DEGREES_PER_BIN = 3
FIRST_BIN_DEGREES = -99
TRAINED_PI = 3.14


def bins_to_degrees(logits: torch.Tensor) -> torch.Tensor:
    bins = torch.arange(POSE_BINS, dtype=logits.dtype, device=logits.device)
    return (F.softmax(logits, dim=1) * bins).sum(dim=1) * DEGREES_PER_BIN + FIRST_BIN_DEGREES


def rotation_matrix(yaw: torch.Tensor, pitch: torch.Tensor, roll: torch.Tensor) -> torch.Tensor:
    """Degrees (B,) each -> (B, 3, 3) = pitch (about x) @ yaw (about y) @ roll (about z)."""
    yaw, pitch, roll = (angle / 180 * TRAINED_PI for angle in (yaw, pitch, roll))
    one, zero = torch.ones_like(yaw), torch.zeros_like(yaw)

    def matrix(*rows):
        return torch.stack(rows, dim=1).view(-1, 3, 3)

    about_x = matrix(one, zero, zero, zero, pitch.cos(), -pitch.sin(),
                     zero, pitch.sin(), pitch.cos())
    about_y = matrix(yaw.cos(), zero, yaw.sin(), zero, one, zero, -yaw.sin(), zero, yaw.cos())
    about_z = matrix(roll.cos(), -roll.sin(), zero, roll.sin(), roll.cos(), zero,
                     zero, zero, one)
    return about_x @ about_y @ about_z


def drive_keypoints(canonical: torch.Tensor, motion: HeadMotion) -> torch.Tensor:
    """canonical (B, 15, 3) -> keypoints posed and expressed by `motion` (B, 15, 3)."""
    rotation = rotation_matrix(bins_to_degrees(motion.yaw), bins_to_degrees(motion.pitch),
                               bins_to_degrees(motion.roll))
    rotated = canonical @ rotation.transpose(1, 2)
    shift = torch.zeros_like(motion.t)
    shift[:, 1] = motion.t[:, 1]
    return rotated + shift.unsqueeze(1) + motion.exp.view(motion.exp.shape[0], -1, 3)
