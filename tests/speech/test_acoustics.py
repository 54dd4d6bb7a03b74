import time
from dataclasses import fields
from itertools import pairwise

import numpy as np
import pytest

from talkinghead.media.audio import high_pass
from talkinghead.speech import acoustics
from talkinghead.speech.acoustics import HOP_S, extract_features, fill_short_runs

RATE = 16000
NAMES = ("loudness", "voicing", "openness", "rounding", "frication", "speech")


def _middle(values, seconds_from, seconds_to):
    return values[int(seconds_from / HOP_S) : int(seconds_to / HOP_S)]


def test_shapes_and_ranges(synth):
    feats = extract_features(np.concatenate([synth.harmonic_tone(0.5), synth.noise(0.503)]), RATE)
    assert feats.hop_s == pytest.approx(0.01)
    assert feats.n_hops == int(np.ceil(1.003 / 0.01))
    for name in NAMES:
        values = getattr(feats, name)
        assert values.shape == (feats.n_hops,) and values.dtype == np.float32
        assert 0 <= values.min() and values.max() <= 1, name


def test_harmonic_tone_is_voiced_loud_speech(synth):
    feats = extract_features(synth.harmonic_tone(1.0), RATE)
    assert _middle(feats.voicing, 0.1, 0.9).min() > 0.8
    assert _middle(feats.loudness, 0.1, 0.9).min() > 0.8
    assert _middle(feats.speech, 0.1, 0.9).min() == 1
    assert _middle(feats.frication, 0.1, 0.9).max() < 0.1


def test_white_noise_is_unvoiced_frication(synth):
    feats = extract_features(synth.noise(1.0), RATE)
    assert _middle(feats.voicing, 0.1, 0.9).mean() < 0.1
    assert _middle(feats.frication, 0.1, 0.9).mean() > 0.7
    assert _middle(feats.openness, 0.1, 0.9).max() < 0.1  # formant cues only for voiced hops


def test_zeros_are_not_speech(synth):
    feats = extract_features(synth.silence(1.0), RATE)
    for name in NAMES:
        assert getattr(feats, name).max() == 0, name


def test_pauses_split_speech_but_short_gaps_are_bridged(synth):
    tone, gap = synth.harmonic_tone(0.5), synth.silence
    speech = extract_features(np.concatenate([tone, gap(0.1), tone, gap(0.6), tone]), RATE).speech
    assert _middle(speech, 0.1, 1.0).min() == 1  # the 100 ms gap is inside speech
    assert _middle(speech, 1.2, 1.6).max() == 0  # the 600 ms pause is not
    assert _middle(speech, 1.8, 2.1).min() == 1


def test_open_vowel_opens_more_than_close_vowels_and_rounds_less(synth):
    aa = synth.vowel(0.5, (750, 1100, 2500))
    iy = synth.vowel(0.5, (290, 2300, 3000))
    uw = synth.vowel(0.5, (300, 800, 2300))
    gap = synth.silence(0.3)
    feats = extract_features(np.concatenate([aa, gap, iy, gap, uw]), RATE)
    openness = [_middle(feats.openness, a, a + 0.3).mean() for a in (0.1, 0.9, 1.7)]
    rounding = [_middle(feats.rounding, a, a + 0.3).mean() for a in (0.1, 0.9, 1.7)]
    assert openness[0] > 0.6 and openness[1] < 0.2 and openness[2] < 0.4
    assert rounding[2] > rounding[1] + 0.3 and rounding[2] > rounding[0]


def test_quiet_hops_lose_loudness_relative_to_the_clip(synth):
    audio = np.concatenate([synth.harmonic_tone(0.5), 0.05 * synth.harmonic_tone(0.5)])
    loud = extract_features(audio, RATE).loudness
    assert _middle(loud, 0.1, 0.4).mean() - _middle(loud, 0.6, 0.9).mean() > 0.6


