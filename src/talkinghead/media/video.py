"""Encode frames into video-only parts and the sound into a soundtrack, then join them in one file.

Parts are made so that joining them is a stream copy: every part is a fresh libx264 encoder
with the same settings, so each starts with an IDR frame and carries identical codec
parameters; there are no B-frames, so decode order is display order and a part's packets can
be shifted in time without touching their dts/pts relationship. Audio is encoded once, from the
user's original file, into a soundtrack of its own, so chunked rendering never cuts the sound;
joining copies it too.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Final

import av
import av.error
import numpy as np
from av.video.reformatter import Colorspace, VideoReformatter
from av.video.stream import VideoStream

from talkinghead.media.audio import iter_pcm
from talkinghead.media.files import atomic_path
from talkinghead.media.formats import FORMATS, GOP_SECONDS, OutputFormat

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self needs Python 3.11; mypy ships this

AUDIO_RATE: Final = 48_000  # Hz; native for AAC and Opus, avoids resampling in players
COLORSPACE: Final = Colorspace.ITU709  # RGB -> YUV matrix; tagged in the stream so players agree
# Encoder threads: a fixed number, not one per core. libx264's output depends on its thread
# count, so with one chosen from the cores the same job gave other bytes on another machine (a
# chunk drawn again by a RunPod worker, a job resumed on another computer). Two overlap the
# encoding with the drawing of a one-process render; workers draw chunks side by side anyway
# (the bundled demo, 2 cores: 2.77 s with 2 threads, 2.82 s with libx264's own choice of 3).
ENCODER_THREADS: Final = 2
CHROMA_REACH: Final = 4  # px; a changed pixel moves the chroma up to 2 px away (1 sample)
CONVERSION_MARGIN: Final = 8  # px; swscale's chroma filter reads 2 px beyond what it writes


class VideoEncoder:
    """Write RGB frames as one video-only part in `fmt`'s codec; use as a context manager.

    Frame `i` written gets pts `i` in time base 1/fps. Leaving the `with` block flushes the
    encoder and closes the file, on error too (the part is then incomplete and should be dropped).
    """

    def __init__(self, path: Path, width: int, height: int, fps: int,
                 fmt: OutputFormat = FORMATS["mp4"]) -> None:
        if width <= 0 or height <= 0 or width % 2 or height % 2:
            raise ValueError(
                f"frame size must be positive and even for {fmt.pixel_format}: {width}x{height}"
            )
        if fps <= 0:
            raise ValueError(f"fps must be positive: {fps}")
        self.width, self.height, self.fps = width, height, fps
        self.frames_written = 0
        self._closed = False
        self.fmt = fmt
        self._container = av.open(str(path), mode="w", format=fmt.muxer)
        stream = self._container.add_stream(fmt.video_codec, rate=fps)
        assert isinstance(stream, VideoStream)  # a video codec's stream
        stream.width, stream.height, stream.pix_fmt = width, height, fmt.pixel_format
        ctx = stream.codec_context
        ctx.time_base = Fraction(1, fps)
        ctx.gop_size = GOP_SECONDS * fps
        ctx.max_b_frames = 0
        ctx.thread_count = ENCODER_THREADS
        ctx.thread_type = "FRAME"  # PyAV's default, SLICE, splits frames into slices: worse, slower
        ctx.colorspace = ctx.color_primaries = ctx.color_trc = 1  # AVCOL_*_BT709
        ctx.color_range = 1  # MPEG (limited) range, what swscale produces by default
        ctx.options = {"g": str(GOP_SECONDS * fps), **fmt.video_options}
        self._stream = stream
        # One converter for the whole part: a frame's own reformat() builds a new one each call.
        self._reformatter = VideoReformatter()
        self._kept: list[np.ndarray] | None = None  # the YUV planes of the last frame (`write`)

    def write(self, frame: np.ndarray,
              still_outside: tuple[int, int, int, int] | None = None) -> None:
        """Encode one H x W x 3 uint8 RGB frame (H x W x 4 RGBA for a format with alpha).

        `still_outside` (x0, y0, x1, y1): outside this box, every frame written with the same
        box is the same picture (a warped face on a still canvas), so only the box is converted
        to YUV anew; the result is the same, sample for sample."""
        channels = 4 if self.fmt.has_alpha else 3
        if frame.shape != (self.height, self.width, channels) or frame.dtype != np.uint8:
            raise ValueError(
                f"expected a {self.height}x{self.width}x{channels} uint8 frame, "
                f"got {frame.shape} {frame.dtype}"
            )
        if still_outside is not None and self.fmt.pixel_format == "yuv420p":
            yuv = self._converted_inside(frame, still_outside)
        else:
            yuv = self._converted(frame)
        yuv.pts = self.frames_written
        yuv.time_base = Fraction(1, self.fps)
        self._container.mux(self._stream.encode(yuv))
        self.frames_written += 1

    def _converted(self, rgb: np.ndarray) -> av.VideoFrame:
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb),
                                           format="rgba" if rgb.shape[2] == 4 else "rgb24")
        return self._reformatter.reformat(frame, format=self.fmt.pixel_format,
                                          src_colorspace=COLORSPACE, dst_colorspace=COLORSPACE)

    def _converted_inside(self, rgb: np.ndarray,
                          box: tuple[int, int, int, int]) -> av.VideoFrame:
        """The YUV 4:2:0 frame of `rgb`, converting only around `box` and taking the rest from
        the last frame. swscale subsamples the chroma with a filter: a change inside the box
        moves the chroma up to a sample outside it, so the box grows by CHROMA_REACH (and to
        whole chroma samples), and CONVERSION_MARGIN more pixels around it are converted and
        dropped, so that the filter sees the same neighbours as in a whole frame."""
        if self._kept is None:
            self._kept = [plane.copy() for plane in _planes(self._converted(rgb))]
        else:
            x0, y0 = (max(0, v - CHROMA_REACH) // 2 * 2 for v in box[:2])
            x1 = min(self.width, -(-(box[2] + CHROMA_REACH) // 2) * 2)
            y1 = min(self.height, -(-(box[3] + CHROMA_REACH) // 2) * 2)
            a0, b0 = max(0, x0 - CONVERSION_MARGIN), max(0, y0 - CONVERSION_MARGIN)
            a1 = min(self.width, x1 + CONVERSION_MARGIN)
            b1 = min(self.height, y1 + CONVERSION_MARGIN)
            part = _planes(self._converted(rgb[b0:b1, a0:a1]))
            for plane, new, scale in zip(self._kept, part, (1, 2, 2), strict=True):
                plane[y0 // scale:y1 // scale, x0 // scale:x1 // scale] = new[
                    (y0 - b0) // scale:(y1 - b0) // scale, (x0 - a0) // scale:(x1 - a0) // scale]
        frame = av.VideoFrame(self.width, self.height, self.fmt.pixel_format)
        for plane, kept in zip(_planes(frame), self._kept, strict=True):
            plane[:] = kept
        return frame

    def close(self) -> None:
        """Flush the frames libx264 still holds and close the file; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            self._container.mux(self._stream.encode(None))
        finally:
            self._container.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
            return
        with suppress(Exception):  # the original error matters more than a failed flush
            self.close()


