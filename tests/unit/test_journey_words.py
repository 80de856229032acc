"""Counts and shortened labels on the journey page read as words (issue 16, item 7)."""

from __future__ import annotations

from core.journey.words import plural, shorten


def test_plural_uses_the_singular_for_one_only():
    assert plural(1, "opportunity") == "1 opportunity"
    assert plural(2, "opportunity") == "2 opportunities"
    assert plural(0, "gap") == "0 gaps"
    assert plural(1, "signal & trigger", "signals & triggers") == "1 signal & trigger"
    assert plural(3, "signal & trigger", "signals & triggers") == "3 signals & triggers"
    assert plural(2, "day") == "2 days"


def test_shorten_cuts_at_a_word_boundary_with_an_ellipsis():
    text = "changed touchpoint “Welcome call for administrators” (owner_team)"
    short = shorten(text, 40)
    assert len(short) <= 40
    assert short.endswith("…")
    assert text.startswith(short[:-1])
    assert text[len(short) - 1] == " "  # the cut falls between two words
    assert shorten("short label", 40) == "short label"
    assert shorten("Supercalifragilistic", 8) == "Superca…"
