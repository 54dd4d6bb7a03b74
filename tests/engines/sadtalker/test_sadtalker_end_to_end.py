"""`--engine sadtalker` end to end with stand-in weights, through every preprocess mode.

The stand-in checkpoints have the published layout but random values, so the face the
renderer draws is NOISE BY CONSTRUCTION: these tests check that a job plans its
coefficients, renders through the chunk pipeline and writes a valid MP4 of the right
size and length, with the face square redrawn and (for `full`) the rest of the
picture left as it was. Image quality with the real weights is not tested here.
The renderer draws at 128 pixels (any multiple of 128 runs) to keep this fast.
"""

from __future__ import annotations

import av
import numpy as np
import pytest
from scipy.io import wavfile

torch = pytest.importorskip("torch")

from talkinghead import api  # noqa: E402
from talkinghead.jobs.store import JobStore  # noqa: E402
from talkinghead.media.audio import load_audio  # noqa: E402
from talkinghead.settings import RenderSettings  # noqa: E402

SPEECH_SECONDS = 0.08  # two frames at 25 fps: each costs seconds on a CPU


@pytest.fixture(scope="module")
def short_speech(tmp_path_factory, sample_speech_path):
    audio = load_audio(sample_speech_path)
    length = int(SPEECH_SECONDS * audio.sample_rate)
    energy = np.convolve(audio.samples ** 2, np.ones(length), mode="valid")
    start = int(np.argmax(energy))  # the loudest stretch: speech, not a pause
    clip = audio.samples[start:start + length]
    path = tmp_path_factory.mktemp("speech") / "clip.wav"
    wavfile.write(path, audio.sample_rate, (clip * 32767).astype(np.int16))
    return path


@pytest.fixture
def small_renderer(monkeypatch, standin_checkpoints):
    """Draw at 128 px; start each test with no engine state cached by the worker."""
    from talkinghead.engines.sadtalker import engine
    from talkinghead.jobs import chunk_render as worker

    monkeypatch.setattr(engine, "network_side", 128)
    monkeypatch.setattr(worker, "_prepared", type(worker._prepared)())
    return engine


def _frames(path):
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


@pytest.mark.parametrize("mode", ["crop", "resize", "full"])
def test_sadtalker_engine_writes_a_valid_video(tmp_path, small_renderer, sample_portrait_path,
                                               short_speech, mode):
    settings = RenderSettings(preprocess=mode)
    result = api.render(sample_portrait_path, short_speech, tmp_path / f"{mode}.mp4", settings,
                        engine="sadtalker", workers=1, store=JobStore(tmp_path / "store"))
    frames = _frames(result.output)
    assert len(frames) == result.frames == 2
    assert frames.shape[1:3] == (result.height, result.width)
    if mode != "full":
        assert (result.width, result.height) == (256, 256)
    job_folder = JobStore(tmp_path / "store").folder(result.job_id)
    track = np.load(job_folder / "sadtalker.npz")
    assert track["driving"].shape == (2, 70) and track["source"].shape == (73,)
    canvas = np.asarray(__import__("PIL.Image").Image.open(job_folder / "canvas.png"))
    changed = np.abs(frames[0].astype(int) - canvas).mean(axis=2)
    assert changed.mean() > 10, "the renderer's (noise) face should replace the portrait"
    if mode == "full":  # only the head square is redrawn; corners stay the portrait
        assert changed[:8, :8].mean() < 4 and changed[-8:, -8:].mean() < 4


def test_a_missing_checkpoint_is_one_clear_error(tmp_path, monkeypatch, sample_portrait_path,
                                                 short_speech):
    from talkinghead.engines.sadtalker.checkpoints import CHECKPOINTS_ENV, CheckpointError

    monkeypatch.setenv(CHECKPOINTS_ENV, str(tmp_path / "empty"))
    with pytest.raises(CheckpointError, match="models download sadtalker"):
        api.render(sample_portrait_path, short_speech, tmp_path / "x.mp4", RenderSettings(),
                   engine="sadtalker", workers=1, store=JobStore(tmp_path / "store"))
    assert not (tmp_path / "x.mp4").exists()
