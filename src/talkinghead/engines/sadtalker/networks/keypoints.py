"""Canonical keypoint detector: a portrait -> 15 keypoints in a 3-D feature space.

The image is blurred and shrunk to a quarter, encoded by five 2-D down blocks,
lifted to a volume (1024 channels x 16 deep) and decoded by five 3-D up blocks;
each keypoint is the expected position under a sharp softmax of its heatmap.
Prefix: `kp_extractor.`
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .volumes import DownBlock2d, UpBlock3d, block_width, coordinate_grid

KEYPOINTS = 15
EXPANSION = 32
CEILING = 1024
LEVELS = 5
LIFT_CHANNELS = 16384  # = 1024 channels x 16 deep
DEPTH = 16
TEMPERATURE = 0.1
SHRINK = 4  # the detector sees the image at a quarter of its side


class Hourglass2dTo3d(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.down_blocks = nn.Sequential()
        for i in range(LEVELS):
            cin = 3 if i == 0 else block_width(EXPANSION, i, CEILING)
            self.down_blocks.add_module(f"down{i}", DownBlock2d(
                cin, block_width(EXPANSION, i + 1, CEILING)))
        self.conv = nn.Conv2d(block_width(EXPANSION, LEVELS, CEILING), LIFT_CHANNELS, 1)
        self.up_blocks = nn.Sequential()
        for i in range(LEVELS):
            self.up_blocks.add_module(f"up{i}", UpBlock3d(
                block_width(EXPANSION, LEVELS - i, CEILING),
                block_width(EXPANSION, LEVELS - i - 1, CEILING)))
        self.out_channels = EXPANSION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(self.down_blocks(x))
        batch, channels, height, width = out.shape
        return self.up_blocks(out.view(batch, channels // DEPTH, DEPTH, height, width))


class AntiAlias(nn.Module):
    """A Gaussian anti-aliasing kernel, saved in the checkpoint as `down.weight`."""

    weight: torch.Tensor  # a buffer, registered in __init__

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("weight", torch.zeros(3, 1, 13, 13))


class KeypointDetector(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.predictor = Hourglass2dTo3d()
        self.kp = nn.Conv3d(self.predictor.out_channels, KEYPOINTS, 3, padding=1)
        self.down = AntiAlias()

    def shrink(self, image: torch.Tensor) -> torch.Tensor:
        half = self.down.weight.shape[-1] // 2
        out = F.conv2d(F.pad(image, (half, half, half, half)), self.down.weight, groups=3)
        return out[:, :, ::SHRINK, ::SHRINK]

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """image (B, 3, H, W) RGB in 0..1, H and W multiples of 128 -> keypoints (B, 15, 3)."""
        heat = self.kp(self.predictor(self.shrink(image)))
        batch, kps, depth, height, width = heat.shape
        weights = F.softmax(heat.view(batch, kps, -1) / TEMPERATURE, dim=2)
        grid = coordinate_grid(depth, height, width, heat).view(1, 1, -1, 3)
        return (weights.unsqueeze(-1) * grid).sum(dim=2)
