"""Stand-in weights: deterministic random tensors in the published files' exact layout.

Used by the tests (an end-to-end render whose images are noise by construction) and
by the parity goldens: the golden script fills the original implementation with
these same values, and CI regenerates them from the seed instead of storing
hundreds of megabytes. Each tensor depends only on (seed, full name), so any
subset (one network) is reproducible on its own.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

from talkinghead.engines.sadtalker import safetensors_io
from talkinghead.engines.sadtalker.checkpoints import MAPPING_ENTRY

DEFAULT_SEED = 7
# Layers whose stand-in weights are scaled down so that their outputs stay off the flat ends
# of the final sigmoid: a saturated image would hide differences in the parity tests.
GAINS = {"generator.decoder.conv_img.weight": 0.05}


def standin_tensor(name: str, shape: tuple[int, ...], seed: int = DEFAULT_SEED) -> np.ndarray:
    """A tensor whose values keep activations in a sane range through deep networks."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    leaf = name.rsplit(".", 1)[-1]
    if leaf == "num_batches_tracked":
        return np.zeros(shape, np.int64)
    if leaf == "running_var":
        return rng.uniform(0.5, 1.5, shape).astype(np.float32)
    if leaf == "running_mean":
        return (0.1 * rng.standard_normal(shape)).astype(np.float32)
    if leaf in ("weight_u", "weight_v"):
        vector = rng.standard_normal(shape)
        return (vector / np.linalg.norm(vector)).astype(np.float32)
    if name.endswith("down.weight") and len(shape) == 4:  # the anti-aliasing blur kernel
        kernel = rng.uniform(0.0, 1.0, shape)
        return (kernel / kernel.sum(axis=(2, 3), keepdims=True)).astype(np.float32)
    if leaf == "bias":
        return (0.1 * rng.standard_normal(shape)).astype(np.float32)
    if len(shape) == 1:  # a normalisation layer's scale
        return (1.0 + 0.1 * rng.standard_normal(shape)).astype(np.float32)
    if leaf == "classbias":
        return rng.standard_normal(shape).astype(np.float32)
    fan_in = int(np.prod(shape[1:])) or 1
    gain = GAINS.get(name, 1.0)
    return (gain * rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32)


def standin_state(prefix: str, layout: dict[str, tuple[int, ...]],
                  seed: int = DEFAULT_SEED) -> dict[str, np.ndarray]:
    """Stand-in tensors for one network, keyed by full name (`prefix.` + parameter name)."""
    return {f"{prefix}.{name}": standin_tensor(f"{prefix}.{name}", shape, seed)
            for name, shape in layout.items()}


def write_standin_bundle(path: Path, seed: int = DEFAULT_SEED) -> Path:
    """A SadTalker_V0.0.2_*.safetensors look-alike with every tensor our networks read."""
    from talkinghead.engines.sadtalker.weights import BUNDLE_NETWORKS, layout

    tensors = {}
    for prefix, build in BUNDLE_NETWORKS.items():
        tensors.update(standin_state(prefix, layout(build()), seed))
    safetensors_io.save(path, tensors)
    return path


def write_standin_mapping(path: Path, channels: int, seed: int = DEFAULT_SEED) -> Path:
    """A mapping_*-model.pth.tar look-alike: {'mapping': state dict, 'epoch': 0}."""
    import torch

    from talkinghead.engines.sadtalker.networks.mapping import MappingNet
    from talkinghead.engines.sadtalker.weights import layout

    state = standin_state(MAPPING_ENTRY, layout(MappingNet(channels)), seed)
    torch.save({MAPPING_ENTRY: {k.split(".", 1)[1]: torch.from_numpy(v)
                                for k, v in state.items()}, "epoch": 0}, path)
    return path
