"""The English test speech: sentences, voices and rates, and what each eSpeak phoneme is.

The sentences are ordinary prose, dense in bilabials at the start and in the middle of words
("Maybe Pam will combine both problems"), with open vowels, runs of tongue consonants ("Tim
told Dan that the lazy cat sat"), numbers (so that transcript normalisation is exercised) and
a 700 ms break between sentences (the pauses). Each voice speaks the whole paragraph in one
call, so the speech is continuous.
"""

from __future__ import annotations

from typing import Final

from .espeak import PAUSE, KnownSpeech, synthesize

SENTENCES: Final = (
    "My brother Bob bought a maple table in Memphis.",
    "Please remember to bring the maps before lunch.",
    "The baby was happy, but the puppy became sleepy.",
    "Maybe Pam will combine both problems at the meeting.",
    "A big umbrella protected the members from the pouring rain.",
    "Father saw a large dog on the hot sand, and Tom laughed at it.",
    "Tim told Dan that the lazy cat sat on the old rug.",
    "Her complex plan cost 25 pounds and helped to improve the harbour.",
)
BREAK: Final = '<break time="700ms"/>'  # between sentences: eSpeak's own full stop is ~0.4 s

# (voice, words per minute). The first two are the quick tier (tests), all four the benchmark.
VOICES: Final = (
    ("en-us", 150),  # American English, male, moderate rate
    ("en-gb-x-rp+f3", 175),  # British RP, female variant, brisk
    ("en-us+m3", 130),  # American, another male variant, slow
    ("en", 195),  # British English, fast
)
QUICK_VOICES: Final = VOICES[:2]

# eSpeak NG's English phoneme mnemonics, by what the lips and jaw do.
BILABIALS: Final = frozenset({"p", "b", "m"})
# Open vowels (low and low-mid): cat, bath, father, lot, thought, strut, price, mouth.
OPEN_VOWELS: Final = frozenset({"a", "aa", "a2", "A:", "A@", "0", "O:", "O@", "O2", "o@", "V",
                                "aI", "aI@", "aU", "aU@"})
MID_VOWELS: Final = frozenset({"E", "E2", "E@", "e@", "eI", "oU", "OU", "3", "3:", "@", "@2",
                               "@5", "@L", "a#", "OI", "U@"})
CLOSE_VOWELS: Final = frozenset({"i", "i:", "i@", "I", "I#", "I2", "u:", "U", "u"})
TONGUE_CONSONANTS: Final = frozenset("tdnszlrkg")  # the list: t d n s z l r k g
LABIODENTALS: Final = frozenset({"f", "v"})

# Openness of each class for the lag measure: how far the jaw and lips are apart, by phonetic
# vowel height (open 1, mid 0.6, close 0.35) and consonant constriction.
OPENNESS: Final = {"open": 1.0, "mid": 0.6, "close": 0.35, "bilabial": 0.0, "labiodental": 0.1,
                   "tongue": 0.15, "consonant": 0.2, "pause": 0.0}


def phoneme_class(symbol: str) -> str:
    """"open", "mid", "close", "bilabial", "labiodental", "tongue", "consonant" or "pause"."""
    if symbol.startswith(PAUSE):
        return "pause"
    if symbol in BILABIALS:
        return "bilabial"
    if symbol in OPEN_VOWELS:
        return "open"
    if symbol in MID_VOWELS:
        return "mid"
    if symbol in CLOSE_VOWELS:
        return "close"
    if symbol in LABIODENTALS:
        return "labiodental"
    base = symbol.rstrip("#-/2;:")
    if len(base) == 1 and base in TONGUE_CONSONANTS:
        return "tongue"  # also eSpeak's variants: "t#" (flap), "r-", "l/"
    if base and base[0] in "aeiouAEIOUV03@":
        return "mid"  # a vowel this table does not name: call it mid
    return "consonant"


def paragraph(sentences: tuple[str, ...] = SENTENCES) -> str:
    """The SSML text eSpeak speaks: the sentences with a break between each two."""
    return f" {BREAK} ".join(sentences)


def transcript(sentences: tuple[str, ...] = SENTENCES) -> str:
    """What a user would pass as `--transcript`: the plain text, no markup."""
    return " ".join(sentences)


def english_speech(voices: tuple[tuple[str, int], ...] = VOICES,
                sentences: tuple[str, ...] = SENTENCES) -> list[KnownSpeech]:
    """The paragraph spoken by each (voice, rate)."""
    return [synthesize(paragraph(sentences), voice, rate) for voice, rate in voices]
