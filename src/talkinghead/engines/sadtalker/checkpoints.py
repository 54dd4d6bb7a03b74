"""The published SadTalker checkpoint files: names, addresses, where we look for them, checks.

Which files a render needs: the bundle for the output size (`--size 256|512`,
holding the audio, 3DMM, keypoint and generator networks) and the mapping network
for the preprocess mode (`full` uses the one trained with the crop parameters).
Nothing here imports torch, so the CLI can say what is missing on any install.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ...errors import TalkingHeadError
from . import safetensors_io

CHECKPOINTS_ENV: Final = "TALKINGHEAD_SADTALKER_CHECKPOINTS"
RELEASE: Final = "https://github.com/OpenTalker/SadTalker/releases/download/v0.0.2-rc"
GFPGAN_URL: Final = "https://github.com/TencentARC/GFPGAN/releases/download/v1.3.0/GFPGANv1.4.pth"
# Bundles hold the five networks under these prefixes (the networks' attribute names in the
# original's conversion script).
BUNDLE_PREFIXES: Final = ("audio2exp", "audio2pose", "face_3drecon", "kp_extractor", "generator")
MAPPING_ENTRY: Final = "mapping"  # the state dict's key inside a mapping .pth.tar


class CheckpointError(TalkingHeadError):
    """A checkpoint file is missing, incomplete or not the published one."""


@dataclass(frozen=True)
class CheckpointFile:
    name: str
    url: str
    min_bytes: int  # far below the published size: smaller means a truncated or wrong file
    sha256: str | None = None  # the published file's digest, where we know it
    optional: bool = False


BUNDLE_256: Final = CheckpointFile("SadTalker_V0.0.2_256.safetensors",
                                   f"{RELEASE}/SadTalker_V0.0.2_256.safetensors", 500_000_000)
BUNDLE_512: Final = CheckpointFile("SadTalker_V0.0.2_512.safetensors",
                                   f"{RELEASE}/SadTalker_V0.0.2_512.safetensors", 500_000_000)
MAPPING_CROP: Final = CheckpointFile("mapping_00229-model.pth.tar",
                                     f"{RELEASE}/mapping_00229-model.pth.tar", 30_000_000)
MAPPING_FULL: Final = CheckpointFile("mapping_00109-model.pth.tar",
                                     f"{RELEASE}/mapping_00109-model.pth.tar", 30_000_000)
GFPGAN: Final = CheckpointFile("GFPGANv1.4.pth", GFPGAN_URL, 100_000_000, optional=True)
OFFICIAL_FILES: Final = (BUNDLE_256, BUNDLE_512, MAPPING_CROP, MAPPING_FULL, GFPGAN)


@dataclass(frozen=True)
class CheckpointSet:
    """The files one render uses."""

    bundle: Path
    mapping: Path
    mapping_channels: int  # coefficients per frame the mapping reads: 70, or 73 with crop


def default_directory() -> Path:
    home = os.environ.get("TALKINGHEAD_HOME")
    if home:
        return Path(home) / "sadtalker"
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "talkinghead" / "sadtalker"


def checkpoint_directory(explicit: str | os.PathLike | None = None) -> Path:
    """--checkpoints, else $TALKINGHEAD_SADTALKER_CHECKPOINTS, else the download folder."""
    chosen = explicit or os.environ.get(CHECKPOINTS_ENV)
    return Path(chosen).expanduser() if chosen else default_directory()


def files_for(size: int, preprocess: str) -> tuple[CheckpointFile, CheckpointFile]:
    bundle = BUNDLE_512 if size == 512 else BUNDLE_256
    return bundle, (MAPPING_FULL if preprocess == "full" else MAPPING_CROP)


def locate(size: int, preprocess: str, directory: Path | None = None,
           min_bytes: bool = True) -> CheckpointSet:
    """The two files a render needs, checked for presence, size and (bundle) completeness.

    `min_bytes=False` skips the published-size floor (for stand-in files in tests).
    """
    directory = directory or checkpoint_directory()
    bundle, mapping = files_for(size, preprocess)
    paths = [directory / f.name for f in (bundle, mapping)]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise CheckpointError(
            f"the sadtalker engine needs {' and '.join(missing)} in {directory}: run "
            f"`talkinghead models download sadtalker`, or point --checkpoints (or "
            f"${CHECKPOINTS_ENV}) at the folder that has them")
    for file, path in zip((bundle, mapping), paths, strict=True):
        if min_bytes and path.stat().st_size < file.min_bytes:
            raise CheckpointError(
                f"{path} is {path.stat().st_size} bytes, far smaller than the published "
                f"file: an interrupted download? run `talkinghead models download sadtalker`")
    check_bundle_file(paths[0])
    return CheckpointSet(paths[0], paths[1], 73 if preprocess == "full" else 70)


def check_bundle_file(path: Path) -> dict[str, safetensors_io.TensorEntry]:
    """Header checks: a complete safetensors file holding all five networks' prefixes."""
    try:
        entries, _ = safetensors_io.read_header(path)
    except (OSError, safetensors_io.SafetensorsFormatError) as e:
        raise CheckpointError(f"{path} is not a usable SadTalker bundle: {e}") from e
    absent = [p for p in BUNDLE_PREFIXES if not any(k.startswith(p + ".") for k in entries)]
    if absent:
        raise CheckpointError(f"{path} has no {', '.join(absent)} weights: it is not the "
                              "published SadTalker_V0.0.2 bundle")
    return entries


def compare_layout(file_label: str, network: str, found: dict[str, tuple[int, ...]],
                   expected: dict[str, tuple[int, ...]]) -> None:
    """One-line error for the first mismatch between a file's tensors and a network's."""
    missing = sorted(set(expected) - set(found))
    if missing:
        raise CheckpointError(f"{file_label} lacks {len(missing)} {network} tensor(s), e.g. "
                              f"{network}.{missing[0]}: not the published file")
    for name, shape in expected.items():
        if tuple(found[name]) != tuple(shape):
            raise CheckpointError(
                f"{file_label}: {network}.{name} has shape {list(found[name])}, expected "
                f"{list(shape)} (a checkpoint for another model or size?)")
