"""The one escaper: user text shows as itself wherever Markdown is rendered."""

from __future__ import annotations

import pytest

from core.common.text import inert_markdown, one_line


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Mid-Market", "Mid-Market"),
        ("qbr_completed", "qbr_completed"),
        ("Note: 10:30", "Note: 10:30"),
        ("![x](http://elsewhere/a.png)", "\\!\\[x\\](http\u2060\\://elsewhere/a.png)"),
        # Bare URLs and addresses: GFM links them after escapes are resolved (autolink
        # literals), so an invisible word joiner breaks the scheme, "www." and "@".
        ("see HTTPS://x.invalid/", "see HTTPS\u2060\\://x.invalid/"),
        ("www.x.invalid", "www\u2060.x.invalid"),
        ("ana@x.invalid", "ana@\u2060x.invalid"),
        (":red[alarm]", "\\:red\\[alarm\\]"),
        (":material/delete:", "\\:material/delete:"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("$x^2$", "\\$x^2\\$"),
        ("# big", "\\# big"),
        ("- item", "\\- item"),
        ("1. first", "1\\. first"),
        ("_em_ *strong*", "\\_em\\_ \\*strong\\*"),
        ("a | b", "a \\| b"),
        ("&lt;b&gt;", "\\&lt;b\\&gt;"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_markup_is_escaped_and_plain_text_left_alone(typed: str, shown: str):
    assert inert_markdown(typed) == shown


def test_one_line_flattens_and_caps():
    assert one_line("a\nb\t\x00c   d") == "a b c d"
    assert one_line("x" * 10, limit=5) == "xxxx…"
    assert one_line(None) == ""
    assert inert_markdown("[" * 10, limit=4) == "\\[\\[\\[…"
