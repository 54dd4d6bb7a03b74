"""VideoEncoder parts join by stream copy into one faststart MP4, AAC from the original audio."""

from __future__ import annotations

import os
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from talkinghead.errors import AudioError, OutputError
from talkinghead.media.files import atomic_path, ensure_writable
from talkinghead.media.formats import FORMATS, OutputFormat
from talkinghead.media.video import (
    AUDIO_RATE,
    GOP_SECONDS,
    VideoEncoder,
    encode_soundtrack,
    join_video,
)

from .synth import tone, write_audio

FPS = 25
WIDTH, HEIGHT = 64, 48
FRAME_S = 1 / FPS
MAX_MEAN_ERROR = 6  # grey levels, mean over pixels and channels
BAND_ROWS = slice(34, HEIGHT)  # a grey band whose level encodes the frame index
BAND_TOLERANCE = 3  # grey levels: under half the 7-level step, so a neighbour cannot pass


def frames(count: int) -> list[np.ndarray]:
    """Moving content: a gradient, a square sliding right, and a grey band that counts frames."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    out = []
    for i in range(count):
        img = np.stack([x * 3, y * 4, np.full_like(x, 100)], axis=2).astype(np.uint8)
        img[6:26, 5 + i : 25 + i] = (230, 200, 40)
        img[BAND_ROWS] = band_level(i)
        out.append(img)
    return out


def finalize_video(parts: list[Path], audio: Path, output: Path, duration_s: float,
                   fmt: OutputFormat = FORMATS["mp4"]) -> None:
    """The parts joined with `audio`, as a job does it: the soundtrack first, then the join."""
    with tempfile.TemporaryDirectory() as folder:
        soundtrack = Path(folder) / f"soundtrack{fmt.suffix}"
        encode_soundtrack(audio, soundtrack, duration_s, fmt)
        join_video(parts, soundtrack, output, fmt)


def band_level(index: int) -> int:
    return 20 + (7 * index) % 220


def encode_parts(folder: Path, clip: list[np.ndarray], sizes: list[int]) -> list[Path]:
    paths, start = [], 0
    for index, size in enumerate(sizes):
        path = folder / f"part{index}.mp4"
        with VideoEncoder(path, WIDTH, HEIGHT, FPS) as encoder:
            for frame in clip[start : start + size]:
                encoder.write(frame)
        assert encoder.frames_written == size
        paths.append(path)
        start += size
    return paths


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], list[np.ndarray]]:
    """Two 15-frame parts plus 1.2 s of stereo 44.1 kHz speech-like audio, finalised once."""
    folder = tmp_path_factory.mktemp("render")
    clip = frames(30)
    parts = encode_parts(folder, clip, [15, 15])
    audio = write_audio(folder / "speech.wav", "pcm_s16le", tone(1.2, 44100, channels=2), 44100)
    output = folder / "out" / "talking.mp4"
    finalize_video(parts, audio, output, duration_s=1.2)
    return output, parts, clip


def test_parts_start_with_a_keyframe_and_have_no_b_frames(rendered) -> None:
    _, parts, _ = rendered
    for part in parts:
        with av.open(str(part)) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.name == "h264"
            assert stream.average_rate == FPS
            packets = [p for p in container.demux(stream) if p.dts is not None]
        assert len(packets) == 15
        assert packets[0].is_keyframe
        assert [p.pts for p in packets] == [p.dts for p in packets]  # decode order = display order


def test_final_streams(rendered) -> None:
    output, _, _ = rendered
    with av.open(str(output)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert len(container.streams) == 2
        assert video.codec_context.name == "h264"
        assert video.codec_context.pix_fmt == "yuv420p"
        assert (video.width, video.height) == (WIDTH, HEIGHT)
        assert video.average_rate == FPS
        assert audio.codec_context.name == "aac"
        assert audio.codec_context.sample_rate == AUDIO_RATE
        assert abs(float(video.duration * video.time_base) - 1.2) < FRAME_S
        assert abs(float(audio.duration * audio.time_base) - 1.2) < FRAME_S
        keyframes = [p.pts * p.time_base for p in container.demux(video) if p.is_keyframe]
    assert keyframes == [0, Fraction(15, FPS)]  # each part's IDR, at its place in the join


def test_decoded_frames_match_what_was_written(rendered) -> None:
    output, _, clip = rendered
    with av.open(str(output)) as container:
        decoded = [
            (f.pts * f.time_base, f.to_ndarray(format="rgb24")) for f in container.decode(video=0)
        ]
    assert len(decoded) == 30
    assert [t for t, _ in decoded] == [Fraction(i, FPS) for i in range(30)]
    for index, ((_, got), want) in enumerate(zip(decoded, clip, strict=True)):
        assert np.abs(got.astype(int) - want).mean() < MAX_MEAN_ERROR  # 4:2:0 on tiny frames
        assert abs(got[BAND_ROWS].mean() - band_level(index)) < BAND_TOLERANCE  # right order


def test_audio_is_the_original_sound(rendered) -> None:
    output, _, _ = rendered
    with av.open(str(output)) as container:
        pcm = np.concatenate([f.to_ndarray()[0] for f in container.decode(audio=0)])
    spectrum = np.abs(np.fft.rfft(pcm))
    assert abs(np.argmax(spectrum) * AUDIO_RATE / len(pcm) - 440) < 5
    assert abs(len(pcm) / AUDIO_RATE - 1.2) < FRAME_S


def test_faststart_puts_the_index_first(rendered) -> None:
    output, _, _ = rendered
    data = output.read_bytes()
    assert 0 <= data.find(b"moov") < data.find(b"mdat")


def test_no_temporary_files_left(rendered) -> None:
    output, _, _ = rendered
    assert [p.name for p in output.parent.iterdir()] == ["talking.mp4"]


def test_audio_is_trimmed_or_padded_to_the_duration(tmp_path: Path) -> None:
    parts = encode_parts(tmp_path, frames(20), [20])  # 0.8 s of video
    short = write_audio(tmp_path / "short.flac", "flac", tone(0.3, 16000), 16000)
    long = write_audio(tmp_path / "long.flac", "flac", tone(3.0, 16000), 16000)
    for audio in (short, long):
        output = tmp_path / f"{audio.stem}.mp4"
        finalize_video(parts, audio, output, duration_s=0.8)
        with av.open(str(output)) as container:
            stream = container.streams.audio[0]
            assert stream.codec_context.layout.name == "mono"
            assert abs(float(stream.duration * stream.time_base) - 0.8) < FRAME_S


def test_gop_is_fixed(tmp_path: Path) -> None:
    count = GOP_SECONDS * FPS * 2 + 5
    (part,) = encode_parts(tmp_path, frames(count), [count])
    with av.open(str(part)) as container:
        keys = [i for i, p in enumerate(container.demux(video=0)) if p.is_keyframe]
    assert keys == [0, GOP_SECONDS * FPS, 2 * GOP_SECONDS * FPS]


def test_encoder_rejects_odd_sizes_and_wrong_frames(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="even"):
        VideoEncoder(tmp_path / "odd.mp4", 63, 48, FPS)
    with (
        VideoEncoder(tmp_path / "ok.mp4", WIDTH, HEIGHT, FPS) as encoder,
        pytest.raises(ValueError, match="48x64x3 uint8"),
    ):
        encoder.write(np.zeros((HEIGHT, WIDTH), np.uint8))


def test_encoder_closes_the_file_on_error(tmp_path: Path) -> None:
    path = tmp_path / "part.mp4"
    with pytest.raises(RuntimeError), VideoEncoder(path, WIDTH, HEIGHT, FPS) as encoder:
        encoder.write(frames(1)[0])
        raise RuntimeError("render failed")
    assert encoder.frames_written == 1
    with av.open(str(path)) as container:  # closed properly: header and index written
        assert container.streams.video[0].codec_context.name == "h264"


def test_failed_finalize_leaves_nothing_at_output(tmp_path: Path) -> None:
    parts = encode_parts(tmp_path, frames(5), [5])
    (tmp_path / "noise.wav").write_text("not audio at all")
    output = tmp_path / "out" / "talking.mp4"
    with pytest.raises(AudioError):
        finalize_video(parts, tmp_path / "noise.wav", output, duration_s=0.2)
    assert list(output.parent.glob("*")) == []


def test_atomic_path_replaces_only_on_success(tmp_path: Path) -> None:
    output = tmp_path / "new" / "talking.mp4"
    with atomic_path(output) as tmp:
        assert tmp.parent == output.parent and tmp.name.startswith(".talking.mp4.partial-")
        assert tmp.suffix == ".mp4"
        tmp.write_bytes(b"first")
    assert output.read_bytes() == b"first"
    with pytest.raises(RuntimeError), atomic_path(output) as tmp:
        tmp.write_bytes(b"half-writ")
        raise RuntimeError("encoder crashed")
    assert output.read_bytes() == b"first"  # the old file survives
    assert [p.name for p in output.parent.iterdir()] == ["talking.mp4"]


def test_atomic_path_respects_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "v.mp4") as tmp:
            tmp.write_bytes(b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "v.mp4").stat().st_mode & 0o777 == 0o644


def test_ensure_writable_accepts_and_creates_folder(tmp_path: Path) -> None:
    output = tmp_path / "a" / "b" / "talking.MP4"
    ensure_writable(output)
    assert output.parent.is_dir() and list(output.parent.iterdir()) == []


def test_ensure_writable_wants_the_format_s_extension(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"end in \.mp4 for --format mp4: .*talking\.mov"):
        ensure_writable(tmp_path / "talking.mov")
    ensure_writable(tmp_path / "talking.mov", FORMATS["mov"])
    with pytest.raises(OutputError, match=r"\.webm"):
        ensure_writable(tmp_path / "talking.mp4", FORMATS["webm"])


@pytest.mark.parametrize("name, video_codec, audio_codec, pixel_format", [
    ("webm", "vp9", "opus", "yuv420p"),
    ("mov", "prores", "aac", "yuv422p10le"),
])
def test_other_formats_join_parts_with_their_codecs(tmp_path: Path, name, video_codec,
                                                    audio_codec, pixel_format) -> None:
    fmt = FORMATS[name]
    parts = []
    for index in range(2):
        part = tmp_path / f"part{index}{fmt.suffix}"
        with VideoEncoder(part, 64, 48, 25, fmt) as encoder:
            for k in range(15):
                encoder.write(np.full((48, 64, 3), 10 * (index * 15 + k) % 255, np.uint8))
        parts.append(part)
    audio = write_audio(tmp_path / "tone.wav", "pcm_s16le", tone(1.2, 44100, channels=2), 44100)
    out = tmp_path / f"joined{fmt.suffix}"
    finalize_video(parts, audio, out, 1.2, fmt)
    with av.open(str(out)) as container:
        video, sound = container.streams.video[0], container.streams.audio[0]
        assert video.codec_context.name == video_codec and sound.codec_context.name == audio_codec
        assert video.codec_context.pix_fmt == pixel_format
        assert sum(1 for _ in container.decode(video)) == 30


def test_ensure_writable_rejects_a_directory(tmp_path: Path) -> None:
    (tmp_path / "clip.mp4").mkdir()
    with pytest.raises(OutputError, match="is a directory"):
        ensure_writable(tmp_path / "clip.mp4")


def test_ensure_writable_parent_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match="cannot create output folder"):
        ensure_writable(tmp_path / "file" / "sub" / "talking.mp4")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_ensure_writable_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    try:
        with pytest.raises(OutputError, match="cannot write to folder"):
            ensure_writable(folder / "talking.mp4")
    finally:
        folder.chmod(0o700)


def test_re_encoding_a_part_gives_the_same_bytes(tmp_path: Path) -> None:
    """A chunk re-rendered after a crash can be byte-identical to the lost one.

    Uses 256 px frames: at 64x48 libx264 itself differs about once in 2,000 runs, even on one
    thread, which the join tolerates but this check would not.
    """
    y, x = np.mgrid[0:256, 0:256]
    clip = [np.stack([x, y, (x + y + 9 * i) % 256], axis=2).astype(np.uint8) for i in range(12)]
    encoded = []
    for name in ("a.mp4", "b.mp4"):
        with VideoEncoder(tmp_path / name, 256, 256, FPS) as encoder:
            for frame in clip:
                encoder.write(frame)
        encoded.append((tmp_path / name).read_bytes())
    assert encoded[0] == encoded[1]


@pytest.mark.parametrize("box", [(10, 7, 41, 33), (0, 0, 64, 48), (30, 20, 64, 48), (0, 21, 13, 48),
                                 (51, 0, 64, 3), (31, 17, 34, 20)])
def test_converting_only_the_changing_box_gives_the_same_samples(tmp_path: Path, box) -> None:
    """`still_outside`: frames that change only inside a box (odd edges, or touching the
    frame's) are converted to YUV there alone, and encode to the same samples as whole
    frames."""
    rng = np.random.default_rng(5)
    x0, y0, x1, y1 = box
    still = frames(1)[0]
    clip = []
    for _ in range(6):
        frame = still.copy()
        frame[y0:y1, x0:x1] = rng.integers(0, 256, (y1 - y0, x1 - x0, 3), dtype=np.uint8)
        clip.append(frame)
    decoded = []
    for name, region in (("whole.mp4", None), ("box.mp4", box)):
        with VideoEncoder(tmp_path / name, WIDTH, HEIGHT, FPS) as encoder:
            for frame in clip:
                encoder.write(frame, still_outside=region)
        with av.open(str(tmp_path / name)) as container:
            decoded.append([f.to_ndarray() for f in container.decode(video=0)])
    assert len(decoded[1]) == len(clip)
    for whole, partial in zip(*decoded, strict=True):
        np.testing.assert_array_equal(partial, whole)


ENCODE_CLIP = """
import sys
from pathlib import Path
import numpy as np
from talkinghead.media.video import VideoEncoder
y, x = np.mgrid[0:256, 0:256]
with VideoEncoder(Path(sys.argv[1]), 256, 256, 25) as encoder:
    for i in range(24):
        encoder.write(np.stack([x, y, (x + y + 9 * i) % 256], axis=2).astype(np.uint8))
"""


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two cores")
def test_a_part_has_the_same_bytes_whatever_cores_the_machine_has(tmp_path: Path) -> None:
    """libx264 left to choose its thread count takes it from the cores it may use, and its
    output depends on it: the same chunk drawn on another machine gave other bytes."""
    import subprocess
    import sys

    one_core = min(os.sched_getaffinity(0))
    encoded = []
    for name, cores in (("one.mp4", {one_core}), ("all.mp4", None)):
        def limit(cores=cores):
            if cores:
                os.sched_setaffinity(0, cores)
        subprocess.run([sys.executable, "-c", ENCODE_CLIP, str(tmp_path / name)], check=True,
                       preexec_fn=limit)
        encoded.append((tmp_path / name).read_bytes())
    assert encoded[0] == encoded[1]