def test_other_sample_rates(synth):
    feats = extract_features(synth.harmonic_tone(1.0, rate=48000), 48000)
    assert feats.n_hops == 100 and _middle(feats.voicing, 0.1, 0.9).min() > 0.8


def test_fast_enough(synth):
    syllable = np.concatenate([synth.vowel(0.4, (700, 1200, 2500)), synth.noise(0.2)])
    audio = np.tile(syllable, 17)  # 10.2 s
    start = time.process_time()
    extract_features(audio, RATE)
    assert time.process_time() - start < 0.5  # target: < 0.05 s per second of audio


def test_fill_short_runs():
    mask = np.array([1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0], dtype=bool)
    filled = fill_short_runs(mask, False, 3).astype(int).tolist()
    assert filled == [1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0]


def test_blockwise_measuring_changes_nothing(monkeypatch, synth):
    from talkinghead.speech import acoustics

    audio = np.concatenate([synth.vowel(0.3, (700, 1200, 2500)), synth.noise(0.2),
                            synth.silence(0.3), synth.harmonic_tone(0.25)])
    whole = extract_features(audio, RATE)
    monkeypatch.setattr(acoustics, "BLOCK_HOPS", 7)
    blocks = extract_features(audio, RATE)
    for name in NAMES:
        assert np.allclose(getattr(whole, name), getattr(blocks, name), atol=1e-5), name


def test_pitch_is_in_semitones_over_the_clip_median(synth):
    low, high = synth.harmonic_tone(1.0, f0=120.0), synth.harmonic_tone(0.5, f0=240.0)
    feats = extract_features(np.concatenate([low, high]), RATE)
    assert feats.pitch.dtype == np.float32
    np.testing.assert_allclose(_middle(feats.pitch, 0.1, 0.9), 0.0, atol=0.3)
    np.testing.assert_allclose(_middle(feats.pitch, 1.1, 1.4), 12.0, atol=0.3)  # an octave


def test_noise_and_silence_have_no_pitch(synth):
    sound = np.concatenate([synth.harmonic_tone(1.0), synth.noise(0.5), synth.silence(0.5)])
    feats = extract_features(sound, RATE)
    assert np.abs(_middle(feats.pitch, 1.1, 1.9)).max() == 0.0


def test_blocks_measured_apart_give_what_the_whole_clip_filtered_at_once_gives(monkeypatch,
                                                                                synth):
    """Each block high-passes its own samples from FILTER_SETTLE_S before its frames (so that
    workers can measure blocks apart); the filter has settled by then, bit for bit."""
    monkeypatch.setattr(acoustics, "BLOCK_HOPS", 150)  # 1.5 s blocks
    clip = np.concatenate([synth.harmonic_tone(1.2), synth.noise(0.7), synth.silence(0.4),
                           synth.vowel(1.1, (750, 1100, 2500)), synth.harmonic_tone(1.3)])
    blocks = acoustics.hop_blocks(len(clip), RATE)
    assert len(blocks) == 4 and blocks[1].start > 0
    whole = high_pass(clip, RATE, acoustics.HIGHPASS_HZ)  # the clip filtered in one pass
    at_once = acoustics.features_from([
        acoustics._measure(whole, RATE, acoustics.HopBlock(b.first, b.count, 0, len(clip)),
                           len(clip)) for b in blocks], RATE)
    apart = extract_features(clip, RATE)
    for field in fields(apart):
        assert np.array_equal(getattr(apart, field.name), getattr(at_once, field.name)), field


def test_the_blocks_cover_every_hop_once_within_the_clip():
    for n_samples in (1, 159, 160, 161, 479_999, 480_000, 480_161, 1_000_003):
        blocks = acoustics.hop_blocks(n_samples, RATE)
        assert blocks[0].first == 0
        for before, after in pairwise(blocks):
            assert after.first == before.first + before.count
        n_hops = blocks[-1].first + blocks[-1].count
        assert n_hops == -(-n_samples // round(HOP_S * RATE))
        assert all(0 <= b.start < b.stop <= n_samples for b in blocks)
