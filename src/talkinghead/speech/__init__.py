"""Speech analysis: phoneme timings and acoustic features from the audio."""

from .alignment import align_transcript
from .analysis import analyse_speech
from .phonemes import RECOGNIZERS, PhoneRecognizer, recognize_phones
from .text import spell_out, transcript_words
from .types import AcousticFeatures, PhoneSpan, Speech

__all__ = [
    "RECOGNIZERS",
    "AcousticFeatures",
    "PhoneRecognizer",
    "PhoneSpan",
    "Speech",
    "align_transcript",
    "analyse_speech",
    "recognize_phones",
    "spell_out",
    "transcript_words",
]
