"""The swimlane grid: stages as columns, kinds as rows, with SVG, PNG and CSV downloads."""

from __future__ import annotations

import streamlit as st

from core import journey as jm
from core.charts.export import svg_png
from core.common.downloads import csv_bytes
from core.common.palette import BLUE, ORANGE
from core.journey import views
from ui.journey.files import MapFile, files_on_request
from ui.journey.toolbar import Lens

GRID_CSS = f"""
<style>
.wp-grid {{overflow-x: auto;}}
.wp-grid table {{border-collapse: collapse; font-size: 0.85rem; min-width: 100%;}}
.wp-grid th, .wp-grid td {{border: 1px solid #d0d0d0; padding: 6px 8px; vertical-align: top;
  text-align: left; min-width: 180px;}}
.wp-grid thead th {{background: {BLUE}; color: #fff;}}
.wp-grid tbody th {{background: #f3f3f3; min-width: 120px;}}
.wp-grid .wp-focus {{outline: 3px solid {ORANGE}; outline-offset: -3px;}}
</style>
"""


def grid(content: jm.MapContent, lens: Lens, *, chrome: bool = True) -> None:
    """The grid; `chrome` adds the downloads (the presenter view leaves them out)."""
    g = views.grid(content, lens.reach)
    if not g.columns:
        st.info("Add a stage to see the grid.", icon=":material/info:")
        return
    highlight = content.stage_name(lens.focus) if lens.focus is not None else None
    st.html(GRID_CSS + views.grid_html(g, highlight=highlight))
    if chrome:
        _downloads(g, content, lens)


def _downloads(g: views.Grid, content: jm.MapContent, lens: Lens) -> None:
    """The grid as files, made when asked for: rendering the PNG alone took about a second
    of every click's run, for a file rarely asked for."""
    name = content.info.name
    now = (content.info.id, content.info.version, lens.reach is not None)
    files_on_request(
        "grid_files",
        now,
        [
            MapFile(
                "Grid as SVG",
                "grid_svg",
                "journey-grid.svg",
                "image/svg+xml",
                lambda: views.grid_svg(g, name),
            ),
            MapFile(
                "Grid as PNG",
                "grid_png",
                "journey-grid.png",
                "image/png",
                lambda: svg_png(views.grid_svg(g, name)),
            ),
            MapFile(
                "Grid as CSV",
                "grid_csv",
                "journey-grid.csv",
                "text/csv",
                lambda: csv_bytes(g.to_frame()),
            ),
        ],
        label="Grid as SVG, PNG or CSV",
    )
