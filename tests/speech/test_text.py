import pytest

from talkinghead.speech.text import number_to_words, spell_out, transcript_words


def test_punctuation_case_and_apostrophes():
    assert transcript_words("Don\u2019t STOP -- the \"maps\", please!") == [
        "don't", "stop", "the", "maps", "please"]


@pytest.mark.parametrize("text, words", [
    ("25", "twenty five"),
    ("1,250", "one thousand two hundred fifty"),
    ("3.5", "three point five"),
    ("the 3rd", "the third"),
    ("21st", "twenty first"),
    ("in 1984", "in nineteen eighty four"),
    ("in 2005", "in two thousand five"),
    ("007", "zero zero seven"),
    ("50%", "fifty percent"),
    ("Tom & Jerry", "tom and jerry"),
])
def test_numbers_and_symbols_are_written_out(text, words):
    assert transcript_words(text) == words.split()


def test_accents_are_dropped():
    assert transcript_words("Café Müller") == ["cafe", "muller"]


def test_number_to_words():
    assert number_to_words(0) == "zero"
    assert number_to_words(101) == "one hundred one"
    assert number_to_words(2_000_017) == "two million seventeen"


def test_spelling_keeps_the_lip_consonants():
    assert spell_out("bamberg") == "B AE M B ER G"
    assert "P" not in spell_out("phlox").split() and spell_out("phlox").startswith("F")
    assert spell_out("lamb").split()[-1] == "M"  # silent b
    assert spell_out("happy").split().count("P") == 1  # double letters, one sound
    assert spell_out("city").startswith("S") and spell_out("gem").startswith("JH")
    assert spell_out("123") == ""
