"""Output formats: container, video and audio codec, and the options each needs.

- mp4: H.264 yuv420p + AAC, index at the front (`+faststart`): plays everywhere.
- webm: VP9 + Opus, for the web. No alt-ref (hidden) frames, so one packet is
  one frame and chunk parts join by stream copy like H.264 parts.
- mov: ProRes 422 (10-bit 4:2:2, intra-only) + AAC, for editors.

With an alpha channel (`--background transparent`): webm carries VP9 with alpha
(`yuva420p`: the alpha is a second VP9 stream in each block's additions, which
Chrome, Remotion and FFmpeg's libvpx decoder read), mov ProRes 4444 (`yuva444p10le`).
H.264 has no alpha, so mp4 has no such variant.

Every format keeps a fixed GOP with no content-driven keyframes, so each chunk
part starts with a keyframe and parts encoded alone join into one stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Final

from ..errors import SettingsError

GOP_SECONDS: Final = 2  # keyframe every 2 s: cheap seeking, small cost in size


@dataclass(frozen=True)
class OutputFormat:
    name: str
    suffix: str
    muxer: str
    video_codec: str
    pixel_format: str
    video_options: dict = field(default_factory=dict)
    audio_codec: str = "aac"
    audio_bitrate: int = 128_000  # bit/s; transparent for speech
    mux_options: dict = field(default_factory=dict)

    @property
    def has_alpha(self) -> bool:
        return self.pixel_format.startswith("yuva")


FORMATS: Final[dict[str, OutputFormat]] = {
    "mp4": OutputFormat(
        "mp4", ".mp4", "mp4", "libx264", "yuv420p",
        # veryfast: rendering, not encoding, dominates; crf 18: visually lossless face detail.
        {"preset": "veryfast", "crf": "18", "bf": "0", "x264-params": "scenecut=0"},
        mux_options={"movflags": "+faststart"}),
    "webm": OutputFormat(
        "webm", ".webm", "webm", "libvpx-vp9", "yuv420p",
        # Constant quality; realtime speed 8 keeps VP9 within the render budget on 2 cores.
        {"crf": "30", "b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1",
         "auto-alt-ref": "0", "lag-in-frames": "0"},
        audio_codec="libopus", audio_bitrate=96_000),
    "mov": OutputFormat(
        "mov", ".mov", "mov", "prores_ks", "yuv422p10le",
        {"profile": "2", "vendor": "apl0"},  # profile 2: ProRes 422 (standard)
        mux_options={"movflags": "+faststart"}),
}


ALPHA_FORMATS: Final[dict[str, OutputFormat]] = {
    "webm": replace(FORMATS["webm"], pixel_format="yuva420p"),
    "mov": replace(FORMATS["mov"], pixel_format="yuva444p10le",
                   video_options={"profile": "4", "vendor": "apl0"}),  # 4: ProRes 4444
}


def output_format(name: str, alpha: bool = False) -> OutputFormat:
    """The format called `name`, in its variant with an alpha channel if `alpha`."""
    formats = ALPHA_FORMATS if alpha else FORMATS
    if name not in formats:
        raise SettingsError(f"--format must be one of {', '.join(formats)}"
                            f"{' for a video with alpha' if alpha else ''}, got {name!r}")
    return formats[name]
