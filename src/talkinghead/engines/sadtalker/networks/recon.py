"""3DMM coefficient extraction: a ResNet-50 over a 224 x 224 aligned face -> 257 coefficients.

The backbone is the standard ResNet-50 (bottleneck blocks, stride on the 3 x 3
conv) without its classifier; seven 1 x 1 convolutions read identity, expression,
texture, angles, lighting and translation off the pooled features. Prefix:
`face_3drecon.`
"""

from __future__ import annotations

import torch
from torch import nn

# Coefficient groups in output order, with their widths.
COEFFICIENT_GROUPS = (("id", 80), ("exp", 64), ("tex", 80), ("angle", 3), ("gamma", 27),
                      ("trans_xy", 2), ("trans_z", 1))
RESNET50_BLOCKS = (3, 4, 6, 3)
INPUT_SIZE = 224


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin: int, width: int, stride: int) -> None:
        super().__init__()
        cout = width * self.expansion
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        skip = x if self.downsample is None else self.downsample(x)
        return self.relu(out + skip)


class ResNet50Features(nn.Module):
    """Image (B, 3, H, W) -> pooled features (B, 2048, 1, 1)."""

    layer1: nn.Sequential  # the four stages, set by name in __init__
    layer2: nn.Sequential
    layer3: nn.Sequential
    layer4: nn.Sequential

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = 64
        widths = (64, 128, 256, 512)
        for index, (blocks, width) in enumerate(zip(RESNET50_BLOCKS, widths, strict=True)):
            stride = 1 if index == 0 else 2
            layer = []
            for block in range(blocks):
                layer.append(Bottleneck(cin, width, stride if block == 0 else 1))
                cin = width * Bottleneck.expansion
            setattr(self, f"layer{index + 1}", nn.Sequential(*layer))
        self.avgpool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.avgpool(x)


class ReconNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.backbone = ResNet50Features()
        self.final_layers = nn.ModuleList(nn.Conv2d(2048, width, 1)
                                          for _, width in COEFFICIENT_GROUPS)

    def forward(self, face: torch.Tensor) -> torch.Tensor:
        """Aligned faces (B, 3, 224, 224), RGB in 0..1 -> coefficients (B, 257)."""
        features = self.backbone(face)
        return torch.cat([layer(features) for layer in self.final_layers], dim=1).flatten(1)


def split_coefficients(coefficients: torch.Tensor) -> dict[str, torch.Tensor]:
    """(B, 257) -> named groups; translation joined back into one (B, 3) `trans`."""
    groups, start = {}, 0
    for name, width in COEFFICIENT_GROUPS:
        groups[name] = coefficients[:, start:start + width]
        start += width
    groups["trans"] = torch.cat([groups.pop("trans_xy"), groups.pop("trans_z")], dim=1)
    return groups
