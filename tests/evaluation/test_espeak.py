from itertools import pairwise

import numpy as np
import pytest

from talkinghead_dev.evaluation.corpus import SENTENCES, paragraph, phoneme_class, transcript
from talkinghead_dev.evaluation.espeak import EVENT_PHONEME, EVENT_WORD, phoneme_timeline


def test_timeline_covers_the_audio_with_word_positions():
    events = [(EVENT_WORD, 0, ""), (EVENT_PHONEME, 100, "m"), (EVENT_PHONEME, 300, "eI"),
              (EVENT_PHONEME, 500, "b"), (EVENT_PHONEME, 600, "i:"), (EVENT_WORD, 800, ""),
              (EVENT_PHONEME, 800, "b"), (EVENT_PHONEME, 900, "0"), (EVENT_PHONEME, 950, "b"),
              (EVENT_PHONEME, 1000, "_:"), (EVENT_PHONEME, 1000, ";")]
    spans = phoneme_timeline(events, 1200, 1000)
    assert [s.symbol for s in spans] == ["_", "m", "eI", "b", "i:", "b", "0", "b", "_:"]
    assert [s.position for s in spans] == ["pause", "initial", "medial", "medial", "final",
                                           "initial", "medial", "final", "pause"]
    assert spans[0].start_s == 0 and spans[-1].end_s == 1.2
    assert all(a.end_s == b.start_s for a, b in pairwise(spans))


def test_phoneme_classes():
    assert [phoneme_class(s) for s in ("p", "b", "m", "a", "A:", "aI", "i:", "@", "t#", "r-",
                                       "k", "f", "D", "_:")] == [
        "bilabial", "bilabial", "bilabial", "open", "open", "open", "close", "mid", "tongue",
        "tongue", "tongue", "labiodental", "consonant", "pause"]


def test_transcript_is_the_paragraph_without_markup():
    assert "<" not in transcript() and transcript().count(".") == len(SENTENCES)
    assert paragraph().count("<break") == len(SENTENCES) - 1


def test_espeak_speaks_whole_sentences_with_known_phonemes():
    from talkinghead_dev.evaluation.espeak import espeak_available, synthesize

    if not espeak_available():
        pytest.skip("espeak-ng is not installed")
    clip = synthesize(paragraph(SENTENCES[:2]), "en-us", 150)
    assert clip.sample_rate == 22050 and 3 < clip.duration_s < 8
    assert np.abs(clip.samples).max() > 0.1
    assert clip.phonemes[0].start_s == 0
    assert clip.phonemes[-1].end_s == pytest.approx(clip.duration_s)
    bilabials = [p for p in clip.phonemes if phoneme_class(p.symbol) == "bilabial"]
    assert {p.position for p in bilabials} >= {"initial", "medial"}
    assert len(bilabials) >= 10
    pauses = [p for p in clip.phonemes if p.position == "pause" and p.duration_s > 0.5]
    assert pauses, "the break between the sentences is a pause"
    first, again = synthesize("Maybe.", "en-us", 150), synthesize("Maybe.", "en-us", 150)
    assert [(p.symbol, p.start_s) for p in first.phonemes[:-1]] == [
        (p.symbol, p.start_s) for p in again.phonemes[:-1]]
