"""Planning: the audio networks' coefficient track, with stand-in weights (values are noise;
the structure, determinism and the settings' effects are what is checked)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from talkinghead.engines.sadtalker import coefficients as co  # noqa: E402
from talkinghead.engines.sadtalker.checkpoints import locate  # noqa: E402
from talkinghead.errors import TalkingHeadError  # noqa: E402
from talkinghead.events import NullSink  # noqa: E402
from talkinghead.face.landmarks import detect_face  # noqa: E402
from talkinghead.media.image import load_portrait  # noqa: E402
from talkinghead.settings import RenderSettings  # noqa: E402


@pytest.fixture(scope="module")
def portrait(sample_portrait_path):
    image = load_portrait(sample_portrait_path)
    return image.pixels, detect_face(image.pixels, NullSink())


@pytest.fixture(scope="module")
def speech():
    rng = np.random.default_rng(3)
    return (0.3 * rng.standard_normal(int(0.8 * 16000))).astype(np.float32)


def _plan(portrait, speech, checkpoints_dir, seed=5, **settings):
    settings = RenderSettings(**settings)
    frames = round(len(speech) / 16000 * settings.fps)
    found = locate(settings.size, settings.preprocess, checkpoints_dir)
    return co.plan_coefficients(*portrait, speech, settings, np.zeros(frames), seed, found,
                                torch.device("cpu"))


@pytest.fixture(scope="module")
def base(portrait, speech, standin_checkpoints):
    return _plan(portrait, speech, standin_checkpoints)


def test_track_covers_every_frame_and_repeats_exactly(portrait, speech, standin_checkpoints,
                                                      base):
    track = base
    assert track.driving.shape == (20, 70) and track.source.shape == (73,)
    again = _plan(portrait, speech, standin_checkpoints)
    assert np.array_equal(track.driving, again.driving)
    other_seed = _plan(portrait, speech, standin_checkpoints, seed=6)
    assert not np.allclose(track.driving[:, 64:], other_seed.driving[:, 64:])


def test_settings_shape_the_motion(portrait, speech, standin_checkpoints, base):
    doubled = _plan(portrait, speech, standin_checkpoints, expression_scale=2.0)
    assert np.allclose(doubled.driving[:, :64], 2 * base.driving[:, :64], atol=1e-5)
    styled = _plan(portrait, speech, standin_checkpoints, pose_style=30)
    assert not np.allclose(styled.driving[:, 64:], base.driving[:, 64:])
    still = _plan(portrait, speech, standin_checkpoints, still=True)
    assert np.allclose(still.driving[:, 64:], base.source[64:70])
    faster = _plan(portrait, speech, standin_checkpoints, fps=50)
    assert faster.driving.shape == (40, 70)
    assert np.allclose(faster.driving[::2], base.driving, atol=1e-5)


@pytest.mark.parametrize("frames", [2, 20, 33, 70])
def test_pose_starts_at_the_portrait_for_any_length(frames, standin_checkpoints):
    from talkinghead.engines.sadtalker.weights import load_bundle_networks

    net = load_bundle_networks(
        standin_checkpoints / "SadTalker_V0.0.2_256.safetensors", ("audio2pose",),
        torch.device("cpu"))["audio2pose"]
    ref = torch.linspace(-0.2, 0.3, 6)
    with torch.inference_mode():
        pose = co.predict_pose(net, torch.zeros(frames, 80, 16), ref, 3,
                               torch.Generator().manual_seed(0))
    assert pose.shape == (frames, 6) and torch.equal(pose[0], ref)


def test_track_round_trips_and_a_missing_one_is_a_clear_error(tmp_path):
    track = co.CoefficientTrack(np.arange(73, dtype=np.float32), np.ones((4, 70), np.float32))
    track.save(tmp_path)
    loaded = co.CoefficientTrack.load(tmp_path)
    assert np.array_equal(loaded.source, track.source)
    assert np.array_equal(loaded.driving, track.driving)
    with pytest.raises(TalkingHeadError, match="no usable SadTalker coefficients"):
        co.CoefficientTrack.load(tmp_path / "elsewhere")


def test_resampling_keeps_25_fps_tracks_and_interpolates_others():
    track = np.arange(10, dtype=np.float64)[:, None]
    assert co.resample(track, 10, 25) is track
    assert np.allclose(co.resample(track, 20, 50)[:, 0], np.minimum(np.arange(20) / 2, 9))
