"""What is loaded: row counts, date ranges, accounts per segment and the event catalogue."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.charts.data import accounts_per_segment_chart
from core.common.downloads import csv_bytes
from core.common.text import inert_markdown
from core.data.overview import DataSummary
from core.data.store import DatasetInfo
from core.model.contract import TABLES
from core.model.dataset import Dataset
from ui.charts import draw_chart
from ui.state import data_key, overview


def _summary(info: DatasetInfo, summary: DataSummary) -> None:
    cols = st.columns(4)
    for col, table in zip(cols, TABLES, strict=True):
        col.metric(table.capitalize(), f"{summary.row_counts[table]:,}")
    st.markdown(
        f"Events from **{summary.first_event}** to **{summary.last_event}** · onboarding "
        f"starts from **{summary.first_start}** to **{summary.last_start}** · "
        f"**{summary.churned:,}** accounts have a churn date."
    )
    st.caption(f"Loaded {info.created_at:%Y-%m-%d %H:%M} UTC from {inert_markdown(info.source)}")


def _segments(per_segment: pl.DataFrame) -> None:
    st.markdown("**Accounts per segment**")
    draw_chart(accounts_per_segment_chart(per_segment))
    st.dataframe(
        per_segment,
        hide_index=True,
        column_config={
            "contract_value": st.column_config.NumberColumn("Contract value", format="$%,.0f"),
        },
    )


def _catalogue(catalogue: pl.DataFrame) -> None:
    st.markdown(f"**Event catalogue** · {len(catalogue)} distinct events")
    st.dataframe(
        catalogue,
        hide_index=True,
        height=360,
        column_config={
            "events": st.column_config.NumberColumn("Events", format="%,d"),
            "accounts": st.column_config.NumberColumn("Accounts", format="%,d"),
            "first_seen": st.column_config.DateColumn("First seen"),
            "last_seen": st.column_config.DateColumn("Last seen"),
        },
    )
    st.download_button(
        "Download the event catalogue (CSV)",
        csv_bytes(catalogue),
        file_name="event-catalogue.csv",
        mime="text/csv",
        key="download_catalogue",
    )


def show_overview(info: DatasetInfo | None, dataset: Dataset) -> None:
    if info is None or dataset.is_empty:
        st.info(
            "Nothing is loaded in this workspace yet. Use **Import** to upload your tables or "
            "to load the demo data.",
            icon=":material/info:",
        )
        return
    summary, per_segment, catalogue = overview(data_key(info))
    _summary(info, summary)
    left, right = st.columns([2, 3])
    with left:
        _segments(per_segment)
    with right:
        _catalogue(catalogue)
