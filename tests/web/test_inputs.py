"""Dropped files are checked at once, with the CLI's own loaders and messages."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from talkinghead.errors import AudioError, ImageError, NoFaceError
from talkinghead.web.inputs import (
    BOX_COLOUR,
    CHECKER_DARK,
    CHECKER_LIGHT,
    check_audio,
    check_portrait,
    keep_upload,
    sample_inputs,
)


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims `width` x `height` but which holds almost no pixel data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                     + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    return path


def test_the_face_is_boxed_on_a_preview(sample_portrait_path, tmp_path):
    check = check_portrait(sample_portrait_path, tmp_path / "uploads")
    assert check.path.is_file() and check.path.name == "portrait.jpg"
    assert check.path.is_relative_to(tmp_path / "uploads")
    assert check.message.startswith("Face found") and check.faces == 1
    box_pixels = np.all(np.abs(check.preview.astype(int) - BOX_COLOUR) < 40, axis=2)
    assert box_pixels.sum() > 100  # the box is drawn


def test_the_preview_shows_the_cut_out_on_a_checkerboard(sample_portrait_path, sample_face,
                                                        tmp_path):
    check = check_portrait(sample_portrait_path, tmp_path / "uploads")
    picture = np.asarray(Image.open(sample_portrait_path).convert("RGB")).astype(int)
    height, width = picture.shape[:2]
    assert check.preview.shape == (height, 2 * width, 3)  # the picture, then its cut-out
    cut_out = check.preview[:, width:].astype(int)
    corner = cut_out[:24, :24, 0]  # the studio backdrop: now the checkerboard's two greys
    assert set(np.unique(corner)) == {CHECKER_DARK, CHECKER_LIGHT}
    (x0, y0), (x1, _) = (point.astype(int) for point in sample_face.eye_centers)
    centre = (slice(y0, int(sample_face.points[8, 1] - 0.2 * sample_face.interocular)),
              slice(x0, x1))  # between the eyes, down to the chin
    assert np.abs(cut_out[centre] - picture[centre]).max() <= 1  # the face is kept


def test_an_upload_is_kept_once_by_content(sample_portrait_path, tmp_path):
    first = keep_upload(sample_portrait_path, tmp_path)
    second = keep_upload(sample_portrait_path, tmp_path)
    assert first == second and len(list(tmp_path.iterdir())) == 1


def test_no_face_gets_the_cli_s_message_without_server_paths(faceless_png, tmp_path):
    uploads = tmp_path / "uploads"
    with pytest.raises(NoFaceError, match="no face found in the image") as error:
        check_portrait(faceless_png, uploads)
    assert str(uploads) not in str(error.value)


def test_a_huge_image_is_refused_from_its_header(tmp_path):
    path = png_header_only(tmp_path / "huge.png", 8000, 8000)  # 64 MP
    with pytest.raises(ImageError, match="too large: over 50 megapixels") as error:
        check_portrait(path, tmp_path / "uploads")
    assert "'huge.png'" in str(error.value) and str(tmp_path) not in str(error.value)


def test_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not a picture")
    with pytest.raises(ImageError, match="not a supported image"):
        check_portrait(path, tmp_path / "uploads")


def test_the_voice_over_is_decoded_and_timed(sample_speech_path, tmp_path):
    check = check_audio(sample_speech_path, tmp_path / "uploads")
    assert check.duration_s == pytest.approx(7.28, abs=0.05)
    assert check.message == "Voice-over: speech.ogg, 7.3 s of audio."


def test_silent_audio_is_refused(silent_wav, tmp_path):
    with pytest.raises(AudioError, match="is silent"):
        check_audio(silent_wav, tmp_path / "uploads")


def test_not_audio_is_refused(tmp_path):
    path = tmp_path / "speech.mp3"
    path.write_bytes(b"\0" * 1000)
    with pytest.raises(AudioError, match=r"cannot read audio 'speech\.mp3'"):
        check_audio(path, tmp_path / "uploads")


def test_a_vanished_upload(tmp_path):
    with pytest.raises(Exception, match="drop the file again"):
        keep_upload(tmp_path / "gone.png", tmp_path / "uploads")


def test_the_sample_is_the_demo_s_portrait_voice_over_and_transcript(tmp_path):
    sample = sample_inputs(tmp_path / "uploads")
    assert (sample.portrait.name, sample.voice.name) == ("portrait.jpg", "speech.ogg")
    assert sample.portrait.is_relative_to(tmp_path / "uploads")  # kept like an upload
    assert check_portrait(sample.portrait, tmp_path / "uploads").faces == 1
    assert sample.transcript.startswith("Hello! I am a talking head")
