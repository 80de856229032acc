"""How big a journey map may be: what an import (or a copy) is checked against before a row
is written.

A workshop map has tens of elements; these limits sit far above any real map and far below
what would hold the database's write lock for long. An import is checked in one pass and
written in two statements' worth of batches, so the largest allowed map imports in seconds.
"""

from __future__ import annotations

from core.journey.kinds import MAX_NAME, MAX_TEXT

MAX_FILE_BYTES = 10 * 1024 * 1024  # a JSON or Excel map file
MAX_STAGES = 5_000
MAX_PER_KIND = 10_000  # milestones, touchpoints, signals, risks, opportunities, each
MAX_ELEMENTS = 25_000  # all kinds together
MAX_NAME_LENGTH = MAX_NAME  # names, owners, events: 200 characters
MAX_TEXT_LENGTH = MAX_TEXT  # goals, pain points, plays: 5,000 characters


def limit_for(kind: str) -> int:
    return MAX_STAGES if kind == "stage" else MAX_PER_KIND


def describe() -> str:
    """The limits in one sentence, for messages and the README."""
    return (
        f"at most {MAX_STAGES:,} stages, {MAX_PER_KIND:,} of each other kind and "
        f"{MAX_ELEMENTS:,} elements in all, names up to {MAX_NAME_LENGTH} characters and "
        f"longer texts up to {MAX_TEXT_LENGTH:,}, in a file of up to "
        f"{MAX_FILE_BYTES // 1024 // 1024} MB"
    )
