"""The "Lanes by role" view: one row per role, the stages as columns, with CSV, SVG and PNG
downloads. Every cell's text is escaped (views.grid_html): labels are typed by participants."""

from __future__ import annotations

import streamlit as st

from core import journey as jm
from core.charts.export import svg_png
from core.common.downloads import csv_bytes
from core.journey import lanes as core_lanes
from core.journey import views
from ui.journey.grid import GRID_CSS
from ui.journey.toolbar import Lens


def lanes(content: jm.MapContent, lens: Lens) -> None:
    """The lanes of the map as the toolbar's role and channel filters show it."""
    found = core_lanes.lanes(content, roles=lens.roles, channels=lens.channels)
    if not found.columns:
        st.info("Add a stage to see the lanes.", icon=":material/info:")
        return
    st.caption(
        f"One lane per role; elements set to “Any role” are in the “{core_lanes.ALL_ROLES_LABEL}” "
        "lane. Opportunities have no stage or role and are not shown here."
    )
    g = found.to_grid()
    highlight = content.stage_name(lens.focus) if lens.focus is not None else None
    st.html(GRID_CSS + views.grid_html(g, highlight=highlight))
    _downloads(found, g, content.info.name)


def _downloads(found: core_lanes.Lanes, g: views.Grid, name: str) -> None:
    svg = views.grid_svg(g, f"{name}: lanes by role")
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "Lanes as CSV",
        csv_bytes(found.to_frame()),
        file_name="journey-lanes.csv",
        mime="text/csv",
        key="lanes_csv",
        icon=":material/download:",
    )
    c2.download_button(
        "Lanes as SVG",
        svg,
        file_name="journey-lanes.svg",
        mime="image/svg+xml",
        key="lanes_svg",
        icon=":material/download:",
    )
    c3.download_button(
        "Lanes as PNG",
        lambda: svg_png(svg),  # made when asked for: rendering costs more than the page
        file_name="journey-lanes.png",
        mime="image/png",
        key="lanes_png",
        icon=":material/download:",
    )
