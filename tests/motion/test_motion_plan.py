from dataclasses import fields

import numpy as np
import pytest

from talkinghead.motion.plan import plan_motion
from talkinghead.motion.types import MotionPlan
from talkinghead.settings import RenderSettings
from talkinghead.speech.types import PhoneSpan, Speech

MAMA = [("SIL", 0.4), ("M", 0.12), ("AA", 0.2), ("M", 0.12), ("AA", 0.2), ("SIL", 0.6)]


def _plan(speech, seed=1, **settings):
    n = int(np.ceil(speech.duration_s * 25))
    return plan_motion(speech, RenderSettings(**settings), n, seed)


def test_mama_closes_on_m_opens_on_aa_rests_in_silence(speech_of, frames_in):
    plan = _plan(speech_of(MAMA))
    m, aa, sil = frames_in("M", MAMA), frames_in("AA", MAMA), frames_in("SIL", MAMA)
    assert plan.lips_closed[m].min() > 0.95
    assert plan.jaw_open[m].max() < 0.08
    assert plan.jaw_open[aa].max() > 0.5 and plan.jaw_open[aa].mean() > 0.35
    assert plan.lips_closed[aa].min() < 0.1
    deep_silence = sil[(sil < 7) | (sil > 30)]  # away from the edges of speech
    for name in ("jaw_open", "mouth_width", "lips_closed", "lower_lip_tuck", "teeth", "tongue"):
        assert np.abs(getattr(plan, name)[deep_silence]).max() < 0.02, name


def test_plan_shapes_types_and_ranges(speech_of):
    speech = speech_of(MAMA)
    plan = plan_motion(speech, RenderSettings(), 50, 3)
    assert plan.n_frames == 50 and plan.fps == 25
    for f in fields(plan):
        if f.name == "fps":
            continue
        values = getattr(plan, f.name)
        assert values.shape == (50,) and values.dtype == np.float32, f.name
        assert not values.flags.writeable
        assert np.isfinite(values).all()
    for name in ("lips_closed", "lower_lip_tuck", "teeth", "tongue", "blink"):
        assert 0 <= getattr(plan, name).min() and getattr(plan, name).max() <= 1
    assert 0 <= plan.jaw_open.min() and plan.jaw_open.max() <= 1.5


def test_more_frames_than_audio_rest_at_the_end(speech_of):
    speech = speech_of([("SIL", 0.1), ("AA", 0.5)])
    plan = plan_motion(speech, RenderSettings(), 60, 0)
    assert plan.n_frames == 60
    assert plan.jaw_open[25:].max() < 0.02


def test_same_inputs_same_plan(speech_of):
    speech = speech_of(MAMA * 3)
    a, b = _plan(speech, seed=42, pose_style=7), _plan(speech, seed=42, pose_style=7)
    for f in fields(MotionPlan):
        assert np.array_equal(getattr(a, f.name), getattr(b, f.name)), f.name


def test_seed_changes_blinks_and_head_not_mouth(speech_of):
    speech = speech_of(MAMA * 8)
    a, b = _plan(speech, seed=1), _plan(speech, seed=2)
    assert np.array_equal(a.jaw_open, b.jaw_open)
    assert not np.array_equal(a.head_yaw, b.head_yaw)
    assert not np.array_equal(a.blink, b.blink)


def test_pose_style_changes_head_motion(speech_of):
    speech = speech_of(MAMA * 8)
    a, b = _plan(speech, pose_style=0), _plan(speech, pose_style=23)
    diff = np.abs(a.head_yaw - b.head_yaw).mean() + np.abs(a.head_pitch - b.head_pitch).mean()
    assert diff > 0.005


def test_expression_scale_and_still(speech_of):
    speech = speech_of(MAMA * 4)
    base = _plan(speech)
    big = _plan(speech, expression_scale=1.5)
    still = _plan(speech, still=True)
    assert big.jaw_open.max() == pytest.approx(1.5 * base.jaw_open.max(), rel=0.02)
    assert np.array_equal(big.lips_closed, base.lips_closed)
    assert big.head_yaw.std() > 1.2 * base.head_yaw.std()
    assert 0.01 < still.head_yaw.std() / base.head_yaw.std() < 0.05  # head.STILL_SCALE: 2%


def test_slice_keeps_frames(speech_of):
    plan = _plan(speech_of(MAMA))
    part = plan.slice(5, 12)
    assert part.n_frames == 7 and part.fps == plan.fps
    assert np.array_equal(part.jaw_open, plan.jaw_open[5:12])
    assert np.array_equal(part.head_roll, plan.head_roll[5:12])


def test_plan_validates_lengths():
    ok = np.zeros(3)
    with pytest.raises(ValueError):
        MotionPlan(25, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, np.zeros(4))


def test_zero_frames_give_an_empty_plan(speech_of):
    assert plan_motion(speech_of(MAMA), RenderSettings(), 0, 1).n_frames == 0
    with pytest.raises(ValueError):
        plan_motion(speech_of(MAMA), RenderSettings(), -1, 1)


@pytest.mark.parametrize("fps", [24, 30, 60])
def test_other_frame_rates(speech_of, frames_in, fps):
    speech = speech_of(MAMA)
    plan = plan_motion(speech, RenderSettings(fps=fps), int(np.ceil(speech.duration_s * fps)), 1)
    m, aa = frames_in("M", MAMA, fps), frames_in("AA", MAMA, fps)
    assert plan.lips_closed[m].min() > 0.95 and plan.jaw_open[m].max() < 0.08
    assert plan.jaw_open[aa].max() > 0.5


def test_a_short_bilabial_still_seals_the_lips(speech_of):
    phones = [("SIL", 0.3), ("AH", 0.15), ("B", 0.03), ("AH", 0.15), ("SIL", 0.3)]
    plan = _plan(speech_of(phones))
    assert plan.lips_closed.max() > 0.95
    assert (plan.lips_closed > 0.95).sum() <= 2


def test_no_flapping_in_silence_whatever_the_phones_say(speech_of):
    quiet = speech_of([("SIL", 2.0)])
    noise_phones = tuple(PhoneSpan(label, 0.1 * i, 0.1 * (i + 1))
                         for i, label in enumerate(["AA", "M", "AA", "T", "IY", "B"] * 3))
    speech = Speech((*noise_phones, PhoneSpan("SIL", 1.8, 2.0)), quiet.features, 2.0)
    plan = _plan(speech)
    for name in ("jaw_open", "lips_closed", "mouth_width", "teeth"):
        assert np.abs(getattr(plan, name)).max() < 0.01, name


def test_rounding_and_upper_lip_raise_reach_the_plan(speech_of, frames_in):
    phones = [("SIL", 0.3), ("UW", 0.3), ("SH", 0.2), ("IY", 0.3), ("SIL", 0.4)]
    plan = _plan(speech_of(phones))
    uw, iy = frames_in("UW", phones), frames_in("IY", phones)
    assert plan.lip_round[uw].max() > 0.5 and plan.lip_round[iy].min() < 0.2
    assert plan.mouth_width[uw].mean() < 0 < plan.mouth_width[iy].mean()
    assert plan.upper_lip_raise.max() > 0.2
    big = _plan(speech_of(phones), expression_scale=1.5)
    assert big.lip_round.max() > plan.lip_round.max()


def test_plans_built_without_the_new_channels_rest_there():
    ok = np.zeros(3)
    plan = MotionPlan(25, *([ok] * 12))
    assert plan.lip_round.tolist() == [0, 0, 0] and plan.upper_lip_raise.dtype == np.float32
