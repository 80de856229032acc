"""A chart on a page, with the PNG and SVG downloads people take into their slides."""

from __future__ import annotations

import streamlit as st
from streamlit.elements.vega_charts import AltairChart

from core.charts.export import chart_png, chart_svg


def show_chart(chart: AltairChart, name: str, key: str) -> None:
    """Draw the chart; the downloads are rendered only when clicked (vl-convert is slow)."""
    st.altair_chart(chart, width="stretch")
    spec = chart.to_json()
    row = st.container(horizontal=True)
    row.download_button(
        "PNG",
        data=lambda: chart_png(spec),
        file_name=f"{name}.png",
        mime="image/png",
        key=f"{key}_png",
        on_click="ignore",
        icon=":material/image:",
    )
    row.download_button(
        "SVG",
        data=lambda: chart_svg(spec),
        file_name=f"{name}.svg",
        mime="image/svg+xml",
        key=f"{key}_svg",
        on_click="ignore",
        icon=":material/draw:",
    )
