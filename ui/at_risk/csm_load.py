"""CSM load: live accounts per CSM against the segment's coverage ratio."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core.charts import at_risk as charts
from ui.at_risk.compute import csm_load
from ui.at_risk.context import AtRiskContext
from ui.at_risk.downloads import csv_and_excel
from ui.charts import show_chart
from ui.scorecards.tables import EMPTY, column_config

STATUS_WORDS = {"over": "▲ Over", "within": "✓ Within", "under": "▼ Under"}
SHOWN = (
    "csm",
    "segment",
    "accounts",
    "status",
    "ratio_low",
    "ratio_high",
    "at_risk",
    "contract_value",
)


def show_csm_load(context: AtRiskContext) -> None:
    load = csm_load(context)
    if load.is_empty():
        st.info("No live account to count.")
        return
    shown = load.with_columns(
        pl.col("status").replace_strict(STATUS_WORDS, default="– No ratio set").alias("status")
    )
    show_chart(charts.csm_load_chart(load), "csm-load", "csm_load")
    st.dataframe(
        shown.select(SHOWN),
        hide_index=True,
        column_config=column_config(
            SHOWN, {"status": st.column_config.TextColumn("Against the segment ratio")}
        ),
        placeholder=EMPTY,
    )
    csv_and_excel(shown, "csm-load", "csm-load", ("load_csv", "load_xlsx"))
