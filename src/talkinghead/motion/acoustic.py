"""Pass 3: weigh the phone-driven mouth against what the acoustics say, frame by frame.

The phone loop always returns English phones, also for Japanese, singing or a noisy line, and
then its shapes can be wrong. So each frame checks whether the phones it shows agree with the
sound (a vowel should be voiced, an "S" noisy, silence quiet). Where they agree over the last
half second, the phones decide the shape; where they do not, a mouth driven by the acoustics
takes over: voiced sound opens the jaw by loudness times formant openness, unvoiced frication
opens it a little, and low second formants round the lips. Contacts (seals, tucks, tongue)
only come from phones; they stay whole wherever the sound allows them (a hum or a near-silence
can be a closed mouth, a loud open vowel cannot), since a half-closed "M" looks worse than none.

Phones aligned from a transcript are what was said, whatever the sound suggests (sung, shouted,
noisy): they are fully trusted and their contacts are never dropped. The per-segment choice is
therefore: aligned phones > phone-loop phones that agree with the sound > the acoustic mouth.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from .. import filters
from .coarticulation import APART_JAW
from .frames import FrameSpeech
from .types import MouthTrack
from .visemes import CLASS_OF

# Trust in the phones.
AGREEMENT_WINDOW_S: Final = 0.5  # agreement is judged over half a second: about two syllables
TRUST_RANGE: Final = (0.45, 0.8)  # agreement mapped to 0..1 trust in the phones
PHONE_WEIGHT_MAX: Final = 0.8  # even fully trusted phones leave 20% to the acoustics, so that
# loud speech opens wider than quiet speech
LOUD_SOUND_RANGE: Final = (0.88, 0.96)  # loudness over which a contact becomes implausible:
# closed lips stop or muffle the sound, so a seal is never as loud as the stressed vowels
# (loudness 1); the quietest frame of each eSpeak "p", "b", "m" measures 0.83 at most
OPEN_SOUND_RANGE: Final = (0.45, 0.75)  # loudness x openness over which a contact becomes
# implausible: an "M" hum measures ~0.2, a loud "AA" ~0.9
CONTACT_REACH_S: Final = 0.04  # a plausible seal also keeps its anticipation and release

# The acoustic mouth. Loudness below the first value gives a closed jaw (murmur, room tone).
ACOUSTIC_LOUDNESS_RANGE: Final = (0.3, 1.0)
ACOUSTIC_JAW_BASE: Final = 0.25  # jaw of a loud voiced sound with the lowest first formant
ACOUSTIC_JAW_OPEN: Final = 0.55  # added at the highest first formant ("AA")
ACOUSTIC_FRICATION_JAW: Final = 0.12  # "S", "F", "SH": teeth nearly together
ACOUSTIC_ROUND_WIDTH: Final = 0.7  # width -0.7 at full rounding
ACOUSTIC_ROUNDING: Final = 0.7  # lip_round 0.7 at full rounding
# Syllable nuclei. Every syllable has a vowel, and a loud voiced peak of the sound is one: the
# jaw opens at least NUCLEUS_JAW there (scaled by loudness over NUCLEUS_LOUDNESS), whatever the
# phones say, unless they seal the lips. Close vowels ("ee", "oo", most Japanese syllables)
# otherwise stay too closed to read at 25 fps.
NUCLEUS_JAW: Final = 0.4
NUCLEUS_LOUDNESS: Final = (0.6, 0.9)
NUCLEUS_REACH_S: Final = 0.08  # a nucleus is the loudest part of the sound within 80 ms ...
NUCLEUS_CORE: Final = 0.1  # ... down to 0.1 loudness (3.5 dB) under its peak
ACOUSTIC_TEETH: Final = (0.6, 0.7)  # teeth shown per unit of jaw and of frication


def blend_acoustics(track: MouthTrack, frames: FrameSpeech,
                    apart: np.ndarray | None = None) -> MouthTrack:
    """The phone track blended with the acoustic track, by local agreement between the two.

    `apart` (per frame, 0..1: a tongue consonant's share, see `visemes.py`) keeps the jaw
    floor coarticulation gave those frames wherever the phones are trusted: the silent
    closure of a "t", "d" or "k" would otherwise draw the acoustic jaw, and so the lips,
    nearly shut (more visibly at 50 and 60 fps, whose frames land inside the closure)."""
    aligned = aligned_share(frames)
    trust = np.maximum(phone_trust(frames), aligned)
    weight = PHONE_WEIGHT_MAX * trust
    loud = np.clip((frames.loudness - ACOUSTIC_LOUDNESS_RANGE[0])
                   / (ACOUSTIC_LOUDNESS_RANGE[1] - ACOUSTIC_LOUDNESS_RANGE[0]), 0.0, 1.0)
    jaw = loud * frames.voicing * (ACOUSTIC_JAW_BASE + ACOUSTIC_JAW_OPEN * frames.openness)
    jaw = jaw + ACOUSTIC_FRICATION_JAW * frames.frication
    width = -ACOUSTIC_ROUND_WIDTH * frames.rounding
    teeth = np.clip(ACOUSTIC_TEETH[0] * jaw + ACOUSTIC_TEETH[1] * frames.frication, 0.0, 1.0)
    open_sound = (frames.loudness * frames.openness - OPEN_SOUND_RANGE[0]) / (
        OPEN_SOUND_RANGE[1] - OPEN_SOUND_RANGE[0])
    reach = 2 * max(1, round(CONTACT_REACH_S * frames.fps)) + 1
    loud_sound = (frames.loudness - LOUD_SOUND_RANGE[0]) / (
        LOUD_SOUND_RANGE[1] - LOUD_SOUND_RANGE[0])
    implausible = np.clip(np.maximum(open_sound, loud_sound), 0.0, 1.0)
    contact = filters.maximum_filter1d(1.0 - implausible, reach, mode="nearest")
    contact = np.maximum(contact, aligned)
    closure = contact * track.lips_closed
    blended_jaw = weight * track.jaw_open + (1 - weight) * jaw
    if apart is not None:
        blended_jaw = np.maximum(blended_jaw, APART_JAW * trust * apart)
    return MouthTrack(
        jaw_open=np.maximum(blended_jaw, nucleus_jaw(frames) * (closure < 0.5)),
        mouth_width=weight * track.mouth_width + (1 - weight) * width,
        lips_closed=closure,
        lower_lip_tuck=contact * track.lower_lip_tuck,
        teeth=weight * track.teeth + (1 - weight) * teeth,
        tongue=contact * track.tongue,
        lip_round=weight * track.lip_round + (1 - weight) * ACOUSTIC_ROUNDING * frames.rounding,
        upper_lip_raise=weight * track.upper_lip_raise,
    )


def nucleus_jaw(frames: FrameSpeech) -> np.ndarray:
    """The least jaw opening of each frame from syllable nuclei (the loud core of voiced
    local peaks)."""
    loudness = np.asarray(frames.loudness, dtype=np.float64)
    reach = 2 * max(1, round(NUCLEUS_REACH_S * frames.fps)) + 1
    peak = loudness >= filters.maximum_filter1d(loudness, reach, mode="nearest") - NUCLEUS_CORE
    strength = np.clip((loudness - NUCLEUS_LOUDNESS[0])
                       / (NUCLEUS_LOUDNESS[1] - NUCLEUS_LOUDNESS[0]), 0.0, 1.0)
    return NUCLEUS_JAW * strength * frames.voicing * peak * frames.speech


def aligned_share(frames: FrameSpeech) -> np.ndarray:
    """0..1 per frame: how much of it is covered by phones aligned from a transcript."""
    share = np.zeros(frames.n_frames)
    for phone in frames.phones:
        if not phone.aligned:
            continue
        first, last = int(np.floor(phone.start)), min(int(np.ceil(phone.end)), frames.n_frames)
        if last <= first:
            continue
        idx = np.arange(first, last)
        share[first:last] += np.minimum(phone.end, idx + 1) - np.maximum(phone.start, idx)
    return np.clip(share, 0.0, 1.0)


def phone_trust(frames: FrameSpeech) -> np.ndarray:
    """0..1 per frame: how well the recognised phones have matched the sound lately."""
    n = frames.n_frames
    voiced, noisy, speech = frames.voicing, frames.frication, frames.speech
    quiet = 1.0 - frames.loudness  # stop closures: a near-silent moment inside speech
    expected = {
        "vowel": voiced,
        "glide": voiced,
        "bilabial": np.maximum(voiced, quiet),  # "M" hums, "P"/"B" closures are quiet
        "alveolar": np.maximum(np.maximum(voiced, noisy), quiet),
        "labiodental": np.maximum(noisy, voiced),
        "dental": np.maximum(noisy, voiced),
        "postalveolar": np.maximum(noisy, voiced),
        "back": np.full(n, 0.75),  # stops and "HH" look like anything
        "silence": np.maximum(1 - speech, quiet),
        "other": np.full(n, 0.5),
    }
    agreement = np.zeros(n)
    cover = np.zeros(n)
    for phone in frames.phones:
        first, last = int(np.floor(phone.start)), min(int(np.ceil(phone.end)), n)
        if last <= first:
            continue
        idx = np.arange(first, last)
        overlap = np.minimum(phone.end, idx + 1) - np.maximum(phone.start, idx)
        match = expected[CLASS_OF.get(phone.label, "other")][first:last]
        agreement[first:last] += overlap * match
        cover[first:last] += overlap
    agreement = np.where(cover > 0, agreement / np.maximum(cover, 1e-9), 0.5)
    window = max(1, round(AGREEMENT_WINDOW_S * frames.fps))
    agreement = filters.uniform_filter1d(agreement, window, mode="nearest")
    low, high = TRUST_RANGE
    return np.clip((agreement - low) / (high - low), 0.0, 1.0)
