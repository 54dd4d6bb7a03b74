"""Measures of a rendered video, taken from its frames by landmark detection.

Used by the end-to-end tests and benchmarks: they judge what a viewer sees,
not the motion curves that drove it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from talkinghead.errors import NoFaceError
from talkinghead.face.landmarks import FaceGeometry, detect_face

INNER_LIP_PAIRS = ((61, 67), (62, 66), (63, 65))


@dataclass(frozen=True)
class VideoFacts:
    video_codec: str
    pixel_format: str
    width: int
    height: int
    fps: float
    frames: int
    video_s: float
    audio_codec: str | None
    audio_s: float | None
    faststart: bool  # the index (moov) precedes the media data (mdat)


def video_facts(path: str | Path) -> VideoFacts:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        frames = sum(1 for _ in container.decode(video))
        # WebM keeps durations on the container, not the streams.
        container_s = container.duration / av.time_base if container.duration else None
        video_s = (float(video.duration * video.time_base) if video.duration
                   else frames / float(video.average_rate))
        audio_s = None
        if audio:
            audio_s = float(audio.duration * audio.time_base) if audio.duration else container_s
        facts = (video.codec_context.name, video.codec_context.pix_fmt, video.width,
                 video.height, float(video.average_rate), frames, video_s,
                 audio.codec_context.name if audio else None, audio_s)
    boxes = top_level_boxes(path)
    faststart = "moov" in boxes and "mdat" in boxes and boxes.index("moov") < boxes.index("mdat")
    return VideoFacts(*facts, faststart=faststart)


def top_level_boxes(path: str | Path) -> list[str]:
    """Types of the MP4's top-level boxes, in file order (ftyp, moov, mdat, ...)."""
    kinds = []
    with open(path, "rb") as f:
        while header := f.read(8):
            if len(header) < 8:
                break
            size, kind = int.from_bytes(header[:4], "big"), header[4:].decode("latin-1")
            if size == 1:  # 64-bit size follows
                size = int.from_bytes(f.read(8), "big") - 8
            elif size == 0:  # runs to the end of the file
                kinds.append(kind)
                break
            kinds.append(kind)
            f.seek(size - 8, 1)
    return kinds


def video_frames(path: str | Path) -> Iterator[np.ndarray]:
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="rgb24")


def video_frames_rgba(path: str | Path) -> Iterator[np.ndarray]:
    """Decoded frames as RGBA. WebM's VP9 alpha is a second stream in the blocks' additions,
    which only the libvpx decoder reads (FFmpeg's own vp9 decoder drops it)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.metadata.get("alpha_mode") == "1":
            decoder = av.CodecContext.create("libvpx-vp9", "r")
            for packet in container.demux(stream):
                if packet.dts is None:
                    continue
                for frame in decoder.decode(packet):
                    yield frame.to_ndarray(format="rgba")
            return
        for frame in container.decode(stream):
            yield frame.to_ndarray(format="rgba")


def mouth_opening(frame: np.ndarray) -> float:
    """Inner-lip gap over the inter-ocular distance; NaN where no face is found.

    Closed mouths measure about 0 to 0.05; speech opens to 0.1 to 0.4.
    """
    try:
        return opening_of(detect_face(frame))
    except NoFaceError:
        return float("nan")


def mouth_openings(frames: Iterable[np.ndarray], detect_every: int = 1) -> np.ndarray:
    """`mouth_opening` of each frame. With `detect_every` n, the face is detected on every
    n-th frame only (NaN where none is found) and the frames between take their landmarks in
    the box of the last detection: the head moves a few pixels at most in a few frames, and the
    detector takes nearly all the time (more than a second a frame where only dlib's CNN finds
    the face)."""
    values: list[float] = []
    box = None
    for k, frame in enumerate(frames):
        if box is None or k % detect_every == 0:
            try:
                face = detect_face(frame)
                box = face.box
            except NoFaceError:
                values.append(float("nan"))
                box = None
                continue
        else:
            face = landmarks_in(frame, box)
        values.append(opening_of(face))
    return np.array(values)


def opening_of(face: FaceGeometry) -> float:
    """The mouth opening of a face's landmarks: inner-lip gap / inter-ocular distance."""
    gap = np.mean([np.linalg.norm(face.points[lo] - face.points[up])
                   for up, lo in INNER_LIP_PAIRS])
    return float(gap / face.interocular)


def landmarks_in(frame: np.ndarray, box: tuple[float, float, float, float]) -> FaceGeometry:
    """The 68 landmarks of the face in `box` of `frame`, without detecting it."""
    import dlib

    from talkinghead.face.landmarks import landmark_predictor

    rect = dlib.rectangle(*(round(v) for v in box))
    shape = landmark_predictor()(np.ascontiguousarray(frame), rect)
    points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
    return FaceGeometry(points=points, box=box)


def face_positions(frames) -> np.ndarray:
    """Eye-midpoint per frame in pixels (NaN where no face), for head-motion measures."""
    out = []
    for frame in frames:
        try:
            right, left = detect_face(frame).eye_centers
            out.append((right + left) / 2)
        except NoFaceError:
            out.append((np.nan, np.nan))
    return np.array(out)
