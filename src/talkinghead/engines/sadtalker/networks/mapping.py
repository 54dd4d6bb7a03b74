"""The face renderer's mapping: a window of 3DMM coefficients -> head pose and keypoint motion.

Input is 27 frames of coefficients centred on the frame (70 per frame, 73 for the
`full` preprocess mode's mapping, which also sees the crop). Outputs: yaw, pitch
and roll as 66-bin logits, a translation, and a 3-D offset per keypoint.
Checkpoint: the `mapping` entry of `mapping_00229-model.pth.tar` (70) or
`mapping_00109-model.pth.tar` (73).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

DESCRIPTOR = 1024
ENCODER_LAYERS = 3
KEYPOINTS = 15
POSE_BINS = 66
WINDOW_RADIUS = 13  # frames either side: a 27-frame window


class HeadMotion(NamedTuple):
    yaw: torch.Tensor  # (B, 66) logits over 3-degree bins
    pitch: torch.Tensor
    roll: torch.Tensor
    t: torch.Tensor  # (B, 3)
    exp: torch.Tensor  # (B, 45): 15 keypoints x 3


class MappingNet(nn.Module):
    def __init__(self, coeff_channels: int = 70) -> None:
        super().__init__()
        self.first = nn.Sequential(nn.Conv1d(coeff_channels, DESCRIPTOR, 7))
        for i in range(ENCODER_LAYERS):
            setattr(self, f"encoder{i}", nn.Sequential(
                nn.LeakyReLU(0.1), nn.Conv1d(DESCRIPTOR, DESCRIPTOR, 3, dilation=3)))
        self.pooling = nn.AdaptiveAvgPool1d(1)
        self.fc_roll = nn.Linear(DESCRIPTOR, POSE_BINS)
        self.fc_pitch = nn.Linear(DESCRIPTOR, POSE_BINS)
        self.fc_yaw = nn.Linear(DESCRIPTOR, POSE_BINS)
        self.fc_t = nn.Linear(DESCRIPTOR, 3)
        self.fc_exp = nn.Linear(DESCRIPTOR, 3 * KEYPOINTS)

    def forward(self, window: torch.Tensor) -> HeadMotion:
        """window (B, 70 or 73, 27) -> HeadMotion."""
        out = self.first(window)
        for i in range(ENCODER_LAYERS):
            # each dilated conv trims 3 frames per side; the skip is trimmed to match
            out = getattr(self, f"encoder{i}")(out) + out[:, :, 3:-3]
        out = self.pooling(out).flatten(1)
        return HeadMotion(self.fc_yaw(out), self.fc_pitch(out), self.fc_roll(out),
                          self.fc_t(out), self.fc_exp(out))
