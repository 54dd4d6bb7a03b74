import cv2
import numpy as np
import pytest

from talkinghead.engines.warp import quality
from talkinghead.engines.warp.enhance import (
    SUB_PIXEL,
    SUPERSAMPLING,
    calibrate,
    resample,
    restore,
    sampled_image,
    source_grain,
    supersampled,
)


@pytest.fixture(scope="module")
def texture():
    """A sharp, detailed 160 x 160 RGB image with a face-sized mask in the middle."""
    rng = np.random.default_rng(4)
    noise = cv2.GaussianBlur(rng.normal(128, 40, (160, 160)).astype(np.float32), (0, 0), 0.7)
    image = np.clip(np.stack([noise, noise * 0.9, noise * 0.8], axis=2), 0, 255).astype(np.uint8)
    face = np.zeros((160, 160), bool)
    face[40:120, 40:120] = True
    return image, face


def test_sharpening_follows_the_blur_of_each_offset(texture):
    """None for a copied pixel, all of it at the blurriest offset (between a source pixel
    and a half-pixel sample), the same either side of a half pixel."""
    image, face = texture
    weights = np.array(calibrate(image, face, enhance=True).phase_weights)
    assert len(weights) == SUB_PIXEL and weights[0] == 0 and weights.max() == 1
    assert 0.2 <= np.argmax(weights) / SUB_PIXEL <= 0.4
    np.testing.assert_allclose(weights[1:], weights[1:][::-1])


GRID = np.mgrid[0:160, 0:160].astype(np.float32)[::-1]  # xs, ys


def shifted_by(image, enhancer, offset):
    """`image` resampled the warp's way at every pixel moved by `offset` (pixels)."""
    xs, ys = GRID
    return resample(sampled_image(image, enhancer), xs + offset, ys + offset, enhancer)


def test_the_supersampled_image_holds_the_source_at_even_positions(texture):
    image, _ = texture
    double = supersampled(image)
    assert double.shape == (320, 320, 3)
    np.testing.assert_array_equal(double[::2, ::2], image)
    # between them, half-pixel samples: on a ramp, the mean of the two neighbours
    ramp = np.tile(np.arange(0, 200, 2, dtype=np.uint8), (20, 1))
    np.testing.assert_array_equal(supersampled(ramp)[::2, 1::2][:, 4:-4], ramp[:, 4:-4] + 1)


def test_supersampled_resampling_is_closer_to_the_truth_than_bicubic():
    """Against the truth: a detailed image shifted by whole pixels at four times the size,
    then downscaled, is the downscaled image shifted by quarter pixels. (Summed over the three
    offsets: about 10% less error than bicubic.)"""
    rng = np.random.default_rng(9)
    big = cv2.GaussianBlur(rng.normal(128, 50, (400, 400)).astype(np.float32), (0, 0), 3.0)
    small = cv2.resize(big, (100, 100), interpolation=cv2.INTER_AREA)
    image = np.clip(small, 0, 255).astype(np.uint8)
    enhancer = calibrate(np.dstack([image] * 3), np.ones((100, 100), bool), enhance=True)
    ys, xs = np.mgrid[0:100, 0:100].astype(np.float32)
    inner = np.s_[8:-8, 8:-8]
    errors = np.zeros(2)
    for quarters in (1, 2, 3):
        truth = cv2.resize(np.roll(big, (-quarters, -quarters), (0, 1)), (100, 100),
                           interpolation=cv2.INTER_AREA)[inner]
        offset = quarters / 4
        ours, _ = resample(sampled_image(image, enhancer), xs + offset, ys + offset, enhancer)
        cubic = cv2.remap(image, xs + offset, ys + offset, cv2.INTER_CUBIC)
        errors += [np.abs(ours[inner] - truth).mean(), np.abs(cubic[inner] - truth).mean()]
    assert errors[0] < 0.95 * errors[1]


def test_calibration_restores_the_sharpness_the_worst_offset_loses(texture):
    image, face = texture
    enhancer = calibrate(image, face, enhance=True)
    assert enhancer.supersampling == SUPERSAMPLING and enhancer.amount > 0
    weights = np.array(enhancer.phase_weights)
    worst = float(np.argmax(weights)) / SUB_PIXEL
    shifted, _ = shifted_by(image, enhancer, worst)
    restored = shifted.copy()
    xs, ys = GRID
    restore(restored, xs + worst, ys + worst, enhancer)
    inner = np.s_[50:110, 50:110]
    target = quality.sharpness(image[inner])
    assert quality.sharpness(shifted[inner]) < 0.8 * target
    assert quality.sharpness(restored[inner]) == pytest.approx(target, rel=0.1)


def test_copied_pixels_stay_bit_exact(texture):
    image, face = texture
    enhancer = calibrate(image, face, enhance=True)
    for whole in (0.0, 2.0, -3.0):  # moved by whole pixels: copied, not resampled
        region, _ = shifted_by(image, enhancer, whole)
        xs, ys = GRID
        restore(region, xs + whole, ys + whole, enhancer)
        moved = np.roll(image, (-int(whole),) * 2, (0, 1))
        np.testing.assert_array_equal(region[5:-5, 5:-5], moved[5:-5, 5:-5])


def test_no_enhance_means_bilinear_from_the_source_and_no_sharpening(texture):
    image, face = texture
    enhancer = calibrate(image, face, enhance=False)
    assert enhancer.supersampling == 1 and enhancer.amount == 0
    assert sampled_image(image, enhancer) is image
    region, _ = shifted_by(image, enhancer, 0.5)
    xs, ys = GRID
    fixed = cv2.convertMaps(xs + 0.5, ys + 0.5, cv2.CV_16SC2)
    np.testing.assert_array_equal(region, cv2.remap(image, *fixed, cv2.INTER_LINEAR,
                                                    borderMode=cv2.BORDER_REFLECT))
    restored = region.copy()
    restore(restored, xs + 0.5, ys + 0.5, enhancer)
    np.testing.assert_array_equal(restored, region)


def test_a_soft_source_gets_less_sharpening_than_a_crisp_one(texture):
    image, face = texture
    soft = cv2.GaussianBlur(image, (0, 0), 1.5)
    assert calibrate(soft, face, True).amount < calibrate(image, face, True).amount


def test_grain_is_measured_on_the_face(texture):
    image, face = texture
    flat = np.full_like(image, 120)
    assert source_grain(flat, face) == 0
    assert source_grain(image, face) > 5
