"""Downloads of what users see, safe to open in a spreadsheet.

Uploaded values are hostile until proven otherwise: a cell such as =HYPERLINK(...) from an
import would run as a formula when a colleague opens our CSV in Excel, so text cells that
start like a formula are prefixed with an apostrophe.
"""

from __future__ import annotations

import io

import polars as pl

_FORMULA_START = r"^(?:[=+@\t\r]|-[^0-9.])"


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_FORMULA_START))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text_columns
    )


def csv_bytes(frame: pl.DataFrame) -> bytes:
    return neutralise_formulas(frame).write_csv().encode("utf-8")


def excel_bytes(frame: pl.DataFrame, sheet: str = "data") -> bytes:
    buffer = io.BytesIO()
    neutralise_formulas(frame).write_excel(buffer, worksheet=sheet, autofit=True)
    return buffer.getvalue()
