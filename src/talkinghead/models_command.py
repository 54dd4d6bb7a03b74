"""`talkinghead models download sadtalker`: fetch an optional engine's published weights.

Kept out of cli.py so that the main command line stays about rendering; cli.py
hands `models ...` arguments here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import TalkingHeadError


def build_parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="manage optional engines' weights")
    commands = parser.add_subparsers(dest="command", required=True)
    get = commands.add_parser("download", help="fetch an engine's published checkpoint files")
    get.add_argument("engine", choices=["sadtalker"])
    get.add_argument("--checkpoints", metavar="DIR", default=None,
                     help="where to put them (default: $TALKINGHEAD_SADTALKER_CHECKPOINTS, "
                          "else ~/.cache/talkinghead/sadtalker)")
    get.add_argument("--size", choices=["256", "512", "all"], default="all",
                     help="which bundle(s): each is about 700 MB")
    get.add_argument("--gfpgan", action="store_true", help="also the optional GFPGAN weights")
    get.add_argument("--mirror", metavar="URL", default=None,
                     help="fetch from this base address instead of the release pages "
                          "(the same file names under it)")
    get.add_argument("--quiet", action="store_true")
    return parser


def main(argv: Sequence[str], prog: str = "talkinghead models") -> int:
    args = build_parser(prog).parse_args(list(argv))
    from .engines.sadtalker.checkpoints import checkpoint_directory
    from .engines.sadtalker.download import fetch, sadtalker_files

    directory = checkpoint_directory(args.checkpoints)
    sizes = (256, 512) if args.size == "all" else (int(args.size),)
    try:
        for file in sadtalker_files(sizes, args.gfpgan):
            url = f"{args.mirror.rstrip('/')}/{file.name}" if args.mirror else None
            result = fetch(file, directory, url, None if args.quiet else _progress)
            if not args.quiet:
                state = "already there" if result.reused else "downloaded"
                print(f"\r{file.name}: {state}, sha256 {result.sha256}", file=sys.stderr)
    except TalkingHeadError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return e.exit_code
    print(directory)
    return 0


def _progress(name: str, done: int, total: int | None) -> None:
    if total:
        print(f"\r{name}: {done / 1e6:.0f} / {total / 1e6:.0f} MB", end="", file=sys.stderr)
