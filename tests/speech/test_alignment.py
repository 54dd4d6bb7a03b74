"""Forced alignment on speech whose phoneme times are known (eSpeak NG, when installed)."""

from types import SimpleNamespace

import numpy as np
import pytest

from talkinghead.speech import alignment
from talkinghead.speech.alignment import Group, align_transcript
from talkinghead.speech.analysis import analyse_speech
from talkinghead.speech.types import PhoneSpan

SENTENCE = "Maybe Bob bought 2 maps from Zorblatt."


@pytest.fixture(scope="module")
def spoken():
    from talkinghead_dev.evaluation.espeak import espeak_available, synthesize

    if not espeak_available():
        pytest.skip("espeak-ng is not installed")
    return synthesize(SENTENCE, "en-us", 160)


def _bilabial_times(spans):
    return [s for s in spans if s.label in ("P", "B", "M")]


def test_alignment_finds_every_bilabial_in_time(spoken):
    spans = align_transcript(spoken.samples, spoken.sample_rate, SENTENCE)
    assert spans and all(s.aligned for s in spans)
    truth = [p for p in spoken.phonemes if p.symbol in ("p", "b", "m")]
    found = _bilabial_times(spans)
    assert len(found) == len(truth)  # maybe bob maps from zorblatt (spelled out: "Z AO R B ...")
    for known in truth:
        assert any(s.start_s < known.end_s + 0.04 and s.end_s > known.start_s - 0.04
                   for s in found), known


def test_transcript_phones_replace_the_recognizer(spoken):
    audio = SimpleNamespace(samples=spoken.samples, sample_rate=spoken.sample_rate)
    speech = analyse_speech(audio, transcript=SENTENCE)
    assert sum(p.aligned for p in speech.phones) > 0.8 * len(speech.phones)
    assert speech.phones[0].start_s == 0 and speech.phones[-1].end_s == pytest.approx(
        speech.duration_s)


def test_a_transcript_of_other_words_falls_back_to_the_recognizer(spoken):
    audio = SimpleNamespace(samples=spoken.samples, sample_rate=spoken.sample_rate)
    speech = analyse_speech(audio, transcript="Seven green turtles swim quietly at dusk.")
    assert not any(p.aligned for p in speech.phones)
    assert any(p.label != "SIL" for p in speech.phones)


def test_empty_or_unspeakable_transcripts_align_nothing(spoken):
    assert align_transcript(spoken.samples, spoken.sample_rate, "") is None
    assert align_transcript(spoken.samples, spoken.sample_rate, "?!") is None


def _group(label_count, duration, score_per_frame, start=0.0, label="AA"):
    spans = tuple(PhoneSpan(label, start + i * duration / label_count,
                            start + (i + 1) * duration / label_count, True)
                  for i in range(label_count))
    frames = round(duration * 100)
    return Group(spans, score_per_frame * frames, frames)


def test_misfit_squeezed_and_stretched_words_are_dropped():
    good = [_group(3, 0.25, -20.0, start=i) for i in range(6)]
    misfit = _group(3, 0.25, -90.0, start=10)
    squeezed = _group(4, 0.12, -20.0, start=20)  # every phone at Sphinx's 30 ms minimum
    stretched = _group(2, 3.0, -20.0, start=30)
    silence = _group(1, 0.5, -5.0, start=40, label="SIL")
    kept = alignment._plausible([*good, misfit, squeezed, stretched, silence])
    assert misfit not in kept and squeezed not in kept and stretched not in kept
    assert all(g in kept for g in good[:5]) and silence in kept  # good[5] borders the misfit


def test_long_audio_is_left_to_the_recognizer(monkeypatch):
    monkeypatch.setattr(alignment, "ALIGN_MAX_S", 1.0)
    assert align_transcript(np.zeros(32000, np.float32), 16000, "hello there") is None


# Sentences that the phone pass once failed on when synthesised by espeak-ng's command line
# (voice, words a minute): its state alignment could not fit a word at the edge of a piece.
ESPEAK_CLI_CASES = [
    ("en-us", 120, "The quick brown fox jumps over the lazy dog"),
    ("en", 175, "The quick brown fox jumps over the lazy dog"),
    ("en-gb", 220, "The quick brown fox jumps over the lazy dog"),
    ("en-us", 175, "Please call me back when you get this message."),
]


@pytest.mark.parametrize(("voice", "rate", "text"), ESPEAK_CLI_CASES)
def test_a_transcript_shapes_the_mouth_of_espeak_sentences(voice, rate, text, tmp_path):
    """The transcript is aligned (not dropped for the recognizer), and the plan follows it."""
    import shutil
    import subprocess

    from talkinghead.media.audio import load_audio
    from talkinghead.motion.plan import plan_motion
    from talkinghead.settings import RenderSettings

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    wav = tmp_path / "said.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(wav), text], check=True)
    sound = load_audio(wav)
    assert align_transcript(sound.samples, sound.sample_rate, text) is not None
    with_text, without = (analyse_speech(sound, transcript) for transcript in (text, None))
    assert sum(p.aligned for p in with_text.phones) > 0.8 * len(with_text.phones)
    frames = round(sound.duration_s * 25)
    plans = [plan_motion(speech, RenderSettings(), frames, seed=1)
             for speech in (with_text, without)]
    assert not np.array_equal(plans[0].lips_closed, plans[1].lips_closed)


def test_the_aligner_knows_every_pronunciation_of_the_transcripts_words_only():
    from talkinghead.speech.sphinx import aligner_decoder

    decoder = aligner_decoder(["the", "read", "tomato"])
    assert decoder.lookup_word("the") == "DH AH" and decoder.lookup_word("the(2)") == "DH IY"
    assert decoder.lookup_word("read(2)") is not None and decoder.lookup_word("tomato(2)")
    assert decoder.lookup_word("potato") is None  # the other 135 000 entries are not loaded
