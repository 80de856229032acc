"""A chart on a page, with the PNG and SVG downloads people take into their slides."""

from __future__ import annotations

from typing import Any

import altair as alt
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.elements.vega_charts import AltairChart, _altair_globals_lock, _to_arrow_dataset

from core.charts.export import chart_png, chart_svg

# Altair checks every part of a chart against the Vega-Lite schema as it is built, and
# `st.altair_chart` checks the whole chart again (`to_dict()`) on every rerun: 40-55 ms of CPU
# for the six charts of a Scorecards rerun, more than half of what drawing them costs. Pages
# draw with `draw_chart` instead, which skips both; the schema check runs in the tests
# (tests/unit/test_chart_schema.py validates every chart builder of core/charts), so a chart
# that breaks the schema still fails the suite.
alt.utils.schemapi.disable_debug_mode()

_ARROW = "to_arrow_dataset"
# Streamlit's own data transformer (the frame as Arrow IPC bytes under a content hash), under
# the name Streamlit registers it with on every `st.altair_chart`: registering it once here
# adds nothing new to Altair's registry.
alt.data_transformers.register(_ARROW, _to_arrow_dataset)


def vega_lite_spec(chart: AltairChart) -> dict[str, Any]:
    """The spec `st.altair_chart` would send for the chart, built without the schema check.

    Same spec and same data (Arrow) as Streamlit's own conversion, so the chart looks the
    same; tests/unit/test_ui_charts.py checks them equal for every chart builder, and would
    catch a Streamlit upgrade that changes the conversion (the two private names imported
    above would fail at import).

    Why no theme switch and why Streamlit's lock: Streamlit runs each session in a thread,
    and Altair's active theme and data transformer are process globals, which
    `st.altair_chart` (any code in the process may call it) switches under Streamlit's
    module lock. The theme needs no global: with `top_level=False` in the context Altair adds no
    theme at all (nor `$schema` and the data sets, added back here), which is what Streamlit
    gets by switching "default" to "none" (whose 300 px view would fight width="stretch";
    Streamlit's own theme is applied in the browser). The data cannot avoid the global:
    Altair passes every frame of every layer through the active data transformer, and
    replacing the frames beforehand would lose what it infers untyped fields from
    (`tooltip=["segment"]`). So the conversion enables Streamlit's Arrow transformer inside
    Streamlit's own lock, as `st.altair_chart` does: without the lock, another session's
    switch could send this chart's data into that session's chart.
    """
    inline: dict[str, Any] = {}  # data given as values (Altair's empty one for a chart without)
    arrow: dict[str, Any] = {}  # every frame, as Arrow bytes (Streamlit's transformer)
    with _altair_globals_lock, alt.data_transformers.enable(_ARROW, datasets=arrow):
        spec = chart.to_dict(validate=False, context={"top_level": False, "datasets": inline})
    spec["$schema"] = alt.SCHEMA_URL
    spec["datasets"] = {**inline, **arrow}
    return spec


def draw_chart(chart: AltairChart, where: DeltaGenerator | None = None) -> None:
    """Draw an Altair chart as `st.altair_chart(chart, width="stretch")` would, in `where`
    (a column or container; the page itself by default), without its schema check."""
    spec = vega_lite_spec(chart)
    if where is None:
        st.vega_lite_chart(spec=spec, width="stretch")
    else:
        where.vega_lite_chart(spec=spec, width="stretch")


def show_chart(chart: AltairChart, name: str, key: str) -> None:
    """Draw the chart; the downloads are made only when clicked (writing the chart's spec
    costs 0.05 s a chart on every rerun, vl-convert far more)."""
    draw_chart(chart)
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
