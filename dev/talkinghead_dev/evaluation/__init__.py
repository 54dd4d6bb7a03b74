"""Lip-sync evaluation: test speech with known phoneme timings, rendered and measured.

Not used by rendering. `espeak.py` synthesises English with eSpeak NG and keeps each phoneme's
start (needs Debian's `espeak-ng`); `corpus.py` holds the sentences, voices and phoneme
classes; `rendered.py` renders a plan on a portrait in memory and measures the mouth by
landmark detection; `scores.py` turns openings and phoneme times into the issue's figures;
`syllables.py` finds syllable peaks and pauses in any recording; `lipsync.py` runs it all.
"""

from .corpus import QUICK_VOICES, SENTENCES, VOICES, english_speech, transcript
from .espeak import EspeakUnavailable, KnownPhoneme, KnownSpeech, espeak_available, synthesize
from .lipsync import (
    RecordingPlan,
    english_scores,
    plan_known_speech,
    plan_recording,
    recording_scores,
)
from .recordings import repeated_speech
from .rendered import Calibration, Stage, prepare_stage
from .scores import Count, LipSyncScores, SyllableScores, score_lipsync, score_syllables

__all__ = [
    "QUICK_VOICES",
    "SENTENCES",
    "VOICES",
    "Calibration",
    "Count",
    "EspeakUnavailable",
    "KnownPhoneme",
    "KnownSpeech",
    "LipSyncScores",
    "RecordingPlan",
    "Stage",
    "SyllableScores",
    "english_scores",
    "english_speech",
    "espeak_available",
    "plan_known_speech",
    "plan_recording",
    "prepare_stage",
    "recording_scores",
    "repeated_speech",
    "score_lipsync",
    "score_syllables",
    "synthesize",
    "transcript",
]
