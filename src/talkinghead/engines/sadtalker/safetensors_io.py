"""Read and write the safetensors format with numpy alone (no extra dependency).

The format: 8 bytes little-endian header length, a JSON header mapping each tensor
name to its dtype, shape and byte range, then the raw little-endian data. Reading
the header alone is enough to check a file's names, shapes and completeness.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64,
          "I32": np.int32, "U8": np.uint8, "BOOL": np.bool_}
NAMES = {np.dtype(v): k for k, v in DTYPES.items()}
MAX_HEADER_BYTES = 100_000_000


class SafetensorsFormatError(ValueError):
    """The file is not a complete safetensors file."""


@dataclass(frozen=True)
class TensorEntry:
    dtype: str
    shape: tuple[int, ...]
    start: int  # byte offsets into the data section
    stop: int


def read_header(path: Path) -> tuple[dict[str, TensorEntry], int]:
    """Tensor entries by name, and where the data section begins; checks the file's length."""
    with open(path, "rb") as f:
        raw_length = f.read(8)
        if len(raw_length) < 8:
            raise SafetensorsFormatError("too short to be a safetensors file")
        (length,) = struct.unpack("<Q", raw_length)
        if length > MAX_HEADER_BYTES:
            raise SafetensorsFormatError("header length is implausible")
        try:
            header = json.loads(f.read(length))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise SafetensorsFormatError(f"header is not JSON ({e})") from e
    header.pop("__metadata__", None)
    entries = {name: TensorEntry(item["dtype"], tuple(item["shape"]), *item["data_offsets"])
               for name, item in header.items()}
    data_bytes = max((e.stop for e in entries.values()), default=0)
    actual = Path(path).stat().st_size - 8 - length
    if actual < data_bytes:
        raise SafetensorsFormatError(f"truncated: {actual} of {data_bytes} data bytes present")
    return entries, 8 + length


def load(path: Path, names: set[str] | None = None) -> dict[str, np.ndarray]:
    """The tensors (all, or those in `names`) as numpy arrays, memory-mapped then copied."""
    entries, offset = read_header(path)
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=offset)
    out: dict[str, np.ndarray] = {}
    for name, entry in entries.items():
        if names is not None and name not in names:
            continue
        if entry.dtype not in DTYPES:
            raise SafetensorsFormatError(f"{name} has unsupported dtype {entry.dtype}")
        raw = np.array(data[entry.start:entry.stop])
        out[name] = raw.view(DTYPES[entry.dtype]).reshape(entry.shape)
    return out


def save(path: Path, tensors: dict[str, np.ndarray]) -> None:
    """Write `tensors` (name -> array) as a safetensors file, names in sorted order."""
    header, start = {}, 0
    for name in sorted(tensors):
        array = np.asarray(tensors[name], order="C")
        header[name] = {"dtype": NAMES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [start, start + array.nbytes]}
        start += array.nbytes
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # align the data section, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for name in sorted(tensors):
            f.write(np.asarray(tensors[name], order="C").tobytes())  # x86/ARM: little-endian
