"""`talkinghead serve`: the command line of the web page.

The main CLI hands `serve` and what follows it to `main(argv)` here, which
returns the exit status: 0 after Ctrl-C, 2 with one line on stderr for bad
options, a busy port, a missing `ui` extra or an unwritable job store.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from ..errors import TalkingHeadError
from . import DEFAULT_HOST, DEFAULT_MAX_UPLOAD_MB, DEFAULT_PORT

EXIT_USAGE = 2


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def build_parser(prog: str = "talkinghead serve") -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog=prog,
        description="Serve the local web page: drop a portrait and a voice-over, pick a preset, "
                    "watch the render and download the clip. Renders are jobs of the same job "
                    "store as the command line's.")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to listen on (default: %(default)s, this machine only; "
                             "any other address requires the token printed at start)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="port (default: %(default)s; 0 picks a free one)")
    parser.add_argument("--token", default=None,
                        help="access token to require (default: a new random one when --host is "
                             "not a loopback address, none on loopback)")
    parser.add_argument("--workers", type=int, default=None,
                        help="parallel chunk renderers per render (default: the number of cores, "
                             f"{os.cpu_count()} here)")
    parser.add_argument("--max-renders", type=int, default=1,
                        help="renders at once; the rest wait in a fair queue (default: "
                             "%(default)s, as one talkinghead command)")
    parser.add_argument("--max-upload-mb", type=float, default=DEFAULT_MAX_UPLOAD_MB,
                        help="largest file a visitor may upload, refused before it is stored "
                             "(default: %(default)g)")
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "talkinghead serve") -> int:
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be from 0 to 65535, got {args.port}")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.max_renders < 1:
        parser.error("--max-renders must be at least 1")
    if args.max_upload_mb <= 0:
        parser.error("--max-upload-mb must be positive")
    if args.token is not None and not args.token.strip():
        parser.error("--token must not be empty")
    try:
        from .app import serve

        serve(args.host, args.port, args.token, workers=args.workers,
              max_renders=args.max_renders, max_upload_mb=args.max_upload_mb)
    except TalkingHeadError as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
