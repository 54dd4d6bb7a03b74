"""Command line: the original SadTalker tool's flags, over `talkinghead.render`.

Every command line of the original README works unchanged. Errors in the
user's input print one line and exit 2; `--verbose` adds the traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__
from .api import render
from .errors import TalkingHeadError
from .events import NullSink, TerminalSink
from .settings import (
    DEFAULT_EXPRESSION_SCALE,
    DEFAULT_POSE_STYLE,
    DEFAULT_PREPROCESS,
    DEFAULT_SIZE,
    PREPROCESS_MODES,
    PRESETS,
    SIZES,
    settings_for,
)

EXIT_USAGE = 2
SAMPLES = Path(__file__).resolve().parent / "samples"
PROG = "talkinghead"


class _OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line (argparse prints the whole usage block by default)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def _preset_table() -> str:
    rows = [f"  {name:<13}" + ", ".join(f"{k}={v}" for k, v in values.items())
            for name, values in PRESETS.items()]
    return "presets (an explicit flag overrides its preset's value):\n" + "\n".join(rows)


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog=prog,
        description="Turn a portrait image and a speech recording into a talking-head MP4. "
                    "Runs locally on the CPU; no account or model download needed.",
        epilog=_preset_table(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    io = parser.add_argument_group("inputs and output")
    io.add_argument("--image", help="portrait image: PNG, JPEG, WebP, BMP or TIFF")
    io.add_argument("--audio", help="speech: any format FFmpeg reads (WAV, MP3, M4A, FLAC, "
                                    "OGG/Opus, or a video's audio track)")
    io.add_argument("--output", help="MP4 to write (its folder is created if missing)")
    io.add_argument("--demo", action="store_true",
                    help="use the bundled sample portrait and speech as --image and --audio")

    look = parser.add_argument_group("look and motion")
    look.add_argument("--preset", default="default", choices=list(PRESETS),
                      help="settings bundle, see the table below (default: %(default)s)")
    look.add_argument("--size", type=int, choices=SIZES, default=None,
                      help=f"face resolution for crop/resize output, in pixels "
                           f"(default: {DEFAULT_SIZE})")
    look.add_argument("--expression-scale", type=float, default=None, metavar="0.5-2.0",
                      help=f"expression intensity; higher is more animated "
                           f"(default: {DEFAULT_EXPRESSION_SCALE}, or the preset's)")
    look.add_argument("--pose-style", type=int, default=None, metavar="0-45",
                      help=f"head movement style (default: {DEFAULT_POSE_STYLE}, "
                           "or the preset's)")
    look.add_argument("--still", action="store_true", default=None,
                      help="keep the head almost still (default: off, or the preset's)")
    look.add_argument("--preprocess", choices=PREPROCESS_MODES, default=None,
                      help="crop: square face crop at --size; resize: whole image at --size "
                           "square; full: animate the face inside the original picture "
                           f"(default: {DEFAULT_PREPROCESS}, or the preset's)")
    look.add_argument("--no-enhance", action="store_true",
                      help="faster, slightly softer resampling (default: enhancement on)")
    look.add_argument("--seed", type=int, default=None,
                      help="seed for blinks and head motion (default: derived from the inputs)")

    run = parser.add_argument_group("running")
    run.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                     help="give up after this long (default: 4 min per audio minute + 2 min)")
    run.add_argument("--setup", action="store_true",
                     help="check that the local engine is ready, then exit")
    run.add_argument("--retrieve", metavar="JOB_ID",
                     help="fetch the result of an earlier job into --output")
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    run.add_argument("--verbose", action="store_true", help="show tracebacks on errors")
    run.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def main(argv: Sequence[str] | None = None, prog: str = PROG) -> int:
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    try:
        return _run(parser, args)
    except TalkingHeadError as error:
        if args.verbose:
            raise
        print(f"{prog}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; no output written", file=sys.stderr)
        return 130


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.setup:
        from .doctor import check_local_engine

        print(check_local_engine())
        return 0
    if args.retrieve:
        raise TalkingHeadError(
            f"cannot retrieve job {args.retrieve}: this version renders locally and keeps "
            "no job store yet; rerun the render instead")
    if args.demo:
        args.image = args.image or str(SAMPLES / "portrait.jpg")
        args.audio = args.audio or str(SAMPLES / "speech.ogg")
    missing = [flag for flag in ("image", "audio", "output") if not getattr(args, flag)]
    if missing:
        parser.error("missing " + ", ".join(f"--{m}" for m in missing))
    if args.timeout is not None and args.timeout <= 0:
        parser.error(f"--timeout must be a positive number of seconds, got {args.timeout:g}")
    settings = settings_for(
        args.preset,
        size=args.size,
        expression_scale=args.expression_scale,
        pose_style=args.pose_style,
        still=args.still,
        preprocess=args.preprocess,
        enhance=False if args.no_enhance else None,
        seed=args.seed,
    )
    sink = NullSink() if args.quiet else TerminalSink()
    result = render(args.image, args.audio, args.output, settings, sink=sink,
                    timeout_s=args.timeout if args.timeout is not None else "auto")
    if not args.quiet:
        print(f"wrote {result.output} ({result.width}x{result.height}, "
              f"{result.duration_s:.1f} s, rendered in {result.processing_s:.1f} s)",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
