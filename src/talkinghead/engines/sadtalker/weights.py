"""Build the networks and load published (or stand-in) weights into them by original names.

Each network's expected tensors are its own state dict; a file's tensors are
compared by name and shape first, so a wrong or damaged file gives a one-line
`CheckpointError` instead of a traceback from deep inside torch.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch
from torch import nn

from . import safetensors_io
from .checkpoints import MAPPING_ENTRY, CheckpointError, check_bundle_file, compare_layout
from .networks.audio2exp import ExpressionNet
from .networks.audio2pose import PoseNet
from .networks.generator import Generator
from .networks.keypoints import KeypointDetector
from .networks.mapping import MappingNet
from .networks.recon import ReconNet

M = TypeVar("M", bound=nn.Module)

BUNDLE_NETWORKS: dict[str, Callable[[], nn.Module]] = {
    "audio2exp": ExpressionNet,
    "audio2pose": PoseNet,
    "face_3drecon": ReconNet,
    "kp_extractor": KeypointDetector,
    "generator": Generator,
}


def layout(module: nn.Module) -> dict[str, tuple[int, ...]]:
    return {name: tuple(t.shape) for name, t in module.state_dict().items()}


def fill(module: M, tensors: dict[str, np.ndarray], label: str, network: str,
         device: torch.device) -> M:
    """Copy `tensors` (names without the network prefix) into `module`; eval mode on `device`."""
    compare_layout(label, network, {k: v.shape for k, v in tensors.items()}, layout(module))
    state = {name: torch.from_numpy(np.array(tensors[name]))
             for name in module.state_dict()}
    module.load_state_dict(state, strict=True)
    return module.eval().requires_grad_(False).to(device)


def load_bundle_networks(path: Path, names: tuple[str, ...],
                         device: torch.device) -> dict[str, nn.Module]:
    """The named networks of a SadTalker_V0.0.2 bundle, loaded and ready for inference."""
    entries = check_bundle_file(path)
    wanted = {k for k in entries if k.split(".", 1)[0] in names}
    try:
        tensors = safetensors_io.load(path, wanted)
    except (OSError, safetensors_io.SafetensorsFormatError) as e:
        raise CheckpointError(f"cannot read {path}: {e}") from e
    networks = {}
    for name in names:
        prefix = name + "."
        own = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        networks[name] = fill(BUNDLE_NETWORKS[name](), own, path.name, name, device)
    return networks


def load_mapping(path: Path, channels: int, device: torch.device) -> MappingNet:
    """The mapping network from a `mapping_*-model.pth.tar` (a torch pickle of plain tensors)."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many types for a damaged or foreign pickle
        raise CheckpointError(f"cannot read {path.name}: {str(e).splitlines()[0]}") from e
    if not isinstance(saved, dict) or MAPPING_ENTRY not in saved:
        raise CheckpointError(f"{path.name} has no '{MAPPING_ENTRY}' weights: not a SadTalker "
                              "mapping checkpoint")
    tensors = {k: v.numpy() for k, v in saved[MAPPING_ENTRY].items()}
    return fill(MappingNet(channels), tensors, path.name, "mapping", device)


@lru_cache(maxsize=2)
def cached_bundle(path: str, mtime: float, names: tuple[str, ...],
                  device: str) -> dict[str, nn.Module]:
    """Per process, load a bundle's networks once (workers render many chunks of a job)."""
    return load_bundle_networks(Path(path), names, torch.device(device))


@lru_cache(maxsize=2)
def cached_mapping(path: str, mtime: float, channels: int, device: str) -> MappingNet:
    return load_mapping(Path(path), channels, torch.device(device))


def pick_device() -> torch.device:
    """CUDA when this machine has it, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
