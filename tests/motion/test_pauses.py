import numpy as np

from talkinghead.motion.frames import speech_to_frames
from talkinghead.motion.pauses import relax_pauses, speech_gate
from talkinghead.motion.types import MouthTrack


def test_gate_is_open_in_speech_shut_in_pauses_with_eases():
    speech = np.array([0] * 10 + [1] * 10 + [0] * 10, dtype=float)
    gate = speech_gate(speech, 25)
    assert np.all(gate[10:20] == 1) and gate[:7].max() < 0.01 and gate[23:].max() < 0.01
    assert 0.2 < gate[9] < 0.9 and 0.2 < gate[20] < 0.9


def test_mouth_rests_in_pauses(speech_of):
    speech = speech_of([("SIL", 0.6), ("AA", 0.6), ("SIL", 0.6)])
    frames = speech_to_frames(speech, 25, 45)
    ones = np.ones(45)
    relaxed = relax_pauses(MouthTrack(*[ones] * 8), frames)
    for name in ("jaw_open", "mouth_width", "lips_closed", "lower_lip_tuck", "teeth", "tongue"):
        values = getattr(relaxed, name)
        assert values[:12].max() < 0.01 and values[18:28].min() == 1 and values[33:].max() < 0.01
