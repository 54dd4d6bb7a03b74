#!/usr/bin/env python3
"""Drop-in for the original SadTalker RunPod tool: same flags, rendered locally by talkinghead."""

import sys
from pathlib import Path

try:
    from talkinghead.cli import main
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    from talkinghead.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="sadtalker.py"))
