"""Presenter mode: the projector view of the map, large type and nothing to click by mistake."""

from __future__ import annotations

import streamlit as st

from core import journey as jm
from core.access.identity import Access
from ui.journey.graph import graph
from ui.journey.grid import grid
from ui.journey.timeline import emotion, timeline
from ui.journey.toolbar import Lens

PRESENTER_CSS = """
<style>
.wp-grid table {font-size: 1.35rem;}
[data-testid="stMainBlockContainer"] h1 {font-size: 3rem;}
[data-testid="stSidebar"] {display: none;}
</style>
"""


def projector_style() -> None:
    """Large type and no sidebar for the rest of the page."""
    st.html(PRESENTER_CSS)


def presenter(content: jm.MapContent, access: Access, lens: Lens) -> None:
    """The picture (laid out for the projector's width, in larger type), the grid and the
    curves. Nothing here invites an edit: the projector is for looking."""
    graph(content, access, lens, presenter=True)
    grid(content, lens, chrome=False)
    c1, c2 = st.columns(2)
    with c1:
        timeline(content)
    with c2:
        emotion(content, None)
