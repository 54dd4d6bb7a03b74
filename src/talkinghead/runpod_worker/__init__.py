"""`python -m talkinghead.runpod_worker`: the RunPod serverless worker (`talkinghead[runpod]`).

All arguments go to the runpod SDK, so `python -m talkinghead.runpod_worker --rp_serve_api
--rp_api_port 8199` serves the SDK's local test API on that port, and with no
arguments inside a RunPod container it takes jobs from the endpoint's queue.
The handler is `talkinghead.runpod_worker.handler.handler`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    try:
        import runpod
    except ImportError:
        print("talkinghead.runpod_worker: the runpod SDK is missing: "
              "pip install 'talkinghead[runpod]'", file=sys.stderr)
        return 2
    from .handler import handler

    if argv is not None:
        sys.argv = [sys.argv[0], *argv]  # the SDK parses its own flags from sys.argv
    runpod.serverless.start({"handler": handler})
    return 0

