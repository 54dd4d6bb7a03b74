import cv2
import numpy as np
import pytest

from talkinghead.engines.warp import quality
from talkinghead.engines.warp.enhance import calibrate, phase_weight, restore, source_grain


@pytest.fixture(scope="module")
def texture():
    """A sharp, detailed 160 x 160 RGB image with a face-sized mask in the middle."""
    rng = np.random.default_rng(4)
    noise = cv2.GaussianBlur(rng.normal(128, 40, (160, 160)).astype(np.float32), (0, 0), 0.7)
    image = np.clip(np.stack([noise, noise * 0.9, noise * 0.8], axis=2), 0, 255).astype(np.uint8)
    face = np.zeros((160, 160), bool)
    face[40:120, 40:120] = True
    return image, face


def test_phase_weight_is_zero_on_whole_pixels_and_one_on_halves():
    offsets = np.array([-2.0, -0.5, 0.0, 0.25, 0.5, 1.0, 3.5], np.float32)
    np.testing.assert_allclose(phase_weight(offsets), [0, 1, 0, 0.75, 1, 0, 1], atol=1e-6)


def test_calibration_restores_the_sharpness_a_half_pixel_shift_loses(texture):
    image, face = texture
    enhancer = calibrate(image, face, enhance=True)
    assert enhancer.interpolation == cv2.INTER_CUBIC and enhancer.amount > 0
    ys, xs = np.mgrid[0:160, 0:160].astype(np.float32)
    shifted = cv2.remap(image, xs + 0.5, ys + 0.5, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    half = np.full((160, 160), 0.5, np.float32)
    restored = shifted.copy()
    restore(restored, half, half, enhancer)
    inner = np.s_[50:110, 50:110]
    target = quality.sharpness(image[inner])
    assert quality.sharpness(shifted[inner]) < 0.8 * target
    assert quality.sharpness(restored[inner]) == pytest.approx(target, rel=0.1)


def test_copied_pixels_stay_bit_exact(texture):
    image, face = texture
    enhancer = calibrate(image, face, enhance=True)
    region = image.copy()
    whole = np.zeros((160, 160), np.float32)
    whole[:, 80:] = 2.0  # moved by whole pixels: copied, not resampled
    restore(region, whole, whole, enhancer)
    np.testing.assert_array_equal(region, image)


def test_no_enhance_means_bilinear_and_no_sharpening(texture):
    image, face = texture
    enhancer = calibrate(image, face, enhance=False)
    assert enhancer.interpolation == cv2.INTER_LINEAR and enhancer.amount == 0
    region = image.copy()
    half = np.full((160, 160), 0.5, np.float32)
    restore(region, half, half, enhancer)
    np.testing.assert_array_equal(region, image)


def test_a_soft_source_gets_less_sharpening_than_a_crisp_one(texture):
    image, face = texture
    soft = cv2.GaussianBlur(image, (0, 0), 1.5)
    assert calibrate(soft, face, True).amount < calibrate(image, face, True).amount


def test_grain_is_measured_on_the_face(texture):
    image, face = texture
    flat = np.full_like(image, 120)
    assert source_grain(flat, face) == 0
    assert source_grain(image, face) > 5
