"""Expansion-ready accounts: seats nearly used up, an expansion event, or several teams."""

from __future__ import annotations

import streamlit as st

from ui.at_risk.compute import expansion
from ui.at_risk.context import AtRiskContext
from ui.at_risk.downloads import csv_and_excel
from ui.scorecards.tables import EMPTY, column_config


def show_expansion(context: AtRiskContext) -> None:
    table = expansion(context)
    if table.is_empty():
        st.info("No live account shows an expansion signal on this date.")
        return
    st.metric(
        "Expansion-ready accounts",
        f"{len(table):,}",
        help="Seats nearly used up, an expansion event, or two or more teams active",
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config=column_config(
            table.columns,
            {
                "seat_share": st.column_config.ProgressColumn(
                    "Seats used", min_value=0, max_value=1, format="percent"
                )
            },
        ),
        placeholder=EMPTY,
    )
    csv_and_excel(table, "expansion-ready", "expansion", ("ex_csv", "ex_xlsx"))
