from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from talkinghead.errors import AudioError
from talkinghead.speech.analysis import analyse_speech
from talkinghead.speech.types import Speech

RATE = 16000
SHARED_AUDIO = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "audio"


def _audio(samples, rate=RATE):
    """A stand-in for media.audio.Audio: analysis only reads these fields."""
    return SimpleNamespace(samples=samples, sample_rate=rate, duration_s=len(samples) / rate)


def test_analyse_speech_combines_phones_and_features(synth):
    samples = np.concatenate([synth.silence(0.2), synth.harmonic_tone(0.6), synth.silence(0.2)])
    speech = analyse_speech(_audio(samples))
    assert isinstance(speech, Speech)
    assert speech.duration_s == pytest.approx(1.0)
    assert speech.phones[0].start_s == 0 and speech.phones[-1].end_s == pytest.approx(1.0)
    assert speech.features.n_hops == 100
    assert speech.features.speech[30:70].min() == 1


def test_empty_audio_is_an_audio_error():
    with pytest.raises(AudioError):
        analyse_speech(_audio(np.zeros(0, np.float32)))


@pytest.mark.shared_data
def test_real_clips():
    if not SHARED_AUDIO.is_dir():
        pytest.skip("../shared/data is not beside the checkout")
    from talkinghead.media.audio import load_audio

    for name in ("RD_Radio31_000.wav", "japanese.wav"):
        speech = analyse_speech(load_audio(SHARED_AUDIO / name))
        voiced = [p for p in speech.phones if p.label != "SIL"]
        assert len(voiced) > 5 * speech.duration_s  # several phones a second
        assert 0.5 < speech.features.speech.mean() < 0.98
