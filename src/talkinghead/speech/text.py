"""Transcript text to the words a pronunciation dictionary knows, and a spelling fallback.

Forced alignment needs every word in the dictionary, spelled as the dictionary spells it: lower
case, no punctuation, numbers written out. `transcript_words` does that normalisation;
`spell_out` gives a rough pronunciation (CMU/ARPAbet phones) for a word the dictionary lacks
(names, brands, typos), from ordinary English spelling rules. It only needs to be right where
the lips can see it: "b", "m", "p" spell bilabials, "f", "v", "ph" labiodentals, and vowels
open the jaw, so a name like "Bamberg" still closes the lips in the right places.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

ONES: Final = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
               "fourteen fifteen sixteen seventeen eighteen nineteen").split()
TENS: Final = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
SCALES: Final = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"),
                 (1000, "thousand"))
ORDINALS: Final = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                   "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}
SYMBOLS: Final = {"&": " and ", "%": " percent ", "+": " plus ", "=": " equals ", "@": " at ",
                  "€": " euros ", "£": " pounds ", "$": " dollars "}
YEAR_RANGE: Final = (1100, 2099)  # four digits here, alone, are read as a year ("nineteen ten")
MAX_NUMBER: Final = 10**15  # longer digit strings are read digit by digit (phone numbers, codes)

_NUMBER = re.compile(r"(\d[\d,]*)(?:\.(\d+))?(st|nd|rd|th)?")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})


def transcript_words(text: str) -> list[str]:
    """Lower-case words of `text`: numbers and symbols written out, punctuation dropped.

    "Dr. Brown paid $1,250 on the 3rd." -> ["dr", "brown", "paid", "dollars", "one",
    "thousand", "two", "hundred", "fifty", "on", "the", "third"]. (Symbols are said where they
    stand; the order of "$5" is not worth a grammar for lip-sync.)
    """
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    for symbol, spoken in SYMBOLS.items():
        text = text.replace(symbol, spoken)
    text = _NUMBER.sub(lambda m: " " + _number_words(m) + " ", text)
    text = "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))  # café -> cafe
    words: list[str] = []
    for token in re.split(r"[^a-z']+", text.lower()):
        token = token.strip("'")
        if token:
            words.append(token)
    return words


def _number_words(match: re.Match) -> str:
    digits, decimals, suffix = match.group(1).replace(",", ""), match.group(2), match.group(3)
    if not digits:
        return match.group(0)
    value = int(digits)
    if len(digits) > len(str(MAX_NUMBER)) - 1 or (digits.startswith("0") and len(digits) > 1):
        words = " ".join(ONES[int(d)] for d in digits)
    elif (YEAR_RANGE[0] <= value <= YEAR_RANGE[1] and len(digits) == 4 and "," not in
          match.group(1) and decimals is None and suffix is None and value % 1000 >= 10):
        words = f"{number_to_words(value // 100)} {_two_digits(value % 100, year=True)}"
    else:
        words = number_to_words(value)
    if decimals:
        words += " point " + " ".join(ONES[int(d)] for d in decimals)
    if suffix:
        words = _ordinal(words)
    return words


def number_to_words(value: int) -> str:
    """Cardinal English words for 0 <= value < 10**15: 1250 -> "one thousand two hundred fifty"."""
    if value < 0:
        return "minus " + number_to_words(-value)
    if value < 100:
        return _two_digits(value)
    for scale, name in SCALES:
        if value >= scale:
            head, rest = divmod(value, scale)
            return f"{number_to_words(head)} {name}" + (f" {number_to_words(rest)}" if rest
                                                         else "")
    head, rest = divmod(value, 100)
    return f"{ONES[head]} hundred" + (f" {_two_digits(rest)}" if rest else "")


def _two_digits(value: int, year: bool = False) -> str:
    if year and value < 10:
        return "hundred" if value == 0 else f"oh {ONES[value]}"
    if value < 20:
        return ONES[value]
    tens, ones = divmod(value, 10)
    return TENS[tens] + (f" {ONES[ones]}" if ones else "")


def _ordinal(words: str) -> str:
    *head, last = words.split()
    if last in ORDINALS:
        last = ORDINALS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return " ".join([*head, last])


# Spelling to sound, longest match first. Each entry: letters -> phones (space separated, or
# "" for a silent letter group). Context rules come before the plain letters.
_WORD_START: Final = {"kn": "N", "wr": "R", "gn": "N", "ps": "S", "pn": "N", "wh": "W",
                      "x": "Z", "y": "Y"}
_WORD_END: Final = {"mb": "M", "mn": "M", "gn": "N"}  # silent letters: lamb, autumn, sign
_GROUPS: Final = (
    ("tch", "CH"), ("sch", "S K"), ("igh", "AY"), ("ough", "AO"), ("augh", "AO"),
    ("eau", "OW"), ("tion", "SH AH N"), ("sion", "ZH AH N"), ("ture", "CH ER"),
    ("ch", "CH"), ("sh", "SH"), ("th", "TH"), ("ph", "F"), ("gh", ""), ("ck", "K"),
    ("ng", "NG"), ("qu", "K W"), ("wh", "W"),
    ("ee", "IY"), ("ea", "IY"), ("oo", "UW"), ("ou", "AW"), ("ow", "OW"), ("oi", "OY"),
    ("oy", "OY"), ("ai", "EY"), ("ay", "EY"), ("au", "AO"), ("aw", "AO"), ("ie", "IY"),
    ("ei", "EY"), ("ey", "IY"), ("ue", "UW"), ("ew", "UW"), ("oa", "OW"), ("ar", "AA R"),
    ("er", "ER"), ("ir", "ER"), ("ur", "ER"), ("or", "AO R"),
)
_LETTERS: Final = {
    "a": "AE", "b": "B", "c": "K", "d": "D", "e": "EH", "f": "F", "g": "G", "h": "HH",
    "i": "IH", "j": "JH", "k": "K", "l": "L", "m": "M", "n": "N", "o": "AA", "p": "P",
    "q": "K", "r": "R", "s": "S", "t": "T", "u": "AH", "v": "V", "w": "W", "x": "K S",
    "y": "IY", "z": "Z",
}
_SOFT_BEFORE: Final = "eiy"  # c and g are soft before these letters: "city", "gem"
_VOWEL_LETTERS: Final = "aeiouy"


def spell_out(word: str) -> str:
    """A plausible ARPAbet pronunciation of an English-looking word ("" if it has no letters).

    >>> spell_out("bamberg")
    'B AE M B ER G'
    """
    letters = re.sub(r"[^a-z]", "", word.lower())
    if len(letters) > 2 and letters.endswith("e") and letters[-2] not in _VOWEL_LETTERS:
        letters = letters[:-1]  # silent final e: "mabe" -> "mab"
    phones: list[str] = []
    i = 0
    while i < len(letters):
        rest = letters[i:]
        chunk, sound = _match(rest, at_start=i == 0)
        if chunk == 1 and rest[0] in "cg" and len(rest) > 1 and rest[1] in _SOFT_BEFORE:
            sound = "S" if rest[0] == "c" else "JH"
        if chunk == 1 and i > 0 and letters[i - 1] == rest[0]:
            sound = ""  # double consonants are one sound: "happy"
        if sound:
            phones.extend(sound.split())
        i += chunk
    return " ".join(phones)


def _match(rest: str, at_start: bool) -> tuple[int, str]:
    if rest in _WORD_END:
        return len(rest), _WORD_END[rest]
    if at_start:
        for letters, sound in _WORD_START.items():
            if rest.startswith(letters):
                return len(letters), sound
    for letters, sound in _GROUPS:
        if rest.startswith(letters):
            return len(letters), sound
    return 1, _LETTERS[rest[0]]
