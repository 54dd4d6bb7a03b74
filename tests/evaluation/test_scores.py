import numpy as np

from talkinghead_dev.evaluation.espeak import KnownPhoneme
from talkinghead_dev.evaluation.rendered import Calibration
from talkinghead_dev.evaluation.scores import (
    best_lag,
    count_cycles,
    hold_frames,
    pauses_of,
    score_lipsync,
    score_syllables,
)

CAL = Calibration(rest=0.01, noise=0.0)  # sealed <= 0.025, open >= 0.07, rest within 0.02


def _phonemes(*items):
    out, t = [], 0.0
    for symbol, seconds, position in items:
        out.append(KnownPhoneme(symbol, t, t + seconds, 0, position))
        t += seconds
    return tuple(out)


PHONEMES = _phonemes(("_", 0.4, "pause"), ("m", 0.08, "initial"), ("a", 0.16, "medial"),
                     ("t", 0.08, "medial"), ("a", 0.16, "medial"), ("p", 0.08, "final"),
                     ("_:", 0.4, "pause"))  # frames: 0-9 pause, 10-11 m, 12-15 a, 16-17 t,
                                            # 18-21 a, 22-23 p, 24-33 pause


def _opening():
    o = np.full(34, 0.01)
    o[12:16] = o[18:22] = 0.2
    o[16:18] = 0.05
    return o


def test_a_mouth_that_does_everything_right_scores_full_marks():
    s = score_lipsync(_opening(), PHONEMES, 25, CAL)
    assert s.bilabial_initial.share == 1 and s.bilabial_final.share == 1
    assert s.open_vowels.share == 1 and s.tongue_sealed.share == 0 and s.pause_rest.share == 1
    assert s.lags == (0,)


def test_a_seal_one_frame_off_counts_two_frames_off_does_not():
    o = _opening()
    o[10:12] = 0.2
    o[9] = 0.01  # sealed on the frame before the "m": within one frame
    assert score_lipsync(o, PHONEMES, 25, CAL).bilabial_initial.hits == 1
    o[8:10] = 0.2
    o[12] = 0.01  # now only two frames early or after the vowel began: within one frame too
    o[12], o[9] = 0.2, 0.2
    assert score_lipsync(o, PHONEMES, 25, CAL).bilabial_initial.hits == 0


def test_sealed_tongue_consonants_and_restless_pauses_are_counted():
    o = _opening()
    o[16:18] = 0.0
    o[3:6] = 0.1
    s = score_lipsync(o, PHONEMES, 25, CAL)
    assert s.tongue_sealed.hits == 1 and s.pause_rest.hits == s.pause_rest.total - 3


def test_lag_sign_early_is_negative():
    reference = np.sin(np.arange(200) / 3.0)
    assert best_lag(np.roll(reference, -2), reference) == -2
    assert best_lag(np.roll(reference, 1), reference) == 1


def test_pauses_join_runs_of_pause_phonemes():
    items = _phonemes(("_", 0.2, "pause"), ("_:", 0.2, "pause"), ("a", 0.1, "only"),
                      ("_", 0.1, "pause"))
    assert pauses_of(items, 0.3) == [(0.0, 0.4)]


def test_flaps_are_open_close_cycles_inside_a_pause():
    assert count_cycles(np.array([0, 1, 1, 0, 0, 1, 1, 0, 1], bool)) == 2
    assert count_cycles(np.array([0, 0, 1, 1, 1], bool)) == 0  # easing out, then at rest


def test_syllable_scores():
    o = np.full(50, 0.01)
    o[10:13] = 0.2
    o[30:32] = 0.1
    o[34] = 0.1
    s = score_syllables(o, np.array([0.44, 0.9]), [(1.1, 1.6)], 25, CAL)
    assert s.open_at_peaks.hits == 1 and s.open_at_peaks.total == 2
    assert s.flaps == 2 and s.pause_rest.total == 12 and s.pause_rest.hits == 9


def test_a_state_counts_when_held_40_ms_at_any_frame_rate():
    assert [hold_frames(fps) for fps in (24, 25, 30, 50, 60)] == [1, 1, 1, 2, 2]
    o = np.full(round(PHONEMES[-1].end_s * 60), 0.01)  # the same speech at 60 fps
    o[round(0.48 * 60):round(0.64 * 60)] = o[round(0.72 * 60):round(0.88 * 60)] = 0.2
    t_frames = np.arange(round(0.64 * 60), round(0.72 * 60))  # the "t", 5 frames
    o[t_frames] = 0.05
    o[t_frames[2]] = 0.0  # one 17 ms sealed reading: not a seal
    assert score_lipsync(o, PHONEMES, 60, CAL).tongue_sealed.hits == 0
    o[t_frames[3]] = 0.0  # two in a row (33 ms): a seal
    assert score_lipsync(o, PHONEMES, 60, CAL).tongue_sealed.hits == 1
    assert count_cycles(np.array([1, 0, 1, 1, 0, 0, 1], bool), min_frames=2) == 1
