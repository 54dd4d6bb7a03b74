"""Audio to head pose: 6 pose coefficients (3 angles, 3 translations) per frame.

A conditional VAE decoder: for every 32 frames, the audio embeddings, the
portrait's pose and a latent sample shifted by the pose style's learned bias are
mapped to the 32 frames' motion relative to the first frame, refined by a small
U-Net over the (frames x 6) motion image. Only the decoder runs at inference; the
checkpoint's encoder and discriminator are not needed. Prefix: `audio2pose.`
"""

from __future__ import annotations

from itertools import pairwise

import torch
from torch import nn

from .blocks import audio_encoder

POSE_DIM = 6
SEQUENCE_FRAMES = 32  # frames decoded together
LATENT_DIM = 64
STYLES = 46  # --pose-style 0..45
AUDIO_OUT_DIM = 6  # audio embedding per frame after `linear_audio`
DECODER_LAYERS = (128, 192)


class ResidualConv(nn.Module):
    """Pre-activation residual unit; `stride` halves the frame axis in the encoder half."""

    def __init__(self, cin: int, cout: int, stride) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.BatchNorm2d(cin), nn.ReLU(), nn.Conv2d(cin, cout, 3, stride, 1),
            nn.BatchNorm2d(cout), nn.ReLU(), nn.Conv2d(cout, cout, 3, padding=1))
        self.conv_skip = nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_block(x) + self.conv_skip(x)


class FrameUpsample(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.upsample = nn.ConvTranspose2d(channels, channels, (2, 1), (2, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.upsample(x)


class MotionUNet(nn.Module):
    """(B, 1, frames, 6) -> (B, 1, frames, 6) in 0..1; frames must be a multiple of 8."""

    def __init__(self, widths=(32, 64, 128, 256)) -> None:
        super().__init__()
        w0, w1, w2, w3 = widths
        self.input_layer = nn.Sequential(nn.Conv2d(1, w0, 3, padding=1), nn.BatchNorm2d(w0),
                                         nn.ReLU(), nn.Conv2d(w0, w0, 3, padding=1))
        self.input_skip = nn.Sequential(nn.Conv2d(1, w0, 3, padding=1))
        self.residual_conv_1 = ResidualConv(w0, w1, (2, 1))
        self.residual_conv_2 = ResidualConv(w1, w2, (2, 1))
        self.bridge = ResidualConv(w2, w3, (2, 1))
        self.upsample_1 = FrameUpsample(w3)
        self.up_residual_conv1 = ResidualConv(w3 + w2, w2, 1)
        self.upsample_2 = FrameUpsample(w2)
        self.up_residual_conv2 = ResidualConv(w2 + w1, w1, 1)
        self.upsample_3 = FrameUpsample(w1)
        self.up_residual_conv3 = ResidualConv(w1 + w0, w0, 1)
        self.output_layer = nn.Sequential(nn.Conv2d(w0, 1, 1, 1), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.input_layer(x) + self.input_skip(x)
        x2 = self.residual_conv_1(x1)
        x3 = self.residual_conv_2(x2)
        x4 = self.bridge(x3)
        x6 = self.up_residual_conv1(torch.cat([self.upsample_1(x4), x3], dim=1))
        x8 = self.up_residual_conv2(torch.cat([self.upsample_2(x6), x2], dim=1))
        x10 = self.up_residual_conv3(torch.cat([self.upsample_3(x8), x1], dim=1))
        return self.output_layer(x10)


class PoseDecoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.resunet = MotionUNet()
        self.MLP = nn.Sequential()
        sizes = (LATENT_DIM + SEQUENCE_FRAMES * AUDIO_OUT_DIM + POSE_DIM, *DECODER_LAYERS)
        for i, (cin, cout) in enumerate(pairwise(sizes)):
            self.MLP.add_module(f"L{i}", nn.Linear(cin, cout))
            last = i == len(sizes) - 2
            self.MLP.add_module("sigmoid" if last else f"A{i}", nn.Sigmoid() if last else nn.ReLU())
        self.pose_linear = nn.Linear(POSE_DIM, POSE_DIM)
        self.linear_audio = nn.Linear(512, AUDIO_OUT_DIM)
        self.classbias = nn.Parameter(torch.zeros(STYLES, LATENT_DIM))

    def forward(self, audio: torch.Tensor, ref_pose: torch.Tensor, style: torch.Tensor,
                latent: torch.Tensor) -> torch.Tensor:
        batch = latent.shape[0]
        audio_out = self.linear_audio(audio).reshape(batch, -1)
        z = latent + self.classbias[style]
        motion = self.MLP(torch.cat([ref_pose, z, audio_out], dim=-1))
        motion = self.resunet(motion.reshape(batch, 1, SEQUENCE_FRAMES, -1))
        return self.pose_linear(motion.squeeze(1))


class _AudioEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.audio_encoder = audio_encoder()


class _Cvae(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.decoder = PoseDecoder()


class PoseNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.audio_encoder = _AudioEncoder()
        self.netG = _Cvae()

    def embed(self, mels: torch.Tensor) -> torch.Tensor:
        """mels (B, T, 80, 16) -> audio embeddings (B, T, 512)."""
        batch, frames = mels.shape[:2]
        out = self.audio_encoder.audio_encoder(mels.reshape(batch * frames, 1, *mels.shape[2:]))
        return out.reshape(batch, frames, -1)

    def forward(self, mels: torch.Tensor, ref_pose: torch.Tensor, style: torch.Tensor,
                latent: torch.Tensor) -> torch.Tensor:
        """32 frames: mels (B, 32, 80, 16), ref_pose (B, 6), style (B,) long, latent (B, 64)
        -> pose motion (B, 32, 6) relative to the reference pose."""
        return self.netG.decoder(self.embed(mels), ref_pose, style, latent)
