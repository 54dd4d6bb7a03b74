"""The face renderer's generator: warp the portrait's 3-D features from source to driven keypoints.

1. Encode the portrait into a feature volume (32 channels x 16 deep).
2. Dense motion: for each keypoint, the motion that carries its driven position back
   to its source position; an hourglass over the features moved each way, plus the
   keypoints' Gaussian heatmaps, weighs these motions per voxel and predicts which
   pixels are hidden (occlusion).
3. Resample the volume along the blended motion, flatten depth into channels, mask
   occluded pixels and decode with SPADE residual blocks (spectral-normalised convs)
   up to the image. Prefix: `generator.`
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import SpectralNormConv2d
from .keypoints import KEYPOINTS
from .volumes import DownBlock2d as EncoderDownBlock
from .volumes import (
    DownBlock3d,
    ResBlock3d,
    SameBlock2d,
    UpBlock3d,
    block_width,
    coordinate_grid,
)

FEATURE_CHANNELS = 32
FEATURE_DEPTH = 16
COMPRESSED = 4
MOTION_EXPANSION = 32
MOTION_CEILING = 1024
MOTION_LEVELS = 5
KEYPOINT_VARIANCE = 0.01
MASK_FLOOR = 1e-3  # motion weights below this are dropped, as in training
RESBLOCKS_3D = 6
SPADE_HIDDEN = 128


def _sample(volume: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    return F.grid_sample(volume, grid, mode="bilinear", padding_mode="zeros",
                         align_corners=False)


class MotionEncoder(nn.Module):
    def __init__(self, cin: int) -> None:
        super().__init__()
        self.down_blocks = nn.ModuleList(
            DownBlock3d(cin if i == 0 else block_width(MOTION_EXPANSION, i, MOTION_CEILING),
                        block_width(MOTION_EXPANSION, i + 1, MOTION_CEILING))
            for i in range(MOTION_LEVELS))


class MotionDecoder(nn.Module):
    def __init__(self, cin: int) -> None:
        super().__init__()
        self.up_blocks = nn.ModuleList(
            UpBlock3d((1 if i == MOTION_LEVELS - 1 else 2)
                      * block_width(MOTION_EXPANSION, i + 1, MOTION_CEILING),
                      block_width(MOTION_EXPANSION, i, MOTION_CEILING))
            for i in reversed(range(MOTION_LEVELS)))
        self.out_channels = MOTION_EXPANSION + cin
        self.conv = nn.Conv3d(self.out_channels, self.out_channels, 3, padding=1)
        self.norm = nn.BatchNorm3d(self.out_channels)


class MotionHourglass(nn.Module):
    def __init__(self, cin: int) -> None:
        super().__init__()
        self.encoder = MotionEncoder(cin)
        self.decoder = MotionDecoder(cin)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = [x]
        for block in self.encoder.down_blocks:
            skips.append(block(skips[-1]))
        out = skips.pop()
        for block in self.decoder.up_blocks:
            out = torch.cat([block(out), skips.pop()], dim=1)
        return F.relu(self.decoder.norm(self.decoder.conv(out)))


class DenseMotionNetwork(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.hourglass = MotionHourglass((KEYPOINTS + 1) * (COMPRESSED + 1))
        channels = self.hourglass.decoder.out_channels
        self.mask = nn.Conv3d(channels, KEYPOINTS + 1, 7, padding=3)
        self.compress = nn.Conv3d(FEATURE_CHANNELS, COMPRESSED, 1)
        self.norm = nn.BatchNorm3d(COMPRESSED)
        self.occlusion = nn.Conv2d(channels * FEATURE_DEPTH, 1, 7, padding=3)

    def forward(self, feature: torch.Tensor, kp_driving: torch.Tensor,
                kp_source: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """-> deformation (B, D, H, W, 3) and occlusion map (B, 1, H, W)."""
        feature = F.relu(self.norm(self.compress(feature)))
        batch, channels, depth, height, width = feature.shape
        identity = coordinate_grid(depth, height, width, feature)  # (D, H, W, 3)
        driven_to_source = (identity.unsqueeze(0)
                            - kp_driving.view(batch, KEYPOINTS, 1, 1, 1, 3)
                            + kp_source.view(batch, KEYPOINTS, 1, 1, 1, 3))
        motions = torch.cat([identity.expand(batch, 1, *identity.shape), driven_to_source],
                            dim=1)  # (B, K+1, D, H, W, 3): background first
        moved = _sample(
            feature.unsqueeze(1).expand(-1, KEYPOINTS + 1, -1, -1, -1, -1)
            .reshape(batch * (KEYPOINTS + 1), channels, depth, height, width),
            motions.reshape(batch * (KEYPOINTS + 1), depth, height, width, 3),
        ).view(batch, KEYPOINTS + 1, channels, depth, height, width)
        heat = self._gaussian(kp_driving, identity) - self._gaussian(kp_source, identity)
        heat = torch.cat([torch.zeros_like(heat[:, :1]), heat], dim=1).unsqueeze(2)
        prediction = self.hourglass(torch.cat([heat, moved], dim=2)
                                    .view(batch, -1, depth, height, width))
        weights = F.softmax(self.mask(prediction), dim=1).unsqueeze(2)
        weights = torch.where(weights < MASK_FLOOR, torch.zeros_like(weights), weights)
        deformation = (motions.permute(0, 1, 5, 2, 3, 4) * weights).sum(dim=1)
        occlusion = torch.sigmoid(self.occlusion(prediction.view(batch, -1, height, width)))
        return deformation.permute(0, 2, 3, 4, 1), occlusion

    @staticmethod
    def _gaussian(keypoints: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
        """(B, K, 3) -> (B, K, D, H, W) Gaussian bumps at each keypoint."""
        offset = grid.unsqueeze(0).unsqueeze(0) - keypoints.view(*keypoints.shape[:2], 1, 1, 1, 3)
        return torch.exp(-0.5 * (offset ** 2).sum(-1) / KEYPOINT_VARIANCE)


class Spade(nn.Module):
    """Instance-normalise, then scale and shift by maps predicted from the feature map."""

    def __init__(self, channels: int, label_channels: int) -> None:
        super().__init__()
        self.mlp_shared = nn.Sequential(nn.Conv2d(label_channels, SPADE_HIDDEN, 3, padding=1),
                                        nn.ReLU())
        self.mlp_gamma = nn.Conv2d(SPADE_HIDDEN, channels, 3, padding=1)
        self.mlp_beta = nn.Conv2d(SPADE_HIDDEN, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        labels = F.interpolate(labels, size=x.shape[2:], mode="nearest")
        hidden = self.mlp_shared(labels)
        return F.instance_norm(x) * (1 + self.mlp_gamma(hidden)) + self.mlp_beta(hidden)


class SpadeResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, label_channels: int) -> None:
        super().__init__()
        middle = min(cin, cout)
        self.learned_shortcut = cin != cout
        self.conv_0 = SpectralNormConv2d(cin, middle, 3, padding=1)
        self.conv_1 = SpectralNormConv2d(middle, cout, 3, padding=1)
        self.norm_0 = Spade(cin, label_channels)
        self.norm_1 = Spade(middle, label_channels)
        if self.learned_shortcut:
            self.conv_s = SpectralNormConv2d(cin, cout, 1, bias=False)
            self.norm_s = Spade(cin, label_channels)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        skip = self.conv_s(self.norm_s(x, labels)) if self.learned_shortcut else x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, labels), 0.2))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, labels), 0.2))
        return skip + dx


class SpadeDecoder(nn.Module):
    MIDDLE_BLOCKS = 6

    def __init__(self, channels: int = 256, out_channels: int = 64) -> None:
        super().__init__()
        self.fc = nn.Conv2d(channels, 2 * channels, 3, padding=1)
        for i in range(self.MIDDLE_BLOCKS):
            setattr(self, f"G_middle_{i}", SpadeResBlock(2 * channels, 2 * channels, channels))
        self.up_0 = SpadeResBlock(2 * channels, channels, channels)
        self.up_1 = SpadeResBlock(channels, out_channels, channels)
        self.conv_img = nn.Conv2d(out_channels, 3, 3, padding=1)

    def forward(self, feature: torch.Tensor) -> torch.Tensor:
        x = self.fc(feature)
        for i in range(self.MIDDLE_BLOCKS):
            x = getattr(self, f"G_middle_{i}")(x, feature)
        x = self.up_0(F.interpolate(x, scale_factor=2), feature)
        x = self.up_1(F.interpolate(x, scale_factor=2), feature)
        return torch.sigmoid(self.conv_img(F.leaky_relu(x, 0.2)))


class Generator(nn.Module):
    EXPANSION = 64
    CEILING = 512
    DOWN_LEVELS = 2

    def __init__(self) -> None:
        super().__init__()
        self.dense_motion_network = DenseMotionNetwork()
        self.first = SameBlock2d(3, self.EXPANSION)
        self.down_blocks = nn.ModuleList(
            EncoderDownBlock(block_width(self.EXPANSION, i, self.CEILING),
                             block_width(self.EXPANSION, i + 1, self.CEILING))
            for i in range(self.DOWN_LEVELS))
        encoded = block_width(self.EXPANSION, self.DOWN_LEVELS, self.CEILING)
        self.second = nn.Conv2d(encoded, self.CEILING, 1)
        self.resblocks_3d = nn.Sequential()
        for i in range(RESBLOCKS_3D):
            self.resblocks_3d.add_module(f"3dr{i}", ResBlock3d(FEATURE_CHANNELS))
        self.third = SameBlock2d(self.CEILING, encoded, leaky=True)
        self.fourth = nn.Conv2d(encoded, encoded, 1)
        self.decoder = SpadeDecoder(encoded)

    def encode(self, source: torch.Tensor) -> torch.Tensor:
        """Portrait (B, 3, H, W) in 0..1 -> feature volume (B, 32, 16, H/4, W/4)."""
        out = self.first(source)
        for block in self.down_blocks:
            out = block(out)
        out = self.second(out)
        batch, _, height, width = out.shape
        return self.resblocks_3d(out.view(batch, FEATURE_CHANNELS, FEATURE_DEPTH, height, width))

    def decode(self, volume: torch.Tensor, kp_source: torch.Tensor,
               kp_driving: torch.Tensor) -> torch.Tensor:
        deformation, occlusion = self.dense_motion_network(volume, kp_driving, kp_source)
        out = _sample(volume, deformation)
        batch, channels, depth, height, width = out.shape
        out = self.fourth(self.third(out.view(batch, channels * depth, height, width)))
        return self.decoder(out * occlusion)

    def forward(self, source: torch.Tensor, kp_source: torch.Tensor,
                kp_driving: torch.Tensor) -> torch.Tensor:
        """-> the driven image (B, 3, H, W) in 0..1; H, W multiples of 128."""
        volume = self.encode(source)
        return self.decode(volume, kp_source, kp_driving)
