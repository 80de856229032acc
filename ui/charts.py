"""A chart on a page, with the PNG and SVG downloads people take into their slides."""

from __future__ import annotations

import altair as alt
import streamlit as st
from streamlit.elements.vega_charts import AltairChart

from core.charts.export import chart_png, chart_svg

# Altair checks every part of a chart against the Vega-Lite schema as it is built, and the
# whole chart again when it is drawn: on a Scorecards rerun the building checks cost about
# 0.2 s for six charts. The check when it is drawn (st.altair_chart) stays, so a chart that
# breaks the schema still fails on its page and in the page tests.
alt.utils.schemapi.disable_debug_mode()


def show_chart(chart: AltairChart, name: str, key: str) -> None:
    """Draw the chart; the downloads are made only when clicked (writing the chart's spec
    costs 0.05 s a chart on every rerun, vl-convert far more)."""
    st.altair_chart(chart, width="stretch")
    row = st.container(horizontal=True)
    row.download_button(
        "PNG",
        data=lambda: chart_png(chart.to_json()),
        file_name=f"{name}.png",
        mime="image/png",
        key=f"{key}_png",
        on_click="ignore",
        icon=":material/image:",
    )
    row.download_button(
        "SVG",
        data=lambda: chart_svg(chart.to_json()),
        file_name=f"{name}.svg",
        mime="image/svg+xml",
        key=f"{key}_svg",
        on_click="ignore",
        icon=":material/draw:",
    )
