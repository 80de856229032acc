"""What a shared link may carry in its address, checked before anything else reads it.

Links are typed, pasted and edited by people (and by anyone who wants to probe the server), so
their parameters can hold anything: 20-digit numbers that no database integer holds, passcodes
in another script that `hmac.compare_digest` refuses, NUL bytes that PostgreSQL refuses in a
string parameter. Every parameter a page reads from the URL passes through one of these
checks first, so an odd value ends in a sentence naming the parameter, never in an exception
from the database or the standard library.

The checks are about shape only (is this a possible id, a possible token); whether the id or
token exists is for the use case that looks it up.
"""

from __future__ import annotations

from core.common.errors import UserError

MAX_ID = 2**31 - 1
"""The largest id a link may name. Our ids are `Integer` primary keys, 32-bit on PostgreSQL,
and SQLAlchemy casts the parameter to the column's type (`%(pk)s::INTEGER`), so a larger id,
even one that fits 64 bits, makes PostgreSQL raise "integer out of range"."""
MAX_TOKEN = 128
"""Longer than every token and passcode we hand out (a round's token is 24 characters, a
map's read-only token 32, a passcode 6), short enough that nobody's odd link costs anything."""
_MAX_ID_CHARS = 32  # digits read at most: leading zeros allowed, no 5,000-digit int()


class LinkError(UserError):
    """A link's parameter that cannot be what the page expects, named for the person."""


def _invalid(what: str, param: str, rule: str) -> LinkError:
    return LinkError(f"This link is not valid. The {what} ({param}=…) {rule}.")


def link_id(raw: object, *, what: str, param: str) -> int:
    """The id in a link parameter: ASCII digits only, from 1 up to `MAX_ID`.

    `int()` alone would accept " 12 ", "1_000", "１２" (full-width digits) and numbers no
    database column holds, so the digits are checked first.
    """
    text = str(raw).strip() if raw is not None else ""
    if not text or len(text) > _MAX_ID_CHARS or not (text.isascii() and text.isdigit()):
        raise _invalid(what, param, f"must be a whole number from 1 to {MAX_ID}")
    value = int(text)
    if not 1 <= value <= MAX_ID:
        raise _invalid(what, param, f"must be a whole number from 1 to {MAX_ID}")
    return value


def link_token(raw: object, *, what: str, param: str) -> str:
    """A token or passcode from a link: printable ASCII (no spaces inside), at most
    `MAX_TOKEN` characters, with surrounding spaces (a careless paste) removed.

    Empty stays empty: whether a token is required is the caller's decision.
    """
    text = str(raw).strip() if raw is not None else ""
    if len(text) > MAX_TOKEN:
        raise _invalid(what, param, f"is longer than {MAX_TOKEN} characters")
    if not all("!" <= ch <= "~" for ch in text):
        raise _invalid(what, param, "may only hold letters, digits and punctuation of plain ASCII")
    return text
