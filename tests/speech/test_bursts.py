import numpy as np
import pytest
from scipy import signal

from talkinghead.speech.bursts import StopRelease, has_high_band, labial_closures, stop_releases

RATE = 16000
CLOSURE_S = 0.08
BURST_S = 0.015


def _burst(kind: str, seed: int = 1) -> np.ndarray:
    """15 ms of noise shaped like the release of a stop made at the lips, the tongue tip or
    the tongue body (falling, rising, compact)."""
    noise = np.random.default_rng(seed).standard_normal(int(BURST_S * RATE))
    if kind == "labial":
        sos = signal.butter(1, 1500, "lowpass", fs=RATE, output="sos")
    elif kind == "alveolar":
        sos = signal.butter(4, 4000, "highpass", fs=RATE, output="sos")
    else:
        sos = signal.butter(4, (2000, 3000), "bandpass", fs=RATE, output="sos")
    shaped = signal.sosfilt(sos, noise)
    return (0.1 * shaped / np.abs(shaped).max()).astype(np.float32)


def _stop(synth, kind: str, closure_s: float = CLOSURE_S) -> np.ndarray:
    """vowel, closure, burst, vowel."""
    vowel = synth.vowel(0.2, (700, 1200, 2600))
    return np.concatenate([synth.silence(0.1), vowel, synth.silence(closure_s), _burst(kind),
                           vowel, synth.silence(0.1)])


def test_a_closure_and_release_is_found_where_it_is(synth):
    releases = stop_releases(_stop(synth, "labial"))
    assert len(releases) == 1
    release = releases[0]
    assert release.closure_s == pytest.approx(0.3, abs=0.01)
    assert release.release_s == pytest.approx(0.3 + CLOSURE_S, abs=0.01)


@pytest.mark.parametrize(("kind", "labial"), [("labial", True), ("alveolar", False),
                                               ("velar", False)])
def test_only_a_diffuse_falling_burst_is_labial(synth, kind, labial):
    (release,) = stop_releases(_stop(synth, kind))
    assert release.labial is labial


def test_labial_closures_are_bilabial_phones_over_the_closure(synth):
    (span,) = labial_closures(_stop(synth, "labial"))
    assert span.label == "P" and not span.aligned
    assert span.start_s == pytest.approx(0.3, abs=0.01)
    assert 0.3 + CLOSURE_S < span.end_s < 0.3 + CLOSURE_S + 0.02


def test_a_pause_is_not_a_closure(synth):
    assert stop_releases(_stop(synth, "labial", closure_s=0.4)) == []


def test_telephone_band_audio_never_looks_labial(synth):
    sos = signal.butter(8, 3400, "lowpass", fs=RATE, output="sos")
    narrow = signal.sosfilt(sos, _stop(synth, "labial")).astype(np.float32)
    assert labial_closures(narrow) == []


def test_silence_has_no_releases():
    assert stop_releases(np.zeros(RATE, np.float32)) == []


@pytest.mark.parametrize(("bands", "labial"), [
    ((-20.0, -24.0, -28.0), True),  # falling
    ((-20.0, -20.0, -25.0), True),  # flat then falling
    ((-20.0, -17.5, -26.0), True),  # the mid band a little over the low one: still diffuse
    ((-20.0, -15.0, -26.0), False),  # compact: a mid peak ("k")
    ((-20.0, -22.0, -17.0), False),  # rising ("t")
    ((-20.0, -22.0, -23.0), False),  # flat: not falling enough
    ((-10.0, -25.0, -30.0), False),  # a vowel onset: far too steep to be a burst
])
def test_labial_place_from_band_levels(bands, labial):
    assert StopRelease(0.0, 0.05, *bands).labial is labial


def test_closures_are_found_over_room_noise_30_db_under_the_speech(synth):
    clean = _stop(synth, "labial")
    level = np.sqrt(np.mean(clean[np.abs(clean) > 1e-4] ** 2))
    noisy = clean + synth.noise(len(clean) / RATE, level=level * 10 ** (-30 / 20), seed=3)
    (release,) = stop_releases(noisy)
    assert release.release_s == pytest.approx(0.3 + CLOSURE_S, abs=0.01)


def test_telephone_band_audio_has_no_high_band(synth):
    wide = _stop(synth, "labial")
    to_8k_and_back = signal.resample_poly(signal.resample_poly(wide, 1, 2), 2, 1)
    assert has_high_band(wide)
    assert not has_high_band(to_8k_and_back.astype(np.float32))
    assert not has_high_band(np.zeros(RATE, np.float32))


def test_the_high_band_check_uses_one_fft_length_for_pieces_of_any_length(synth, monkeypatch):
    """FFT libraries keep a plan per length: with scipy's, one length per piece grew a worker
    by 200 MB over 10 minutes of audio (benchmarks/long_audio.py)."""
    from talkinghead.speech import bursts

    lengths = []
    real_rfft = np.fft.rfft

    def rfft(x, *args, **kwargs):
        lengths.append(np.shape(x)[-1])
        return real_rfft(x, *args, **kwargs)

    monkeypatch.setattr(np.fft, "rfft", rfft)
    wide = _stop(synth, "labial")
    for repeats in (1.3, 2.1, 3.7):
        piece = np.resize(wide, round(repeats * len(wide))).astype(np.float32)
        assert has_high_band(piece)
    assert set(lengths) == {bursts.BAND_CHECK_FFT}
