"""Load the portrait as plain RGB pixels, the only form the later stages accept.

Everything odd about image files is settled here, once: EXIF orientation, transparency,
palettes, greyscale, 16-bit and CMYK. A file that cannot become a sensible RGB array is
rejected with an `ImageError` that says what to do.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from talkinghead.errors import ImageError
from talkinghead.media._files import checked_input

MAX_MEGAPIXELS: Final = 50  # a 50 MP photo is ~150 MB as RGB; beyond that is a scan or a bomb
MIN_SIDE_PX: Final = 64  # below this a face has too few pixels for landmarks
SUPPORTED_FORMATS: Final = ("PNG", "JPEG", "WEBP", "BMP", "TIFF")  # JPEG covers camera MPO
WHITE: Final = 255  # background that transparent pixels are composited onto
SIXTEEN_TO_EIGHT_BIT: Final = 257  # 65535 / 255: maps the 16-bit range exactly onto 8 bits

_USE: Final = "use PNG, JPEG, WebP, BMP or TIFF"
# What Pillow raises on broken or truncated files varies by plugin; all mean "unreadable".
_DECODE_ERRORS: Final = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)


@dataclass(frozen=True)
class Portrait:
    """The portrait as H x W x 3 uint8 RGB (C-contiguous), upright, with no alpha."""

    pixels: np.ndarray
    source: Path
    sha256: str

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


def load_portrait(path: str | os.PathLike[str]) -> Portrait:
    """Read an image file into a `Portrait`, or raise `ImageError` saying what is wrong."""
    source = checked_input(path, "image", ImageError)
    try:
        data = source.read_bytes()
    except OSError as e:
        raise ImageError(f"cannot read image '{source}': {e.strerror or e} (check the file)") from e
    pixels = _decode(data, source)
    return Portrait(pixels=pixels, source=source, sha256=hashlib.sha256(data).hexdigest())


def _decode(data: bytes, source: Path) -> np.ndarray:
    too_large = (
        f"image '{source}' is too large: over {MAX_MEGAPIXELS} megapixels "
        f"(resize it below {MAX_MEGAPIXELS} MP first)"
    )
    with warnings.catch_warnings():
        # Pillow warns between its own limit and twice it; our limit is lower, checked below.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=SUPPORTED_FORMATS)
        except Image.DecompressionBombError as e:
            raise ImageError(too_large) from e
        except UnidentifiedImageError as e:
            raise ImageError(f"cannot read image '{source}': not a supported image ({_USE})") from e
        except _DECODE_ERRORS as e:
            raise ImageError(
                f"cannot read image '{source}': the file is corrupt ({_USE}, re-export it)"
            ) from e
        with image:
            width, height = image.size  # from the header: no pixels decoded yet
            if width * height > MAX_MEGAPIXELS * 1_000_000:
                raise ImageError(too_large)
            if min(width, height) < MIN_SIDE_PX:
                raise ImageError(
                    f"image '{source}' is too small: {width}x{height} px "
                    f"(use at least {MIN_SIDE_PX} px on each side)"
                )
            try:
                image.load()
                upright = ImageOps.exif_transpose(image)
            except Image.DecompressionBombError as e:
                raise ImageError(too_large) from e
            except _DECODE_ERRORS as e:
                raise ImageError(
                    f"cannot read image '{source}': the file is truncated or corrupt "
                    "(re-export or re-download it)"
                ) from e
            try:
                rgb = _to_rgb(upright)
            except (ValueError, OSError) as e:
                raise ImageError(
                    f"cannot read image '{source}': unsupported colour mode {image.mode!r} "
                    "(re-save it as 8-bit RGB)"
                ) from e
    return np.ascontiguousarray(rgb, dtype=np.uint8)


def _to_rgb(image: Image.Image) -> np.ndarray:
    """Convert any Pillow mode to H x W x 3 uint8 RGB, compositing alpha onto white."""
    mode = image.mode
    if mode.startswith("I") or mode == "F":
        # 16/32-bit greyscale: Pillow's own convert clips at 255 instead of scaling.
        grey = _wide_grey_to_8bit(np.asarray(image), mode)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if (mode == "P" and "transparency" in image.info) or mode in ("PA", "LA", "La", "RGBa"):
        image = image.convert("RGBA")
    if image.mode == "RGBA":
        rgba = np.asarray(image).astype(np.uint32)
        alpha = rgba[:, :, 3:4]
        blended = (rgba[:, :, :3] * alpha + WHITE * (255 - alpha) + 127) // 255
        return blended.astype(np.uint8)
    return np.asarray(image.convert("RGB"))


def _wide_grey_to_8bit(values: np.ndarray, mode: str) -> np.ndarray:
    if mode == "F":
        # Float images have no fixed range: treat 0..1 as normalised, anything else as 0..255.
        scale = 255.0 if float(np.nanmax(values, initial=0.0)) <= 1.0 else 1.0
        return np.clip(np.nan_to_num(values) * scale, 0, 255).round().astype(np.uint8)
    wide = values.astype(np.float64)
    return np.clip(wide / SIXTEEN_TO_EIGHT_BIT, 0, 255).round().astype(np.uint8)
