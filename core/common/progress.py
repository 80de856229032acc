"""How long work reports how far it got, so pages can draw a progress bar."""

from __future__ import annotations

from collections.abc import Callable

ProgressFn = Callable[[float, str], None]
"""Called with the share done (0 to 1) and a short sentence on what is happening now."""


def no_progress(_done: float, _what: str) -> None:
    """The default when nobody is watching."""
