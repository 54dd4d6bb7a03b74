"""Put the cut-out person on a background: the backdrop of each `--background` choice, and the
per-frame "over" of an RGBA frame on it.

The backdrop is made once per job, at the canvas size, and saved with the job: a colour; an
image fitted to cover the frame (centred, cropped, never stretched); or the portrait's own
background blurred, with the person taken out of the blur so that no halo of them stays
behind. `transparent` has no backdrop: the frames keep their alpha.
"""

from __future__ import annotations

from typing import Final

import cv2
import numpy as np

BLUR_SHARE: Final = 0.02  # blur of `--background blur`, as a share of the frame's diagonal
FINE_SIGMA_PX: Final = 8.0  # blurs wider than twice this run on a copy shrunk to this width
PERSON_BELOW: Final = 0.5  # matte values from here up are the person, left out of the blur


def backdrop_for(background: str, picture: np.ndarray, matte: np.ndarray,
                 image: np.ndarray | None = None) -> np.ndarray | None:
    """What the person cut out of `picture` (by `matte`, 0..1) is put on, at its size, for a
    `--background` choice; None for transparent. `image` is the picture of `--background FILE`."""
    height, width = picture.shape[:2]
    if background == "transparent":
        return None
    if background == "blur":
        return blurred_backdrop(picture, matte)
    if background.startswith("color:"):
        return solid_backdrop(colour_of(background), (width, height))
    if image is None:
        raise ValueError(f"--background {background}: the image was not given")
    return fitted_backdrop(image, (width, height))


def colour_of(text: str) -> tuple[int, int, int]:
    """'color:#1a2b3c' -> (26, 43, 60)."""
    hex_digits = text.removeprefix("color:").removeprefix("#")
    return int(hex_digits[0:2], 16), int(hex_digits[2:4], 16), int(hex_digits[4:6], 16)


def solid_backdrop(colour: tuple[int, int, int], size: tuple[int, int]) -> np.ndarray:
    width, height = size
    return np.full((height, width, 3), colour, np.uint8)


def fitted_backdrop(image: np.ndarray, size: tuple[int, int],
                    interpolation: int | None = None) -> np.ndarray:
    """`image` (RGB uint8) scaled to cover `size` (width, height), centred and cropped; by
    area averaging where it shrinks and bicubic where it grows, unless `interpolation` says."""
    width, height = size
    image_h, image_w = image.shape[:2]
    cover = max(width / image_w, height / image_h)
    scaled_w, scaled_h = max(width, round(image_w * cover)), max(height, round(image_h * cover))
    if interpolation is None:
        interpolation = cv2.INTER_AREA if cover < 1 else cv2.INTER_CUBIC
    scaled = cv2.resize(image, (scaled_w, scaled_h), interpolation=interpolation)
    x0, y0 = (scaled_w - width) // 2, (scaled_h - height) // 2
    return np.ascontiguousarray(scaled[y0:y0 + height, x0:x0 + width])


def blurred_backdrop(picture: np.ndarray, matte: np.ndarray) -> np.ndarray:
    """The picture's background blurred, the person's place filled from around it, so the
    person's colours do not bleed into the blur."""
    height, width = picture.shape[:2]
    sigma = BLUR_SHARE * float(np.hypot(width, height))
    blurred = average_nearby(picture.astype(np.float32), matte < PERSON_BELOW, sigma)
    return (blurred + 0.5).astype(np.uint8)


def average_nearby(colours: np.ndarray, where: np.ndarray, sigma: float) -> np.ndarray:
    """Each pixel's Gaussian-weighted average of the `where` pixels around it (normalised
    convolution; float32 H x W x 3). Where none is within reach, the window widens threefold
    until one is; with none anywhere, the picture's average."""
    weight = where.astype(np.float32)
    if not weight.any():
        return np.broadcast_to(colours.reshape(-1, 3).mean(axis=0), colours.shape).copy()
    result = np.zeros_like(colours)
    missing = np.ones(where.shape, bool)
    while missing.any():
        total = _blur(weight, sigma)
        sums = _blur(colours * weight[:, :, None], sigma)
        found = missing & (total > 1e-3)
        result[found] = sums[found] / total[found, None]
        missing &= ~found
        sigma *= 3
        if sigma > 3 * max(where.shape):  # as wide as the picture: the rest is far from all
            result[missing] = (colours * weight[:, :, None]).sum(axis=(0, 1)) / weight.sum()
            break
    return result


def _blur(values: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur; wide ones are done on a smaller copy (same result to the eye, and
    their cost stays that of a narrow one)."""
    shrink = sigma / FINE_SIGMA_PX
    if shrink <= 2:
        return cv2.GaussianBlur(values, (0, 0), sigma)
    height, width = values.shape[:2]
    small_size = (max(1, round(width / shrink)), max(1, round(height / shrink)))
    small = cv2.resize(values, small_size, interpolation=cv2.INTER_AREA)
    blurred = cv2.GaussianBlur(small, (0, 0), FINE_SIGMA_PX)
    return cv2.resize(blurred, (width, height), interpolation=cv2.INTER_LINEAR)


def over(layer: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """An RGBA uint8 layer over an RGB uint8 backdrop of the same size: RGB uint8."""
    alpha = layer[:, :, 3].astype(np.float32) * (1 / 255)
    return cv2.blendLinear(np.ascontiguousarray(layer[:, :, :3]), backdrop, alpha, 1 - alpha)


class Compositor:
    """Frames over a fixed backdrop, where frames differ only inside `roi`: the rest of the
    composite is made once, and each frame blends only its region."""

    def __init__(self, backdrop: np.ndarray, first_layer: np.ndarray,
                 roi: tuple[int, int, int, int]) -> None:
        self.backdrop = backdrop
        self.roi = roi
        self.still = over(first_layer, backdrop)

    def __call__(self, layer: np.ndarray) -> np.ndarray:
        x0, y0, x1, y1 = self.roi
        frame = self.still.copy()
        frame[y0:y1, x0:x1] = over(layer[y0:y1, x0:x1], self.backdrop[y0:y1, x0:x1])
        return frame
