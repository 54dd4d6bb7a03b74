"""Progress and notices flow through one sink, so that no stage prints.

Stages call `sink.stage(name, total)` and advance it; they report notices
(for example "3 faces found, using the largest") with `sink.notice(...)`.
The CLI picks a terminal sink; a worker or web page can pass its own.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol


class Stage(Protocol):
    def advance(self, n: int = 1) -> None: ...


class ProgressSink(Protocol):
    def stage(self, name: str, total: int | None = None) -> AbstractContextManager[Stage]: ...

    def notice(self, message: str) -> None: ...


class _NullStage:
    def advance(self, n: int = 1) -> None:
        pass


class NullSink:
    """Discards progress; notices still go to stderr so that they are never lost."""

    def __init__(self, notices_to_stderr: bool = True) -> None:
        self.notices_to_stderr = notices_to_stderr
        self.notices: list[str] = []

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Stage]:
        yield _NullStage()

    def notice(self, message: str) -> None:
        self.notices.append(message)
        if self.notices_to_stderr:
            print(f"talkinghead: {message}", file=sys.stderr)


class _TqdmStage:
    def __init__(self, bar: Any) -> None:  # a tqdm bar (tqdm has no type information)
        self._bar = bar

    def advance(self, n: int = 1) -> None:
        self._bar.update(n)


class TerminalSink(NullSink):
    """One tqdm bar per stage on stderr; silent when stderr is not a terminal."""

    def __init__(self, enabled: bool | None = None) -> None:
        super().__init__(notices_to_stderr=True)
        self.enabled = sys.stderr.isatty() if enabled is None else enabled

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Stage]:
        if not self.enabled:
            yield _NullStage()
            return
        from tqdm import tqdm

        # A stage without a count is one step: its bar fills when the stage ends.
        steps = total or 1
        with tqdm(total=steps, desc=f"{name:<8}", unit="frame" if total else "step",
                  leave=True, file=sys.stderr, dynamic_ncols=True) as bar:
            yield _TqdmStage(bar)
            if bar.n < steps:
                bar.update(steps - bar.n)
