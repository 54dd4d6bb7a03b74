"""Lip-sync accuracy on rendered frames (issue 11), the quick tier of benchmarks/lipsync.py.

English speech with known phoneme times (eSpeak NG, two voices, 104 word-initial and medial
bilabials) is analysed and planned as a render does, rendered on the bundled smiling portrait
(mouth open in the source, teeth showing) and, where ../shared/data is beside the checkout, on
a closed-mouth portrait, and measured by landmark detection (see rendered.py and scores.py
in dev/talkinghead_dev/evaluation/ for the definitions). Skipped where espeak-ng is not installed.

The tests hold the figures measured when this was written, so that a change that loses accuracy
fails here. The bilabial goal over all four voices (>= 90% without a transcript) is measured by
`python benchmarks/lipsync.py`, which prints it: rendering the two extra voices on both portraits
took a minute of the suite, for the same figure as the benchmark's.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from talkinghead_dev.evaluation import (
    QUICK_VOICES,
    english_scores,
    english_speech,
    espeak_available,
    plan_known_speech,
    plan_recording,
    prepare_stage,
    recording_scores,
)

pytestmark = pytest.mark.slow

DETECT_EVERY = 5  # face box every 5th frame, landmarks on every frame: same figures, 2.4x faster
CLOSED = "people_0.png"
RECORDINGS = ("japanese.wav", "deyu.wav", "bus_chinese.wav", "imagine.wav")
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@cache
def _clip(voice: tuple[str, int]):
    return english_speech((voice,))[0]


@cache
def _plan(voice: tuple[str, int], with_transcript: bool):
    return plan_known_speech(_clip(voice), with_transcript)


@cache
def _stage(path: str):
    return prepare_stage(path)


@cache
def _voice_scores(path: str, with_transcript: bool, voice: tuple[str, int]):
    return english_scores(_stage(path), [_clip(voice)], [_plan(voice, with_transcript)],
                          DETECT_EVERY)


def _scores(path: str, with_transcript: bool, voices=QUICK_VOICES):
    """The figures summed over `voices`, each voice rendered and measured once per run."""
    return sum((_voice_scores(path, with_transcript, v) for v in voices[1:]),
               start=_voice_scores(path, with_transcript, voices[0]))


@pytest.fixture(scope="module", autouse=True)
def _espeak():
    if not espeak_available():
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")


@pytest.fixture(params=["smile", "closed"])
def portrait(request, sample_portrait_path, shared_data_or_none) -> str:
    if request.param == "smile":
        return str(sample_portrait_path)
    if shared_data_or_none is None:
        pytest.skip("../shared/data is not beside the checkout")
    return str(shared_data_or_none / "images" / CLOSED)


@pytest.fixture(scope="session")
def shared_data_or_none() -> Path | None:
    return SHARED_DATA if SHARED_DATA.is_dir() else None


def test_test_speech_has_enough_bilabials():
    count = sum(1 for c in map(_clip, QUICK_VOICES) for p in c.phonemes
                if p.symbol in ("p", "b", "m") and p.position in ("initial", "medial"))
    assert count >= 40


@pytest.mark.parametrize("with_transcript", [False, True], ids=["phones", "transcript"])
def test_open_vowels_tongue_consonants_pauses_and_lag(portrait, with_transcript):
    s = _scores(portrait, with_transcript)
    assert s.open_vowels.share >= 0.9, s.open_vowels
    assert s.tongue_sealed.share <= 0.3, s.tongue_sealed
    assert s.pause_rest.share >= 0.9, s.pause_rest
    assert s.lag_range is not None and -2 <= s.lag_range[0] and s.lag_range[1] <= 0, s.lags


def test_bilabials_seal_with_the_transcript_on_a_closed_mouth(portrait):
    if "people" not in portrait:
        pytest.skip("the smiling portrait has its own test")
    s = _scores(portrait, True)
    assert s.bilabials.share >= 0.95, s.bilabials


def test_bilabials_without_transcript_stay_far_ahead_of_rhubarb(portrait):
    """Rhubarb Lip Sync seals 33% of word-initial bilabials on such speech. Measured here when
    written: 84.6% on the closed mouth, 73.1% on the smile; once the renderer sealed the
    smile's lips and speech/bursts.py added the labial stop releases the recogniser misses
    (issue 11), 94.2% (word-initial 92.0%) on the smile and 95.2% (94.0%) on the closed
    mouth. With the phone loop and the releases alone, no word search (issue 16: a fifth of the
    CPU), 87.5% on both on these two voices, 91.3% and more over all four
    (benchmarks/lipsync.py)."""
    s = _scores(portrait, False)
    assert s.bilabial_initial.share >= 0.88, s.bilabial_initial
    assert s.bilabials.share >= 0.87, s.bilabials


def test_goal_bilabials_with_transcript_on_the_smile(sample_portrait_path):
    assert _scores(str(sample_portrait_path), True).bilabials.share >= 0.95


@pytest.mark.shared_data
def test_other_languages_and_singing_open_at_syllables_and_rest_in_pauses(shared_data,
                                                                         sample_portrait_path):
    recordings = [plan_recording(shared_data / "audio" / name) for name in RECORDINGS]
    for path in (sample_portrait_path, shared_data / "images" / CLOSED):
        stage = _stage(str(path))
        total = None
        for recording in recordings:
            s = recording_scores(stage, recording, detect_every=DETECT_EVERY)
            assert s.flaps == 0, (recording.name, path.name)
            total = s if total is None else total + s
        assert total.open_at_peaks.share >= 0.85, (path.name, total.open_at_peaks)
        assert total.pause_rest.share >= 0.9, (path.name, total.pause_rest)
