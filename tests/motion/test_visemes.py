import numpy as np

from talkinghead.motion.frames import FramePhone
from talkinghead.motion.visemes import CLASS_OF, DOMINANCE, GLIDES, SHAPES, viseme_targets

CMU_PHONES = (
    "AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH",
    "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH",
    "UW", "V", "W", "Y", "Z", "ZH",
)


def test_table_covers_every_cmu_phone_with_valid_values():
    for phone in [*CMU_PHONES, "SIL"]:
        shape = SHAPES[phone]
        assert 0 <= shape.jaw_open <= 1 and -1 <= shape.mouth_width <= 1, phone
        for value in (shape.lips_closed, shape.lower_lip_tuck, shape.teeth, shape.tongue):
            assert 0 <= value <= 1, phone
        assert CLASS_OF[phone] in DOMINANCE


def test_contacts_belong_to_lip_phones_only():
    sealed = {p for p, s in SHAPES.items() if s.lips_closed > 0}
    tucked = {p for p, s in SHAPES.items() if s.lower_lip_tuck > 0}
    assert sealed == {"P", "B", "M"} and tucked == {"F", "V"}


def test_tongue_consonants_keep_lips_slightly_apart():
    for phone in ("T", "D", "N", "S", "Z", "L", "R", "K", "G"):
        assert 0.15 <= SHAPES[phone].jaw_open <= 0.2 and SHAPES[phone].lips_closed == 0, phone


def test_open_vowels_open_more_than_close_ones():
    assert SHAPES["AA"].jaw_open > SHAPES["AH"].jaw_open > SHAPES["IY"].jaw_open
    assert SHAPES["UW"].mouth_width < 0 < SHAPES["IY"].mouth_width


def test_diphthongs_glide_to_their_end_shape():
    assert GLIDES["AY"].mouth_width > SHAPES["AY"].mouth_width
    assert GLIDES["OW"].mouth_width < SHAPES["OW"].mouth_width
    phones = (FramePhone("AY", 0.0, 6.0),)
    targets = viseme_targets(phones, 6).targets
    assert targets.jaw_open[0] > targets.jaw_open[5]
    assert targets.mouth_width[0] < targets.mouth_width[5]


def test_bilabial_seals_its_frame():
    phones = (FramePhone("AA", 0, 2), FramePhone("M", 2, 3), FramePhone("AA", 3, 5))
    targets = viseme_targets(phones, 5).targets
    assert targets.lips_closed[2] == 1 and targets.lips_closed[[0, 1, 3, 4]].max() == 0
    assert targets.jaw_open[2] < 0.05 and targets.jaw_open[0] > 0.8


def test_a_bilabial_shorter_than_a_frame_still_seals_one():
    phones = (FramePhone("AA", 0, 2.4), FramePhone("B", 2.4, 2.7), FramePhone("AA", 2.7, 5))
    closure = viseme_targets(phones, 5).targets.lips_closed
    assert closure[2] == 1 and closure[[0, 1, 3, 4]].max() == 0


def test_a_short_seal_is_held_40_ms_at_any_frame_rate():
    phones = (FramePhone("AA", 0, 6.1), FramePhone("B", 6.1, 6.9), FramePhone("AA", 6.9, 12))
    closure = viseme_targets(phones, 12, fps=60).targets.lips_closed  # a 13 ms "b" at 60 fps
    assert (closure == 1).sum() == 2  # two frames: 33 ms
    assert (viseme_targets(phones, 12, fps=25).targets.lips_closed == 1).sum() == 1  # 40 ms


def test_frame_target_mixes_phones_by_overlap_and_dominance():
    phones = (FramePhone("AA", 0, 0.5), FramePhone("IY", 0.5, 1))
    jaw = viseme_targets(phones, 1).targets.jaw_open[0]
    assert jaw == np.float32((SHAPES["AA"].jaw_open + SHAPES["IY"].jaw_open) / 2)


def test_unknown_labels_and_uncovered_frames_are_harmless():
    targets = viseme_targets((FramePhone("XX", 0, 1),), 3).targets
    assert np.isfinite(targets.jaw_open).all() and targets.jaw_open[2] == 0


def test_every_row_has_the_issue_channels():
    for phone in CMU_PHONES:
        shape = SHAPES[phone]
        assert 0 <= shape.stretch <= 1 and 0 <= shape.lip_round <= 1
        assert 0 <= shape.upper_lip_raise <= 1
        assert shape.mouth_width == shape.stretch - shape.lip_round
    assert SHAPES["UW"].lip_round > 0.5 and SHAPES["W"].lip_round > 0.5
    assert SHAPES["IY"].lip_round == 0
    assert SHAPES["F"].upper_lip_raise > 0 and SHAPES["SH"].upper_lip_raise > 0
    assert SHAPES["M"].upper_lip_raise == 0


def test_a_guessed_bilabial_seals_its_quietest_frame_an_aligned_one_its_most_covered():
    loudness = np.array([0.9, 0.9, 0.3, 0.9, 0.9])
    guessed = (FramePhone("AA", 0, 1.52), FramePhone("M", 1.52, 2.4), FramePhone("AA", 2.4, 5))
    closure = viseme_targets(guessed, 5, loudness).targets.lips_closed
    assert closure[2] == 1 and closure[1] < 1
    aligned = tuple(FramePhone(p.label, p.start, p.end, True) for p in guessed)
    closure = viseme_targets(aligned, 5, loudness).targets.lips_closed
    assert closure[1] == 1 and closure[2] < 1


def test_tongue_consonants_mark_their_frames_apart():
    phones = (FramePhone("AA", 0, 2), FramePhone("T", 2, 3), FramePhone("M", 3, 4),
              FramePhone("AA", 4, 6))
    apart = viseme_targets(phones, 6).apart
    assert apart[2] == 1 and apart[3] == 0 and apart[0] == 0