def _planes(frame: av.VideoFrame) -> list[np.ndarray]:
    """Writable views of a frame's planes, without their row padding."""
    return [np.frombuffer(memoryview(plane), np.uint8)
            .reshape(plane.height, plane.line_size)[:, :plane.width]
            for plane in frame.planes]


def encode_soundtrack(audio: Path, output: Path, duration_s: float,
                     fmt: OutputFormat = FORMATS["mp4"],
                     should_stop: Callable[[], None] | None = None) -> None:
    """Encode `audio` for `fmt`, trimmed or padded to `duration_s`, alone into `output` (in
    `fmt`'s container): the sound of the finished video, which `join_video` copies in.

    It depends on the audio alone, so it is made while the frames are drawn. `should_stop()`
    may raise to abandon it; `output` appears only complete.
    """
    if duration_s <= 0:
        raise ValueError(f"duration must be positive: {duration_s}")
    with atomic_path(output) as tmp, av.open(str(tmp), mode="w", format=fmt.muxer) as out:
        layout = _audio_layout(audio)
        stream = out.add_stream(fmt.audio_codec, rate=AUDIO_RATE, layout=layout)
        stream.bit_rate = fmt.audio_bitrate
        for _, packet in _audio_packets(audio, stream, layout, duration_s):
            out.mux(packet)
            if should_stop:
                should_stop()


