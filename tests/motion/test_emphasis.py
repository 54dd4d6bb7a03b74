import numpy as np
import pytest
from scipy import signal

from talkinghead.motion.emphasis import keep_apart, local_peaks, strong_peaks


@pytest.mark.parametrize("seed", range(20))
def test_the_peaks_are_scipys(seed):
    """local_peaks + keep_apart give scipy.signal.find_peaks(height, distance), flat tops and
    ties included (the values are rounded to a few levels, so both abound)."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.random(400) * 6) / 6
    gap = int(rng.integers(1, 12))
    height = float(rng.random())
    expected, _ = signal.find_peaks(x, height=height, distance=gap)
    peaks = local_peaks(x)
    np.testing.assert_array_equal(keep_apart(peaks[x[peaks] >= height], x, gap), expected)


def test_plateaus_peak_in_their_middle_and_the_ends_never_do():
    x = np.array([3.0, 1, 2, 2, 2, 2, 0, 1, 1, 1, 5, 5])
    np.testing.assert_array_equal(local_peaks(x), [3])  # middle (left one) of 2 2 2 2


def test_strong_peaks_keep_the_higher_of_two_close_peaks():
    strength = np.zeros(60)
    strength[[10, 14, 40]] = [0.5, 1.0, 0.8]
    peaks, heights = strong_peaks(strength, quantile=0.0, gap_frames=8)
    np.testing.assert_array_equal(peaks, [14, 40])
    np.testing.assert_allclose(heights, [1.0, 0.8])
