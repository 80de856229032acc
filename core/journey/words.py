"""Small wording helpers for what the journey page says: counts with the right noun, and
labels shortened where a reader can still tell what they say."""

from __future__ import annotations

ELLIPSIS = "…"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`count` with its noun, e.g. "1 opportunity", "3 opportunities", "0 gaps": a room reads
    "1 opportunities" as a bug, so every count on the page goes through here."""
    if count == 1:
        return f"{count} {singular}"
    return f"{count} {plural_form or _plural_of(singular)}"


def _plural_of(noun: str) -> str:
    if noun.endswith("y") and noun[-2:-1] not in tuple("aeiou"):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def shorten(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut at a word boundary and ending in an ellipsis
    when it was cut; a single word longer than the limit is cut inside it (still marked)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: max(1, limit - 1)]
    if text[len(head)] != " " and " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:.-–—(") + ELLIPSIS
