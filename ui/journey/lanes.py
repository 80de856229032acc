"""The "Lanes by role" view: one row per role, the stages as columns, with CSV, SVG and PNG
downloads. Every cell's text is escaped (views.grid_html): labels are typed by participants."""

from __future__ import annotations

import streamlit as st

from core import journey as jm
from core.charts.export import svg_png
from core.common.downloads import csv_bytes
from core.journey import lanes as core_lanes
from core.journey import views
from ui.journey.files import MapFile, files_on_request
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
    _downloads(found, g, content, lens)


def _downloads(found: core_lanes.Lanes, g: views.Grid, content: jm.MapContent, lens: Lens) -> None:
    """The lanes as files, made when asked for (the PNG costs more than the page)."""
    name = content.info.name
    now = (content.info.id, content.info.version, tuple(lens.roles), tuple(lens.channels))
    files_on_request(
        "lanes_files",
        now,
        [
            MapFile(
                "Lanes as CSV",
                "lanes_csv",
                "journey-lanes.csv",
                "text/csv",
                lambda: csv_bytes(found.to_frame()),
            ),
            MapFile(
                "Lanes as SVG",
                "lanes_svg",
                "journey-lanes.svg",
                "image/svg+xml",
                lambda: views.grid_svg(g, f"{name}: lanes by role"),
            ),
            MapFile(
                "Lanes as PNG",
                "lanes_png",
                "journey-lanes.png",
                "image/png",
                lambda: svg_png(views.grid_svg(g, f"{name}: lanes by role")),
            ),
        ],
        label="Lanes as CSV, SVG or PNG",
    )
