"""Attribution: how the touches before activation share its credit, under several models."""

from __future__ import annotations

import streamlit as st

from core.charts import scorecards as charts
from core.common.downloads import csv_bytes
from ui.charts import show_chart
from ui.scorecards.compute import attribution
from ui.scorecards.context import ScorecardsView

MODELS = {
    "linear": "Linear",
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "time_decay": "Time decay",
    "position_based": "Position-based",
    "markov": "Markov (removal effect)",
}


def show_attribution(view: ScorecardsView) -> None:
    table = attribution(view)
    if table.is_empty():
        st.info("No account activated in time yet, so there is no credit to share out.")
        return
    model = st.segmented_control(
        "Attribution model",
        list(MODELS),
        format_func=lambda m: MODELS[m],
        default="linear",
        key="sc_attr_model",
        required=True,
    )
    chosen = model or "linear"
    show_chart(
        charts.attribution_chart(table, chosen, f"Credit toward activation: {MODELS[chosen]}"),
        "attribution",
        "attribution",
    )
    st.caption(
        "Each activated account gives one credit to the touches in the 30 days before "
        "it activated; the models differ in how they split it."
    )
    st.download_button(
        "Download (CSV)", csv_bytes(table), "attribution.csv", "text/csv", key="sc_attr_csv"
    )
