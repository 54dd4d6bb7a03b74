"""Split a job's frames into chunks of about `chunk_seconds`, cut in pauses where there are any.

The audio is never cut: it is muxed once from the original file at the end.
Cutting the video in a pause only matters for a chunk that is re-rendered
alone; it makes any difference at the join fall where the face is at rest.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from .store import Chunk

DEFAULT_CHUNK_SECONDS = 45.0  # the original tool's chunk length: the longest a chunk gets
# On this machine's cores, shorter audio is cut into this many chunks, so that every core of a
# laptop draws frames (a chunk costs an encoder start, a fraction of a second of frames; the
# portrait is prepared once per worker process, not per chunk), but none shorter than
# MIN_SPREAD_SECONDS: audio under twice that stays one chunk, drawn without worker processes.
SPREAD_CHUNKS = 8
MIN_SPREAD_SECONDS = 5.0
PAUSE_SEARCH_S = 3.0  # look this far either side of a nominal boundary for a quiet frame
MIN_CHUNK_SECONDS = 0.5


def spread_chunk_seconds(duration_s: float, longest_s: float = DEFAULT_CHUNK_SECONDS) -> float:
    """The chunk length for audio this long rendered on local cores (see SPREAD_CHUNKS): at
    most `longest_s`. It depends on the audio alone, not on the number of cores, so that the
    same inputs make the same chunks, and the same video, on any machine."""
    if duration_s < 2 * MIN_SPREAD_SECONDS:
        return longest_s
    return min(longest_s, max(MIN_SPREAD_SECONDS, duration_s / SPREAD_CHUNKS))


def plan_chunks(frames: int, fps: int, chunk_seconds: float,
                loudness: np.ndarray | None = None) -> tuple[Chunk, ...]:
    """Chunks covering frames 0..frames; `loudness` (per frame, any scale) picks the cuts."""
    if chunk_seconds < MIN_CHUNK_SECONDS:
        raise ValueError(f"chunk length must be at least {MIN_CHUNK_SECONDS} s")
    nominal = max(1, round(chunk_seconds * fps))
    search = round(PAUSE_SEARCH_S * fps)
    cuts = [0]
    while frames - cuts[-1] > nominal + nominal // 4:  # no tiny last chunk
        target = cuts[-1] + nominal
        cuts.append(_quietest_near(target, search, loudness, cuts[-1], frames))
    cuts.append(frames)
    return tuple(Chunk(i, a, b) for i, (a, b) in enumerate(pairwise(cuts)))


def _quietest_near(target: int, search: int, loudness: np.ndarray | None, after: int,
                   frames: int) -> int:
    if loudness is None or len(loudness) < frames:
        return target
    low = max(after + 1, target - min(search, target // 4))
    high = min(frames - 1, target + search)
    window = np.asarray(loudness[low:high + 1], dtype=np.float64)
    if window.size == 0:
        return target
    quietest = np.flatnonzero(window <= window.min() + 1e-9)
    # Among equally quiet frames, the one nearest the nominal boundary.
    best = quietest[np.argmin(np.abs(quietest + low - target))]
    return int(best + low)
