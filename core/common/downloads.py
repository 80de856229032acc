"""Downloads of what users see, safe to open in a spreadsheet: THE rule for every CSV we write.

Uploaded and typed values are hostile until proven otherwise: a cell such as =HYPERLINK(...)
or -2+3+cmd|' /C calc'!A0 from an import would run as a formula when a colleague opens our CSV
in Excel. As OWASP recommends, a text cell that starts with =, +, -, @, a tab or a carriage
return is prefixed with an apostrophe. Numbers stay numbers: number columns are never
touched, and neither is a text cell that is exactly a plain number (-5, +1.5, 2e3), which a
spreadsheet reads as that number and nothing else.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def neutralise_text(text: str) -> str:
    """One cell by the rule (for values that are not in a frame)."""
    if text.startswith(FORMULA_START) and not pl.Series([text]).str.contains(_PLAIN_NUMBER)[0]:
        return "'" + text
    return text


def _neutralised(column: pl.Expr) -> pl.Expr:
    risky = column.str.contains(_FORMULA_PATTERN) & ~column.str.contains(_PLAIN_NUMBER)
    return pl.when(risky).then(pl.lit("'") + column).otherwise(column)


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column (also categorical ones) by the rule; other columns as they are."""
    text = [n for n, t in frame.schema.items() if t in (pl.String, pl.Categorical) or t == pl.Enum]
    return frame.with_columns(_neutralised(pl.col(n).cast(pl.String)).alias(n) for n in text)


def csv_bytes(frame: pl.DataFrame) -> bytes:
    return neutralise_formulas(frame).write_csv().encode("utf-8")


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """A CSV file for people (the command line's --out), by the same rule as a download."""
    neutralise_formulas(frame).write_csv(path)


def excel_bytes(frame: pl.DataFrame, sheet: str = "data") -> bytes:
    buffer = io.BytesIO()
    neutralise_formulas(frame).write_excel(buffer, worksheet=sheet, autofit=True)
    return buffer.getvalue()
