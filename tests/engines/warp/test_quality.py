import numpy as np
import pytest

from talkinghead_dev import quality


def test_psnr_and_ssim_of_identical_and_noisy_images():
    rng = np.random.default_rng(0)
    image = np.tile(np.linspace(40, 200, 64), (64, 1))[..., None].repeat(3, axis=2)
    image = image.astype(np.uint8)
    assert quality.psnr(image, image) == float("inf")
    assert quality.ssim(image, image) == pytest.approx(1.0)
    noisy = np.clip(image + rng.normal(0, 5, image.shape), 0, 255).astype(np.uint8)
    assert 33 < quality.psnr(noisy, image) < 36  # 5 grey levels of noise: about 34 dB
    assert quality.ssim(noisy, image) < 0.9


def test_sharpness_drops_with_blur():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (64, 64), dtype=np.uint8)
    import cv2

    assert quality.sharpness(cv2.GaussianBlur(image, (0, 0), 1.0)) < 0.3 * quality.sharpness(image)


def eye_points(opening: float) -> np.ndarray:
    """68 points whose eyes are 30 px wide and `opening` px high (EAR = opening / 30)."""
    points = np.zeros((68, 2))
    for start, x in ((36, 0.0), (42, 60.0)):
        points[start:start + 6] = [(x, 0), (x + 10, -opening / 2), (x + 20, -opening / 2),
                                   (x + 30, 0), (x + 20, opening / 2), (x + 10, opening / 2)]
    return points


def test_eye_aspect_ratio_and_head_position():
    assert quality.eye_aspect_ratio(eye_points(9)) == pytest.approx(0.3)
    np.testing.assert_allclose(quality.head_position(eye_points(9)), (45, 0))
    # The corners do not move with the lids: a blink is not head motion.
    np.testing.assert_allclose(quality.head_position(eye_points(1)), (45, 0))


def test_blinks_are_dips_of_the_eye_aspect_ratio():
    rng = np.random.default_rng(2)
    ear = 0.3 + rng.normal(0, 0.008, 200)
    ear[[50, 51, 52]] = [0.2, 0.12, 0.22]
    ear[120] = 0.24  # a shallow dip the detector saw in one frame
    ear[122] = 0.23  # ... and again two frames later: the same blink
    ear[160] = np.nan  # no face found: counts as open
    assert quality.blink_runs(ear) == [(50, 53), (120, 123)]


def test_position_spread_ignores_missing_frames():
    positions = np.array([[0.0, 0.0], [2.0, 0.0], [np.nan, np.nan], [0.0, 0.0], [2.0, 0.0]])
    assert quality.position_spread(positions) == pytest.approx(1.0)
