"""Speech analysis: phoneme timings and acoustic features from the audio."""

from .analysis import analyse_speech
from .phonemes import RECOGNIZERS, PhoneRecognizer, recognize_phones
from .types import AcousticFeatures, PhoneSpan, Speech

__all__ = [
    "RECOGNIZERS",
    "AcousticFeatures",
    "PhoneRecognizer",
    "PhoneSpan",
    "Speech",
    "analyse_speech",
    "recognize_phones",
]
