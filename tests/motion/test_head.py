import numpy as np
import pytest

from talkinghead.motion.frames import speech_to_frames
from talkinghead.motion.head import LIMITS, STILL_SCALE, STYLE_RANGES, head_style, plan_head

FPS = 25
AXES = ("yaw", "pitch", "roll", "x", "y")


@pytest.fixture
def frames(speech_of):
    phones = [("SIL", 0.5)] + [("B", 0.06), ("AA", 0.25), ("T", 0.05), ("IH", 0.12),
                               ("SIL", 0.1)] * 60 + [("SIL", 1.0)]
    speech = speech_of(phones)
    return speech_to_frames(speech, FPS, int(speech.duration_s * FPS))


def _stack(head):
    return np.stack([getattr(head, a) for a in AXES])


def test_styles_are_fixed_characters():
    assert head_style(12) == head_style(12)
    assert head_style(12) != head_style(13)
    middle = head_style(0)
    for name, (lo, hi) in STYLE_RANGES.items():
        assert getattr(middle, name) == pytest.approx((lo + hi) / 2)
        for style in range(46):
            assert lo <= getattr(head_style(style), name) <= hi


def test_deterministic(frames):
    a, b = plan_head(frames, 5, 1.0, False, 11), plan_head(frames, 5, 1.0, False, 11)
    assert np.array_equal(_stack(a), _stack(b))


def test_styles_differ_measurably(frames):
    heads = [_stack(plan_head(frames, style, 1.0, False, 3)) for style in (0, 7, 31, 45)]
    for i in range(len(heads)):
        for j in range(i + 1, len(heads)):
            assert np.abs(heads[i] - heads[j]).mean() > 0.003


def test_natural_amplitude_and_smooth(frames):
    for style in (0, 9, 45):
        head = plan_head(frames, style, 1.0, False, 1)
        for axis in AXES:
            values = getattr(head, axis)
            assert np.abs(values).max() < LIMITS[axis]
            assert np.abs(np.diff(values, 2)).max() < 0.004, axis  # no jitter at 25 fps
        assert 0.02 < np.abs(head.yaw).max() < 0.15
        assert 0.01 < np.abs(head.pitch).max() < 0.15
        assert np.abs(head.roll).max() < 0.06 and np.abs(head.x).max() < 0.06


def test_starts_and_ends_at_rest(frames):
    head = _stack(plan_head(frames, 3, 1.0, False, 2))
    assert np.abs(head[:, 0]).max() < 1e-6 and np.abs(head[:, -1]).max() < 1e-6


def test_still_and_scale(frames):
    base = plan_head(frames, 4, 1.0, False, 8)
    still = plan_head(frames, 4, 1.0, True, 8)
    big = plan_head(frames, 4, 1.5, False, 8)
    assert still.yaw.std() == pytest.approx(STILL_SCALE * base.yaw.std(), rel=0.05)
    assert big.pitch.std() > 1.3 * base.pitch.std()


def test_emphasis_gives_nods(speech_of):
    steady = speech_of([("SIL", 0.5), ("AA", 20.0), ("SIL", 0.5)])
    beats = speech_of([("SIL", 0.5)] + [("AA", 0.3), ("T", 0.1), ("SIL", 0.1)] * 40
                      + [("SIL", 0.5)])
    def pitch_speed(speech):
        frames = speech_to_frames(speech, FPS, int(speech.duration_s * FPS))
        return np.abs(np.diff(plan_head(frames, 0, 1.0, False, 1).pitch)).mean()
    assert pitch_speed(beats) > 1.5 * pitch_speed(steady)


def test_drift_stays_within_its_range_whatever_the_seed():
    """A clip's slow drift is neither a boat's sway nor a standstill, however the dice fall."""
    from talkinghead.motion.head import DRIFT_RMS_RANGE, _smooth_noise

    lo, hi = DRIFT_RMS_RANGE
    rms = [np.sqrt(np.mean(_smooth_noise(np.random.default_rng(seed), 250, 25.0) ** 2))
           for seed in range(40)]  # 10 s clips: 10 drift periods, rms varies a lot by chance
    assert max(rms) <= hi + 1e-9
    assert np.median(rms) >= lo - 1e-9 and min(rms) > 0.5  # quiet samples boosted (by <= 1.5x)
