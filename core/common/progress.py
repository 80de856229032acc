"""How long work reports how far it got, so pages can draw a progress bar and the command
line can show one line of progress on a terminal."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO

ProgressFn = Callable[[float, str], None]
"""Called with the share done (0 to 1) and a short sentence on what is happening now."""

QUIET_FOR_S = 1.0  # a run shorter than this shows no progress at all
REDRAW_EVERY_S = 0.2
_ERASE_LINE = "\r\x1b[K"


def no_progress(_done: float, _what: str) -> None:
    """The default when nobody is watching."""


class CommandProgress(Protocol):
    """A ProgressFn that can also erase what it drew (before the command prints a line)."""

    def __call__(self, done: float, what: str) -> None: ...

    def clear(self) -> None: ...


class TerminalProgress:
    """One line on a terminal, redrawn in place: `[ 42%] Checking events.parquet`.

    Nothing is drawn before the run has lasted QUIET_FOR_S (a quick command prints only its
    result) nor more often than every REDRAW_EVERY_S; `clear` erases the line so that what
    the command prints next starts on a clean line.
    """

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream, self.clock = stream, clock
        self.started = clock()
        self.drawn_at: float | None = None
        self.shown = False

    def __call__(self, done: float, what: str) -> None:
        now = self.clock()
        if now - self.started < QUIET_FOR_S:
            return
        if self.drawn_at is not None and now - self.drawn_at < REDRAW_EVERY_S:
            return
        share = min(max(done, 0.0), 1.0)
        self.stream.write(f"{_ERASE_LINE}[{share:4.0%}] {what}")
        self.stream.flush()
        self.drawn_at, self.shown = now, True

    def clear(self) -> None:
        if self.shown:
            self.stream.write(_ERASE_LINE)
            self.stream.flush()
        self.drawn_at, self.shown = None, False


class _Silent:
    """What a command reports to when its stderr is a file or a pipe: nothing."""

    def __call__(self, done: float, what: str) -> None:
        no_progress(done, what)

    def clear(self) -> None:
        """Nothing was drawn."""


@contextmanager
def terminal_progress(stream: TextIO) -> Iterator[CommandProgress]:
    """Progress for a command line: drawn on `stream` only when it is a terminal (so tests,
    pipes and log files stay exactly as they were), erased when the block ends."""
    isatty = getattr(stream, "isatty", None)
    on_terminal = isatty is not None and isatty()
    progress: CommandProgress = TerminalProgress(stream) if on_terminal else _Silent()
    try:
        yield progress
    finally:
        progress.clear()
