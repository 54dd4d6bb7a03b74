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
    assert [phonemes.normalise_label(x) for x in labels] == [
        "AA", "M", "SIL", "SIL", "SIL", "SIL", "ZH"]


def test_unknown_recognizer_is_refused():
    with pytest.raises(ValueError, match="pocketsphinx"):
        recognize_phones(np.zeros(100, np.float32), RATE, "whisper")


def test_registry_names_the_three_recognizers():
    assert set(phonemes.RECOGNIZERS) == {"pocketsphinx", "pocketsphinx-loop",
                                         "pocketsphinx-words"}


def test_loop_bilabials_are_added_where_the_words_have_none():
    words = [PhoneSpan("AH", 0.0, 0.2), PhoneSpan("M", 0.2, 0.3), PhoneSpan("AH", 0.3, 0.6),
             PhoneSpan("T", 0.6, 0.7), PhoneSpan("AH", 0.7, 1.0)]
    loop = [PhoneSpan("B", 0.21, 0.29), PhoneSpan("P", 0.62, 0.68)]
    out = phonemes.add_bilabials(words, loop)
    labels = [(s.label, round(s.start_s, 2), round(s.end_s, 2)) for s in out]
    assert ("B", 0.21, 0.29) not in labels  # the words already have an M there
    assert ("P", 0.62, 0.68) in labels
    assert ("T", 0.6, 0.62) in labels and ("T", 0.68, 0.7) in labels  # cut around the P
    assert all(a.end_s <= b.start_s + 1e-9 for a, b in pairwise(out))


def test_comfort_noise_is_quiet_seeded_and_leaves_silence_alone():
    from talkinghead.speech.sphinx import comfort_noise

    speech = np.concatenate([np.zeros(1600, np.float32),
                             0.3 * np.sin(np.arange(16000) / 5).astype(np.float32)])
    noisy = comfort_noise(speech)
    assert np.array_equal(noisy, comfort_noise(speech))
    floor = np.sqrt(np.mean(noisy[:1600] ** 2))
    assert 0 < floor < 0.3 * 10 ** (-25 / 20)
    assert np.array_equal(comfort_noise(np.zeros(100, np.float32)), np.zeros(100))


def test_the_default_recogniser_adds_labial_releases_where_the_loop_heard_none(monkeypatch):
    loop = [PhoneSpan("AH", 0.0, 0.2), PhoneSpan("B", 0.2, 0.3), PhoneSpan("AH", 0.3, 0.6),
            PhoneSpan("K", 0.6, 0.7), PhoneSpan("AH", 0.7, 1.0)]
    heard = [PhoneSpan("P", 0.22, 0.3), PhoneSpan("P", 0.58, 0.66)]
    monkeypatch.setattr(phonemes.SphinxPhoneLoop, "recognize", lambda self, x: loop)
    monkeypatch.setattr(phonemes, "labial_closures", lambda x, rate: heard)
    monkeypatch.setattr(phonemes, "has_high_band", lambda x, rate: True)  # wide-band audio
    assert isinstance(phonemes.RECOGNIZERS["pocketsphinx"](), phonemes.SphinxLoopBursts)
    out = phonemes.SphinxLoopBursts().recognize(np.zeros(RATE, np.float32))
    bilabials = [(s.label, s.start_s) for s in out if s.label in ("P", "B", "M")]
    assert bilabials == [("B", 0.2), ("P", 0.58)]  # the "b" was heard already
    assert ("K", 0.66) in [(s.label, round(s.start_s, 2)) for s in out]  # cut around the P


def test_without_a_high_band_the_default_recogniser_adds_the_words_bilabials(monkeypatch):
    """Telephone audio shows no labial bursts: the word search stands in for them."""
    words = [PhoneSpan("AH", 0.0, 0.2), PhoneSpan("M", 0.2, 0.3), PhoneSpan("AH", 0.3, 1.0)]
    loop = [PhoneSpan("AH", 0.0, 0.2), PhoneSpan("NG", 0.2, 0.3), PhoneSpan("AH", 0.3, 1.0)]
    monkeypatch.setattr(phonemes.SphinxWords, "recognize", lambda self, x: words)
    monkeypatch.setattr(phonemes.SphinxPhoneLoop, "recognize", lambda self, x: loop)
    monkeypatch.setattr(phonemes, "labial_closures", lambda x, rate: [])
    for wide, expected in ((True, []), (False, [("M", 0.2)])):
        monkeypatch.setattr(phonemes, "has_high_band", lambda x, rate, wide=wide: wide)
        out = phonemes.SphinxLoopBursts().recognize(np.zeros(RATE, np.float32))
        assert [(s.label, s.start_s) for s in out if s.label in ("P", "B", "M")] == expected


def test_the_word_recogniser_adds_loop_bilabials_then_labial_releases(monkeypatch):
    words = [PhoneSpan("AH", 0.0, 0.2), PhoneSpan("M", 0.2, 0.3), PhoneSpan("AH", 0.3, 0.6),
             PhoneSpan("K", 0.6, 0.7), PhoneSpan("AH", 0.7, 1.0)]
    loop = [PhoneSpan("B", 0.21, 0.29)]
    heard = [PhoneSpan("P", 0.22, 0.3), PhoneSpan("P", 0.58, 0.66)]
    monkeypatch.setattr(phonemes.SphinxWords, "recognize", lambda self, x: words)
    monkeypatch.setattr(phonemes.SphinxPhoneLoop, "recognize", lambda self, x: loop)
    monkeypatch.setattr(phonemes, "labial_closures", lambda x, rate: heard)
    out = phonemes.RECOGNIZERS["pocketsphinx-words"]().recognize(np.zeros(RATE, np.float32))
    bilabials = [(s.label, s.start_s) for s in out if s.label in ("P", "B", "M")]
    assert bilabials == [("M", 0.2), ("P", 0.58)]  # the "m" was heard already


def test_the_reused_loop_decoder_gives_each_piece_the_phones_of_a_new_one(synth):
    """One decoder per process, its features reset per piece: no piece depends on another."""
    speech = np.concatenate([synth.vowel(0.3, (700, 1200)), synth.noise(0.1),
                             synth.vowel(0.3, (300, 2300)), synth.silence(0.2)])
    other = np.concatenate([synth.harmonic_tone(0.5), synth.noise(0.2, seed=3)])
    first = phonemes.SphinxPhoneLoop().recognize(speech)
    phonemes.SphinxPhoneLoop().recognize(other)
    assert phonemes.SphinxPhoneLoop().recognize(speech) == first
    fresh = phonemes.phone_loop_decoder()
    phonemes.decode(fresh, phonemes.pcm16(speech))
    assert [s.word for s in fresh.seg()] == [p.label for p in first]


def test_the_reused_word_decoder_gives_each_piece_the_phones_of_a_new_one(
        sample_speech_path, monkeypatch):
    """Words and their phones from one reused decoder, in any order, are those of new ones."""
    from talkinghead.media.audio import load_audio
    from talkinghead.speech.sphinx import to_rate

    sound = load_audio(sample_speech_path)
    x = to_rate(np.asarray(sound.samples, np.float32), sound.sample_rate)
    pieces = [x[: len(x) // 2], x[len(x) // 2 :]]
    reused = [phonemes.SphinxWords().recognize(piece) for piece in (*pieces, pieces[0])]
    monkeypatch.setattr(phonemes, "_word_decoder", phonemes.word_decoder)  # a new one each time
    fresh = [phonemes.SphinxWords().recognize(piece) for piece in pieces]
    assert fresh[0] and fresh[1]
    assert reused == [fresh[0], fresh[1], fresh[0]]