def join_video(video_parts: Sequence[Path], soundtrack: Path, output: Path,
               fmt: OutputFormat = FORMATS["mp4"]) -> None:
    """Join the parts and the soundtrack (`encode_soundtrack`) into `output`, by stream copy.

    The result appears at `output` only when complete; MP4 and MOV have the index at the
    front (faststart) so they play while downloading.
    """
    if not video_parts:
        raise ValueError("join_video needs at least one video part")
    with (
        atomic_path(output) as tmp,
        av.open(str(tmp), mode="w", format=fmt.muxer, options=fmt.mux_options) as out,
        av.open(str(video_parts[0])) as first,
        av.open(str(soundtrack)) as sound_file,
    ):
        template = first.streams.video[0]
        fps = _part_fps(template)
        video_out = out.add_stream_from_template(template)
        video_out.time_base = Fraction(1, fps)
        if fmt.has_alpha:  # the container must say so (WebM's AlphaMode): players look there
            video_out.codec_context.pix_fmt = fmt.pixel_format
        sound_in = sound_file.streams.audio[0]
        sound_out = out.add_stream_from_template(sound_in)
        video = _joined_video_packets(video_parts, video_out, fps)
        sound = _copied_packets(sound_file, sound_in, sound_out)
        # Interleave by time so the muxer never buffers one whole track in memory.
        for _, packet in heapq.merge(video, sound, key=lambda item: item[0]):
            out.mux(packet)


def _part_fps(stream: av.video.stream.VideoStream) -> int:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if not rate or Fraction(rate).denominator != 1:
        raise ValueError(f"video part must have a whole-number frame rate, got {rate}")
    return int(rate)


def _joined_video_packets(
    parts: Sequence[Path], stream: av.video.stream.VideoStream, fps: int
) -> Iterator[tuple[Fraction, av.Packet]]:
    """Yield every part's packets in order, shifted by the frames of the parts before it."""
    frame_tb = Fraction(1, fps)
    offset = 0
    reference: tuple[object, ...] | None = None
    for part in parts:
        with av.open(str(part)) as container:
            source = container.streams.video[0]
            params = (
                source.codec_context.extradata,
                source.width,
                source.height,
                source.format.name,
            )
            reference = reference or params
            if params != reference:
                raise ValueError(f"video part '{part}' was encoded with different settings")
            count = 0
            for packet in container.demux(source):
                if packet.dts is None:  # the empty packet that marks the end of the stream
                    continue
                # Timestamps are whole frames; rewrite them in 1/fps (PyAV 18's
                # Packet.rescale_ts rejects a Fraction, so do it by hand).
                pts = packet.pts if packet.pts is not None else packet.dts
                packet.pts = offset + round(pts * packet.time_base / frame_tb)
                packet.dts = offset + round(packet.dts * packet.time_base / frame_tb)
                packet.duration = 1
                packet.time_base = frame_tb
                packet.stream = stream
                count += 1
                yield Fraction(packet.dts, fps), packet
            offset += count


def _copied_packets(container: av.container.InputContainer, source: av.audio.stream.AudioStream,
                   stream: av.audio.stream.AudioStream) -> Iterator[tuple[Fraction, av.Packet]]:
    """The packets of `source`, as they are, for `stream` of another file."""
    for packet in container.demux(source):
        if packet.dts is None:  # the empty packet that marks the end of the stream
            continue
        time = Fraction(packet.dts) * packet.time_base
        packet.stream = stream
        yield time, packet


def _audio_layout(audio: Path) -> str:
    """Keep stereo if the source has it (downmix anything wider), mono otherwise."""
    try:
        with av.open(str(audio)) as container:
            channels = container.streams.audio[0].channels if container.streams.audio else 1
    except av.error.FFmpegError:
        channels = 1  # `iter_pcm` reports the unreadable file with a proper AudioError
    return "stereo" if channels >= 2 else "mono"


def _audio_packets(
    audio: Path, stream: av.audio.stream.AudioStream, layout: str, duration_s: float
) -> Iterator[tuple[Fraction, av.Packet]]:
    """Encode the original audio, cut or padded with silence to exactly `duration_s`."""
    wanted = round(duration_s * AUDIO_RATE)
    done = 0
    channels = av.AudioLayout(layout).nb_channels
    sample_tb = Fraction(1, AUDIO_RATE)

    def encode(block: np.ndarray | None) -> Iterator[tuple[Fraction, av.Packet]]:
        frame = None
        if block is not None:
            frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=layout)
            frame.sample_rate, frame.pts, frame.time_base = AUDIO_RATE, done, sample_tb
        for packet in stream.encode(frame):
            yield Fraction(packet.dts or 0) * packet.time_base, packet

    for block in iter_pcm(audio, AUDIO_RATE, layout, "fltp"):
        block = block[:, : wanted - done]
        if block.shape[1]:
            yield from encode(np.ascontiguousarray(block, dtype=np.float32))
            done += block.shape[1]
        if done >= wanted:
            break
    while done < wanted:
        size = min(wanted - done, AUDIO_RATE)  # pad in 1 s blocks
        yield from encode(np.zeros((channels, size), dtype=np.float32))
        done += size
    yield from encode(None)
