"""`--background`: the narrator cut out of the portrait, on alpha, a colour, an image or a blur.

Renders the bundled sample portrait (an astronaut on a pale studio backdrop) with a short
piece of its speech, and measures the decoded frames.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from talkinghead import api
from talkinghead.cli import main
from talkinghead.errors import TalkingHeadError
from talkinghead.jobs.store import JobStore
from talkinghead.media.audio import load_audio, write_wav
from talkinghead.settings import RenderSettings
from talkinghead_dev.measure import video_facts, video_frames_rgba

CORNER_PX = 12
SPEECH_S = 1.6
BACKDROP_COLOUR = (30, 90, 200)
# VP9 codes the alpha plane lossily, like the colours: a few levels either way.
ALPHA_CODING_LEVELS = 6
CODING_BLOCK_PX = 8


@pytest.fixture(scope="module")
def speech(sample_speech_path, tmp_path_factory):
    audio = load_audio(sample_speech_path)
    samples = audio.samples[: int(SPEECH_S * audio.sample_rate)]
    return write_wav(tmp_path_factory.mktemp("speech") / "speech.wav", samples,
                     audio.sample_rate)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return JobStore(tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="module")
def backdrop_file(tmp_path_factory):
    """A left-to-right ramp: where a fitted image lands can be read off its colour."""
    ramp = np.zeros((90, 160, 3), np.uint8)
    ramp[:, :, 0] = np.linspace(0, 255, 160).astype(np.uint8)[None, :]
    ramp[:, :, 2] = 120
    path = tmp_path_factory.mktemp("backdrop") / "slide.png"
    Image.fromarray(ramp).save(path)
    return path


@pytest.fixture(scope="module", params=["webm", "mov"])
def transparent(request, sample_portrait_path, speech, store, tmp_path_factory):
    """The expressive preset (the head moves) in crop mode, as VP9 or ProRes 4444 with alpha."""
    out = tmp_path_factory.mktemp("clear") / f"narrator.{request.param}"
    settings = RenderSettings(background="transparent", format=request.param, pose_style=45,
                              expression_scale=1.3, seed=3)
    result = api.render(sample_portrait_path, speech, out, settings, store=store, workers=1)
    return result, np.stack(list(video_frames_rgba(out)))


def test_transparent_webm_has_alpha_and_says_so(transparent):
    result, frames = transparent
    assert result.alpha
    assert video_facts(result.output).video_codec in ("vp9", "prores")
    assert frames.shape == (result.frames, result.height, result.width, 4)


def test_the_face_is_opaque_and_the_backdrop_corners_clear(transparent):
    result, frames = transparent
    x0, y0, x1, y1 = (int(v) for v in result.face_box)
    w, h = x1 - x0, y1 - y0
    face = frames[:, y0 + h // 4: y1 - h // 4, x0 + w // 4: x1 - w // 4, 3]
    assert face.min() >= 255 - ALPHA_CODING_LEVELS
    for corner in (frames[:, :CORNER_PX, :CORNER_PX, 3], frames[:, :CORNER_PX, -CORNER_PX:, 3]):
        assert corner.max() <= ALPHA_CODING_LEVELS


def test_the_alpha_outside_the_person_holds_still(transparent):
    """Away from anywhere the person's edge ever reaches, by more than one 8-pixel block of
    the codec (whose rounding spreads that far), the alpha of distant frames agrees."""
    _, frames = transparent
    alpha = frames[..., 3].astype(int)
    reached = (alpha > ALPHA_CODING_LEVELS).any(axis=0).astype(np.uint8)
    clear = cv2.distanceTransform(1 - reached, cv2.DIST_L2, 3) > CODING_BLOCK_PX
    first, last = alpha[0], alpha[-1]
    assert clear.sum() > 0.1 * clear.size
    assert np.abs(first[clear] - last[clear]).max() < 2


def test_the_alpha_edge_moves_with_the_head(transparent):
    """The matte is warped, not recomputed: its edge follows the head's motion, and the alpha
    stays where the colours of the person are."""
    _, frames = transparent
    alpha = frames[..., 3].astype(int)
    moved = np.abs(alpha - alpha[0]).max(axis=(1, 2))
    assert moved.max() > 100  # the edge of the hair swept across pixels
    assert (moved > 100).mean() > 0.3  # throughout the clip, not at one frame


@pytest.mark.parametrize("values", [
    {"preprocess": "crop"}, {"preprocess": "resize"}, {"preprocess": "full"},
    {"aspect": "16:9", "resolution": (320, 180)},
])
@pytest.mark.parametrize("background", ["transparent", "color", "file", "blur"])
def test_each_background_renders_in_each_framing(sample_portrait_path, speech, store, tmp_path,
                                                 backdrop_file, values, background):
    choice = {"transparent": "transparent", "blur": "blur", "file": str(backdrop_file),
              "color": "color:#{:02x}{:02x}{:02x}".format(*BACKDROP_COLOUR)}[background]
    fmt = "webm" if background == "transparent" else "mp4"
    settings = RenderSettings(background=choice, format=fmt, seed=1, **values)
    out = tmp_path / f"out.{fmt}"
    result = api.render(sample_portrait_path, speech, out, settings, store=store, workers=1)
    frames = list(video_frames_rgba(out))
    assert len(frames) == result.frames
    frame = frames[-1].astype(int)
    assert frame.shape == (result.height, result.width, 4)
    corner = frame[:CORNER_PX, :CORNER_PX]  # the studio backdrop, or the aspect's padding
    if background == "transparent":
        assert corner[..., 3].max() <= ALPHA_CODING_LEVELS
        return
    assert (frame[..., 3] == 255).all()
    if background == "color":
        assert np.abs(corner[..., :3] - BACKDROP_COLOUR).max() <= 4  # 4:2:0 coding
    elif background == "file":  # the ramp's dark left end, its blue untouched
        assert corner[..., 0].mean() < 80 and np.abs(corner[..., 2] - 120).max() <= 6
    else:  # the pale backdrop, blurred: still pale, and smooth
        assert corner[..., :3].min() > 150 and np.ptp(corner[..., 0]) < 20
    x0, y0, x1, y1 = (int(v) for v in result.face_box)
    face = frame[y0:y1, x0:x1, :3]
    assert np.abs(face - BACKDROP_COLOUR).sum(axis=2).mean() > 100  # the face is not replaced


def test_mp4_cannot_be_transparent_and_says_which_formats_can(tmp_path, sample_portrait_path,
                                                              speech, capsys):
    out = tmp_path / "o.mp4"
    status = main(["--image", str(sample_portrait_path), "--audio", str(speech),
                   "--background", "transparent", "--output", str(out)])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "webm" in err and "mov" in err and not out.exists()


def test_an_unreadable_background_image_fails_before_any_work(tmp_path, sample_portrait_path,
                                                              speech, capsys):
    out = tmp_path / "o.mp4"
    status = main(["--image", str(sample_portrait_path), "--audio", str(speech),
                   "--background", str(tmp_path / "missing.png"), "--output", str(out)])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "missing.png" in err and not out.exists()


def test_the_background_image_is_part_of_the_job(tmp_path, sample_portrait_path, speech, store,
                                                 backdrop_file):
    """Another picture under the same name is another video; the output never replaces it."""
    settings = RenderSettings(background=str(backdrop_file))
    key = api.input_key("a", "b", settings, "warp", 45.0, None, "one picture")
    assert key != api.input_key("a", "b", settings, "warp", 45.0, None, "another picture")
    before = backdrop_file.read_bytes()
    with pytest.raises(TalkingHeadError, match=r"slide\.png"):
        api.render(sample_portrait_path, speech, backdrop_file, settings, store=store)
    assert backdrop_file.read_bytes() == before
