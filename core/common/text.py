"""User text made inert: the one escaper for every place that renders Markdown.

Streamlit renders labels, captions, toasts, alerts and `st.markdown` as Markdown with its own
extensions (`:red[...]` colours, `:material/icon:` icons, emoji shortcodes, `$...$` maths),
and our Markdown downloads are read in viewers that render links and images. Anything a
person typed or uploaded (workspace, segment, map, round and respondent names, file names,
CSM names, values from a file) goes through `inert_markdown` before it reaches either, so it
shows as the text it is: no image that makes a viewer's browser fetch a third party's
address, no link (a bare URL or address included), no colour, no icon, no HTML.

The escape is as light as safety allows, so a downloaded file stays readable: characters that
only mean something at the start of a line (`#`, `-`, `+`, `1.`) are escaped only there, an
underscore only where it could start or end emphasis, and a colon only where it could open a
Streamlit directive, an emoji or a URL scheme. HTML contexts use `html.escape` instead.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Always literal: emphasis, code, links and images, HTML, tables, strikethrough, maths, and
# the braces of attribute syntax.
_ALWAYS = re.compile(r"([\\`*\[\]|~$!{}])")
# An underscore that is not inside a word (qbr_completed stays as it is).
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# A colon that could open a directive (:red[, :material/x:), an emoji (:smile:) or a scheme.
_COLON = re.compile(r":(?=[A-Za-z/\[])")
# An entity (&lt;, &#60;) would turn into the character it names.
_AMPERSAND = re.compile(r"&(?=[#A-Za-z])")
# What GFM links without any brackets ("autolink literals": http://, https://, www., an
# e-mail address). Streamlit's renderer finds them in the text after escapes are resolved,
# so a backslash cannot stop them; a WORD JOINER (U+2060, invisible, not a character a URL
# or an address may hold) after the scheme, the "www" or the "@" does.
_AUTOLINK = re.compile(r"(?i)https?(?=:)|www(?=\.)|@(?=[-\w])")
WORD_JOINER = "\u2060"
# Block syntax at the start of the text: headings, lists, numbered lists, rules.
_BLOCK_MARK = re.compile(r"^(\s*)([#+=-])")
_NUMBERED = re.compile(r"^(\s*\d+)([.)])")


def one_line(text: object, limit: int | None = None) -> str:
    """User text on one line: control characters and line breaks become spaces, runs of
    whitespace one space, and the length is capped with an ellipsis. None is empty."""
    flat = " ".join(_CONTROL.sub(" ", "" if text is None else str(text)).split())
    if limit is not None and len(flat) > limit:
        return flat[: limit - 1] + "…"
    return flat


def inert_markdown(text: object, limit: int | None = None) -> str:
    """`text` as one line that any Markdown renderer, Streamlit's included, shows literally."""
    value = one_line(text, limit)
    value = _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, value)
    value = _ALWAYS.sub(r"\\\1", value)
    value = _UNDERSCORE.sub(r"\\_", value)
    value = _COLON.sub(r"\\:", value)
    value = _AMPERSAND.sub(r"\\&", value)
    # Angle brackets as entities rather than backslash escapes: every renderer, including
    # ones that pass raw HTML through, then shows them as text.
    value = value.replace("<", "&lt;").replace(">", "&gt;")
    value = _BLOCK_MARK.sub(r"\1\\\2", value)
    return _NUMBERED.sub(r"\1\\\2", value)
