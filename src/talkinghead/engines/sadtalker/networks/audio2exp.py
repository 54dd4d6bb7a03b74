"""Audio to expression: 64 3DMM expression coefficients per video frame.

Each frame's 0.2 s mel window is encoded to 512 numbers, joined with the portrait's
own expression and the blink ratio, and mapped linearly to the frame's expression.
Checkpoint prefix: `audio2exp.`
"""

from __future__ import annotations

import torch
from torch import nn

from .blocks import audio_encoder

EXPRESSION_DIM = 64


class ExpressionNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.audio_encoder = audio_encoder()
        self.mapping1 = nn.Linear(512 + EXPRESSION_DIM + 1, EXPRESSION_DIM)

    def forward(self, mels: torch.Tensor, ref_expression: torch.Tensor,
                blink: torch.Tensor) -> torch.Tensor:
        """mels (B, T, 80, 16), ref_expression (B, T, 64), blink (B, T) -> (B, T, 64)."""
        batch, frames = mels.shape[:2]
        audio = self.audio_encoder(mels.reshape(batch * frames, 1, *mels.shape[2:]))
        joined = torch.cat([audio.reshape(batch * frames, -1),
                            ref_expression.reshape(batch * frames, -1),
                            blink.reshape(batch * frames, 1)], dim=1)
        return self.mapping1(joined).reshape(batch, frames, EXPRESSION_DIM)
