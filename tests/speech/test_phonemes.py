from itertools import pairwise

import numpy as np
import pytest

from talkinghead.speech import phonemes
from talkinghead.speech.phonemes import PhoneRecognizer, recognize_phones
from talkinghead.speech.types import PhoneSpan

RATE = 16000


def _check_cover(spans, duration):
    assert spans[0].start_s == 0 and spans[-1].end_s == pytest.approx(duration)
    for a, b in pairwise(spans):
        assert a.end_s == b.start_s and a.start_s < a.end_s
        assert not (a.label == "SIL" and b.label == "SIL")


def test_pocketsphinx_phone_loop_runs_and_covers_the_audio(synth):
    gap = synth.silence
    audio = np.concatenate([gap(0.3), synth.vowel(0.4, (750, 1100, 2500)), gap(0.1),
                            synth.vowel(0.4, (290, 2300, 3000)), gap(0.3)])
    spans = recognize_phones(audio, RATE)
    _check_cover(spans, len(audio) / RATE)
    labels = {s.label for s in spans}
    assert labels - {"SIL"}, "some phone is recognised in the vowels"
    assert all(label.isalpha() and label.isupper() for label in labels)
    assert spans == recognize_phones(audio, RATE)  # a fresh decoder each time: same result


class _Fake(PhoneRecognizer):
    """Says "AA1" from 0.1 s to 0.2 s before the end of whatever it is given."""

    def __init__(self):
        self.lengths = []

    def recognize(self, samples):
        self.lengths.append(len(samples) / RATE)
        return [PhoneSpan("AA1", 0.1, len(samples) / RATE - 0.2)]


def test_long_audio_is_decoded_in_pieces_cut_at_quiet_moments(monkeypatch, synth):
    monkeypatch.setattr(phonemes, "PIECE_S", 2.0)
    monkeypatch.setattr(phonemes, "CUT_SEARCH_S", 1.0)
    tone, gap = synth.vowel(1.5, (700, 1200, 2500)), synth.silence(0.3)
    audio = np.concatenate([tone, gap, tone, gap, tone])
    fake = _Fake()
    spans = recognize_phones(audio, RATE, fake)
    assert len(fake.lengths) == 3 and max(fake.lengths) <= 2.0
    cuts = np.cumsum(fake.lengths)[:-1]
    assert all(1.5 <= c <= 1.8 or 3.3 <= c <= 3.6 for c in cuts)  # inside the silences
    _check_cover(spans, len(audio) / RATE)
    assert [s.label for s in spans] == ["SIL", "AA", "SIL", "AA", "SIL", "AA", "SIL"]


def test_other_rates_are_resampled():
    fake = _Fake()
    recognize_phones(np.zeros(8000, np.float32), 8000, fake)
    assert fake.lengths == [1.0]


def test_labels_are_normalised():
    labels = ("AA1", "m", "SIL", "+NSN+", "+SPN+", "<sil>", "ZH")
    assert [phonemes._normalise(x) for x in labels] == [
        "AA", "M", "SIL", "SIL", "SIL", "SIL", "ZH"]


def test_unknown_recognizer_is_refused():
    with pytest.raises(ValueError, match="pocketsphinx"):
        recognize_phones(np.zeros(100, np.float32), RATE, "whisper")
