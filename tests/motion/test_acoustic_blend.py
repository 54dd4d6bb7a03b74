import numpy as np

from talkinghead.motion.acoustic import blend_acoustics, phone_trust
from talkinghead.motion.coarticulation import APART_JAW, coarticulate
from talkinghead.motion.frames import speech_to_frames
from talkinghead.motion.visemes import viseme_targets
from talkinghead.speech.types import PhoneSpan, Speech


def _blend(speech, fps=25):
    n = int(np.ceil(speech.duration_s * fps))
    frames = speech_to_frames(speech, fps, n)
    phone_track = coarticulate(viseme_targets(frames.phones, n), fps)
    return phone_track, blend_acoustics(phone_track, frames), phone_trust(frames)


def test_agreeing_phones_lead(speech_of):
    speech = speech_of([("SIL", 0.3), ("M", 0.1), ("AA", 0.3), ("S", 0.15), ("IY", 0.3),
                        ("SIL", 0.3)])
    phones, blended, trust = _blend(speech)
    assert trust[8:30].min() > 0.9
    assert np.corrcoef(phones.jaw_open, blended.jaw_open)[0, 1] > 0.95
    assert blended.lips_closed.max() == 1
    assert np.allclose(phones.lips_closed, blended.lips_closed, atol=0.05)


def test_unrecognised_speech_opens_from_the_acoustics(speech_of):
    voiced = speech_of([("SIL", 0.2), ("AA", 1.0), ("SIL", 0.2)])
    silent_phones = Speech((PhoneSpan("SIL", 0.0, 1.4),), voiced.features, 1.4)
    phones, blended, trust = _blend(silent_phones)
    assert trust[10:25].max() < 0.1  # "silence" that is loud and voiced: the phones are wrong
    assert phones.jaw_open[10:25].max() < 0.01
    assert blended.jaw_open[10:25].mean() > 0.5


def test_frication_alone_opens_a_little(speech_of):
    hiss = speech_of([("SIL", 0.2), ("S", 0.6), ("SIL", 0.2)])
    no_phones = Speech((PhoneSpan("SIL", 0.0, 1.0),), hiss.features, 1.0)
    _, blended, _ = _blend(no_phones)
    assert 0.03 < blended.jaw_open[8:18].mean() < 0.2


def test_louder_speech_opens_wider(speech_of):
    phones = [("SIL", 0.2), ("AA", 0.4), ("SIL", 0.2)]
    _, loud, _ = _blend(speech_of(phones))
    _, quiet, _ = _blend(speech_of(phones, loudness_scale=0.5))
    assert loud.jaw_open[7:13].mean() > quiet.jaw_open[7:13].mean() + 0.05


def test_seal_during_a_loud_open_vowel_is_dropped(speech_of):
    vowel = speech_of([("SIL", 0.2), ("AA", 1.0), ("SIL", 0.2)])
    wrong = Speech((PhoneSpan("SIL", 0, 0.2), PhoneSpan("AA", 0.2, 0.6), PhoneSpan("M", 0.6, 0.7),
                    PhoneSpan("AA", 0.7, 1.2), PhoneSpan("SIL", 1.2, 1.4)), vowel.features, 1.4)
    phones, blended, _ = _blend(wrong)
    assert phones.lips_closed.max() == 1 and blended.lips_closed.max() < 0.05


def test_aligned_phones_keep_their_seal_whatever_the_sound(speech_of):
    vowel = speech_of([("SIL", 0.2), ("AA", 1.0), ("SIL", 0.2)])
    spans = (PhoneSpan("SIL", 0, 0.2, True), PhoneSpan("AA", 0.2, 0.6, True),
             PhoneSpan("M", 0.6, 0.7, True), PhoneSpan("AA", 0.7, 1.2, True),
             PhoneSpan("SIL", 1.2, 1.4, True))
    _, blended, _ = _blend(Speech(spans, vowel.features, 1.4))
    assert blended.lips_closed.max() == 1


def test_a_guessed_seal_as_loud_as_the_vowels_is_dropped(speech_of):
    hum = speech_of([("SIL", 0.2), ("UW", 1.0), ("SIL", 0.2)], loudness_scale=1.1)  # 0.99
    wrong = Speech((PhoneSpan("SIL", 0, 0.2), PhoneSpan("UW", 0.2, 0.6), PhoneSpan("M", 0.6, 0.7),
                    PhoneSpan("UW", 0.7, 1.2), PhoneSpan("SIL", 1.2, 1.4)), hum.features, 1.4)
    phones, blended, _ = _blend(wrong)
    assert phones.lips_closed.max() == 1 and blended.lips_closed.max() < 0.05


def test_loud_voiced_nuclei_open_the_jaw(speech_of):
    from talkinghead.motion.acoustic import NUCLEUS_JAW

    speech = speech_of([("SIL", 0.2), ("IY", 0.4), ("SIL", 0.2)])
    _, blended, _ = _blend(speech)
    assert blended.jaw_open[6:14].max() >= NUCLEUS_JAW - 1e-6


def test_a_tongue_stop_keeps_the_lips_apart_through_its_silent_closure(speech_of):
    spoken = speech_of([("SIL", 0.2), ("AA", 0.3), ("SIL", 0.12), ("AA", 0.3), ("SIL", 0.2)])
    spans = (PhoneSpan("SIL", 0, 0.2, True), PhoneSpan("AA", 0.2, 0.5, True),
             PhoneSpan("T", 0.5, 0.62, True), PhoneSpan("AA", 0.62, 0.92, True),
             PhoneSpan("SIL", 0.92, 1.12, True))
    speech = Speech(spans, spoken.features, 1.12)  # "a-ta": the "t" is 120 ms of silence
    fps = 60
    n = int(np.ceil(speech.duration_s * fps))
    frames = speech_to_frames(speech, fps, n)
    visemes = viseme_targets(frames.phones, n, frames.loudness, fps)
    blended = blend_acoustics(coarticulate(visemes, fps), frames, visemes.apart)
    closure_frames = np.arange(round(0.52 * fps), round(0.60 * fps))
    assert blended.jaw_open[closure_frames].min() >= APART_JAW - 1e-6
    without = blend_acoustics(coarticulate(visemes, fps), frames)
    assert without.jaw_open[closure_frames].min() < APART_JAW - 0.02  # what the floor prevents
