"""Small building blocks shared by the SadTalker networks (named as in the checkpoints)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ConvNormAct(nn.Module):
    """Conv2d + BatchNorm2d (`conv_block.0`, `conv_block.1`), an optional skip, then ReLU.

    The unit of the wav2lip-style audio encoder that both audio networks use.
    """

    def __init__(self, cin: int, cout: int, kernel: int, stride, padding: int,
                 residual: bool = False) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, padding),
                                        nn.BatchNorm2d(cout))
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv_block(x)
        if self.residual:
            out = out + x
        return F.relu(out)


# (in, out, kernel, stride, padding, residual) of each unit: 80 x 16 mel windows down to 1 x 1.
AUDIO_ENCODER_UNITS = (
    (1, 32, 3, 1, 1, False), (32, 32, 3, 1, 1, True), (32, 32, 3, 1, 1, True),
    (32, 64, 3, (3, 1), 1, False), (64, 64, 3, 1, 1, True), (64, 64, 3, 1, 1, True),
    (64, 128, 3, 3, 1, False), (128, 128, 3, 1, 1, True), (128, 128, 3, 1, 1, True),
    (128, 256, 3, (3, 2), 1, False), (256, 256, 3, 1, 1, True),
    (256, 512, 3, 1, 0, False), (512, 512, 1, 1, 0, False),
)


def audio_encoder() -> nn.Sequential:
    """Mel window (N, 1, 80, 16) -> embedding (N, 512, 1, 1)."""
    return nn.Sequential(*(ConvNormAct(*unit) for unit in AUDIO_ENCODER_UNITS))


class SpectralNormConv2d(nn.Module):
    """A Conv2d whose weight is divided by its largest singular value, as trained.

    The checkpoint stores `weight_orig` and the power-iteration vectors `weight_u`,
    `weight_v`; at inference the estimate sigma = u . (W v) is used as saved (no
    further iterations), which is what the trained network saw in evaluation mode.
    """

    weight_u: torch.Tensor  # buffers, registered in __init__
    weight_v: torch.Tensor

    def __init__(self, cin: int, cout: int, kernel: int, padding: int = 0,
                 bias: bool = True) -> None:
        super().__init__()
        self.padding = padding
        self.weight_orig = nn.Parameter(torch.empty(cout, cin, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(cout)) if bias else None
        self.register_buffer("weight_u", torch.ones(cout))
        self.register_buffer("weight_v", torch.ones(cin * kernel * kernel))

    def normalised_weight(self) -> torch.Tensor:
        matrix = self.weight_orig.reshape(self.weight_orig.shape[0], -1)
        sigma = torch.dot(self.weight_u, torch.mv(matrix, self.weight_v))
        return self.weight_orig / sigma

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.normalised_weight(), self.bias, padding=self.padding)
