"""load_portrait: any common still image becomes upright H x W x 3 uint8 RGB, or a clear error."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from talkinghead.errors import ImageError
from talkinghead.media.image import MAX_MEGAPIXELS, MIN_SIDE_PX, load_portrait

EXIF_ORIENTATION = 0x0112
ROTATE_90_CW = 6  # EXIF: the stored image must be turned 90 degrees clockwise to display


def gradient(width: int = 96, height: int = 80) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 255 // width, y * 255 // height, (x + y) % 256], axis=2).astype(np.uint8)


def save(image: Image.Image, path: Path, **kwargs: object) -> Path:
    image.save(path, **kwargs)
    return path


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims `width` x `height` but which holds almost no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    data += chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("p.png", {}), ("p.bmp", {}), ("p.tif", {}), ("p.webp", {"lossless": True})],
)
def test_lossless_formats_round_trip(tmp_path: Path, name: str, kwargs: dict) -> None:
    pixels = gradient()
    path = save(Image.fromarray(pixels), tmp_path / name, **kwargs)
    portrait = load_portrait(path)
    assert portrait.pixels.dtype == np.uint8 and portrait.pixels.flags.c_contiguous
    assert (portrait.width, portrait.height) == (96, 80)
    np.testing.assert_array_equal(portrait.pixels, pixels)
    assert portrait.source == path
    assert portrait.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_jpeg_and_str_path(tmp_path: Path) -> None:
    pixels = gradient()
    path = save(Image.fromarray(pixels), tmp_path / "p.jpg", quality=95)
    portrait = load_portrait(str(path))
    assert portrait.pixels.shape == (80, 96, 3)
    assert np.abs(portrait.pixels.astype(int) - pixels).mean() < 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        portrait.sha256 = ""  # type: ignore[misc]


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    stored = np.zeros((80, 120, 3), dtype=np.uint8)  # stored: 120 wide, left red, right blue
    stored[:, :60] = (255, 0, 0)
    stored[:, 60:] = (0, 0, 255)
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = ROTATE_90_CW
    path = save(Image.fromarray(stored), tmp_path / "phone.jpg", exif=exif, quality=95)
    portrait = load_portrait(path)
    assert (portrait.width, portrait.height) == (80, 120)  # upright: now tall
    top, bottom = portrait.pixels[:50].mean(axis=(0, 1)), portrait.pixels[70:].mean(axis=(0, 1))
    assert top[0] > 200 and top[2] < 50  # stored left (red) is on top after turning clockwise
    assert bottom[2] > 200 and bottom[0] < 50


def test_rgba_is_composited_onto_white(tmp_path: Path) -> None:
    rgba = np.zeros((64, 64, 4), dtype=np.uint8)
    rgba[:, :, 0] = 200  # red everywhere, alpha varies by column band
    rgba[:, :20, 3] = 0
    rgba[:, 20:40, 3] = 255
    rgba[:, 40:, 3] = 128
    pixels = load_portrait(save(Image.fromarray(rgba, "RGBA"), tmp_path / "cut.png")).pixels
    assert tuple(pixels[0, 0]) == (255, 255, 255)
    assert tuple(pixels[0, 30]) == (200, 0, 0)
    assert tuple(pixels[0, 50]) == pytest.approx((228, 127, 127), abs=1)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("L", (90, 90, 90)), ("LA", (90, 90, 90)), ("1", (255, 255, 255)), ("CMYK", (255, 0, 255))],
)
def test_other_modes_become_rgb(tmp_path: Path, mode: str, expected: tuple[int, ...]) -> None:
    color = {"L": 90, "LA": (90, 255), "1": 1, "CMYK": (0, 255, 0, 0)}[mode]
    name = "p.jpg" if mode == "CMYK" else "p.png"
    pixels = load_portrait(save(Image.new(mode, (70, 70), color), tmp_path / name)).pixels
    assert pixels.shape == (70, 70, 3)
    assert tuple(pixels[35, 35]) == pytest.approx(expected, abs=2)


def test_palette_with_transparency(tmp_path: Path) -> None:
    image = Image.new("P", (64, 64), 1)
    image.putpalette([0, 0, 0, 10, 200, 30] + [0] * 762)
    image.paste(0, (0, 0, 32, 64))
    pixels = load_portrait(save(image, tmp_path / "p.png", transparency=0)).pixels
    assert tuple(pixels[10, 10]) == (255, 255, 255)
    assert tuple(pixels[10, 50]) == (10, 200, 30)


def test_sixteen_bit_grey_is_scaled_not_clipped(tmp_path: Path) -> None:
    grey16 = np.full((64, 64), 40000, dtype=np.uint16)
    path = save(Image.fromarray(grey16), tmp_path / "deep.png")
    pixels = load_portrait(path).pixels
    assert tuple(pixels[0, 0]) == (156, 156, 156)  # 40000 / 257


def test_sixteen_bit_rgb(tmp_path: Path) -> None:
    bgr16 = np.zeros((64, 64, 3), dtype=np.uint16)
    bgr16[:, :] = (32896, 0, 65535)  # OpenCV order: blue, green, red
    path = tmp_path / "deep_rgb.png"
    assert cv2.imwrite(str(path), bgr16)
    assert tuple(load_portrait(path).pixels[0, 0]) == pytest.approx((255, 0, 128), abs=1)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match=r"image not found: .*nope\.png"):
        load_portrait(tmp_path / "nope.png")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="is a directory"):
        load_portrait(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ImageError, match="file is empty"):
        load_portrait(tmp_path / "empty.png")


def test_not_an_image(tmp_path: Path) -> None:
    (tmp_path / "face.png").write_text("this is a text file\n" * 10)
    with pytest.raises(
        ImageError, match=r"not a supported image \(use PNG, JPEG, WebP, BMP or TIFF\)"
    ):
        load_portrait(tmp_path / "face.png")


def test_unsupported_format(tmp_path: Path) -> None:
    path = save(Image.fromarray(gradient()), tmp_path / "face.gif")
    with pytest.raises(ImageError, match="not a supported image"):
        load_portrait(path)


@pytest.mark.parametrize("name", ["cut.png", "cut.jpg"])
def test_truncated(tmp_path: Path, name: str) -> None:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200, 3), np.uint8)).save(
        buffer, format="PNG" if name.endswith("png") else "JPEG"
    )
    (tmp_path / name).write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(ImageError, match="truncated or corrupt"):
        load_portrait(tmp_path / name)


def test_corrupt_header(tmp_path: Path) -> None:
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\xff" * 100)
    with pytest.raises(ImageError, match="cannot read image"):
        load_portrait(tmp_path / "bad.png")


@pytest.mark.parametrize(
    "side",
    [
        8000,  # 64 MP: over our limit, under Pillow's own
        40000,  # 1600 MP: Pillow's decompression-bomb error, reworded
    ],
)
def test_too_many_megapixels_is_refused_from_the_header(tmp_path: Path, side: int) -> None:
    path = png_header_only(tmp_path / "huge.png", side, side)
    with pytest.raises(ImageError, match=f"too large: over {MAX_MEGAPIXELS} megapixels"):
        load_portrait(path)


def test_too_small(tmp_path: Path) -> None:
    path = save(Image.new("RGB", (MIN_SIDE_PX - 1, 200)), tmp_path / "thin.png")
    with pytest.raises(ImageError, match=r"too small: 63x200 px \(use at least 64 px"):
        load_portrait(path)


def test_error_messages_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "face.png").write_bytes(b"nope")
    with pytest.raises(ImageError) as info:
        load_portrait(tmp_path / "face.png")
    assert "\n" not in str(info.value)
