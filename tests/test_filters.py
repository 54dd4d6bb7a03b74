"""talkinghead.filters gives what scipy.ndimage gives, on every border and length."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from talkinghead import filters

LENGTHS = (1, 2, 7, 40, 301)


@pytest.fixture(scope="module")
def tracks() -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    return [rng.standard_normal(n) for n in LENGTHS] + [np.r_[np.zeros(20), np.ones(20)]]


@pytest.mark.parametrize("mode", ["nearest", "constant", "wrap"])
@pytest.mark.parametrize("sigma", [0.6, 2.5, 9.0])
def test_gaussian(tracks, mode, sigma):
    for x in tracks:
        np.testing.assert_allclose(filters.gaussian_filter1d(x, sigma, mode),
                                   ndimage.gaussian_filter1d(x, sigma, mode=mode), atol=1e-12)


@pytest.mark.parametrize("size", [1, 2, 5, 8, 31])
def test_uniform_maximum_and_correlate(tracks, size):
    weights = np.linspace(0.2, 1.0, size) ** 2
    for x in tracks:
        np.testing.assert_allclose(filters.uniform_filter1d(x, size),
                                   ndimage.uniform_filter1d(x, size, mode="nearest"), atol=1e-12)
        assert np.array_equal(filters.maximum_filter1d(x, size),
                              ndimage.maximum_filter1d(x, size, mode="nearest"))
        np.testing.assert_allclose(filters.correlate1d(x, weights),
                                   ndimage.correlate1d(x, weights, mode="nearest"), atol=1e-12)


def test_rows_of_a_spectrogram_are_filtered_apart():
    power = np.random.default_rng(4).random((6, 129)).astype(np.float32)
    ours = filters.uniform_filter1d(power, 9, axis=1)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, ndimage.uniform_filter1d(power, 9, axis=1, mode="nearest"),
                               rtol=1e-5)
    with pytest.raises(ValueError):
        filters.uniform_filter1d(power, 9, axis=0)


def test_an_empty_track_stays_empty():
    assert filters.gaussian_filter1d(np.zeros(0), 2.0).shape == (0,)
