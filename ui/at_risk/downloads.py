"""The CSV and Excel downloads under each table of the at-risk page."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.common.downloads import csv_bytes, excel_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_and_excel(
    frame: pl.DataFrame, stem: str, sheet: str, keys: tuple[str, str], *, icons: bool = False
) -> None:
    """Both files of the table as shown; the Excel file is built only when clicked."""
    csv_key, xlsx_key = keys
    d1, d2, _ = st.columns([1, 1, 4])
    d1.download_button(
        "Download CSV",
        csv_bytes(frame),
        f"{stem}.csv",
        "text/csv",
        key=csv_key,
        icon=":material/download:" if icons else None,
    )
    d2.download_button(
        "Download Excel",
        data=lambda: excel_bytes(frame, sheet),
        file_name=f"{stem}.xlsx",
        mime=XLSX,
        key=xlsx_key,
        on_click="ignore",
        icon=":material/table:" if icons else None,
    )
