import numpy as np
import pytest

from talkinghead.motion.frames import speech_to_frames
from talkinghead.speech.types import AcousticFeatures, PhoneSpan, Speech


def _speech(loudness, phones=(), hop_s=0.01):
    n = len(loudness)
    zeros = np.zeros(n)
    feats = AcousticFeatures(hop_s=hop_s, loudness=loudness, voicing=zeros, openness=zeros,
                             rounding=zeros, frication=zeros, speech=np.asarray(loudness) > 0.5)
    return Speech(tuple(phones), feats, n * hop_s)


def test_phone_times_become_frame_positions():
    speech = _speech(np.zeros(20), [PhoneSpan("SIL", 0.0, 0.04), PhoneSpan("AA", 0.04, 0.1)])
    frames = speech_to_frames(speech, 25, 3)
    assert [p.label for p in frames.phones] == ["SIL", "AA"]
    assert frames.phones[1].start == pytest.approx(1.0)
    assert frames.phones[1].end == pytest.approx(2.5)


def test_features_average_the_hops_of_each_frame():
    loudness = np.repeat([0.0, 1.0, 0.5], 4)  # 4 hops of 10 ms per 40 ms frame
    frames = speech_to_frames(_speech(loudness), 25, 3)
    assert np.allclose(frames.loudness, [0.0, 1.0, 0.5])
    assert np.array_equal(frames.speech, [0.0, 1.0, 0.0])


def test_frames_after_the_audio_are_silent():
    frames = speech_to_frames(_speech(np.ones(8)), 25, 5)
    assert np.allclose(frames.loudness[:2], 1.0)
    assert np.allclose(frames.loudness[3:], 0.0)
    assert frames.speech[3:].max() == 0


def test_high_frame_rates_interpolate_between_hops():
    loudness = np.linspace(0, 1, 11)
    frames = speech_to_frames(_speech(loudness), 200, 20)  # 5 ms frames, 10 ms hops
    assert np.all(np.diff(frames.loudness[:18]) >= -1e-6)
    assert frames.loudness.max() <= 1.0
