"""Waypoint: entry point. Builds the navigation and the sidebar; every page is its own module."""

from pathlib import Path

import streamlit as st

from core.db.engine import DatabaseUnavailable
from ui.outage import show_outage
from ui.registry import PAGES
from ui.sidebar import workspace_switcher

# A local image: an icon from a font host would tell a third party who opened the app.
ICON = str(Path(__file__).resolve().parent / "assets" / "favicon.png")
st.set_page_config(page_title="Waypoint", page_icon=ICON, layout="wide")

navigation = st.navigation(
    [
        st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path, default=i == 0)
        for i, p in enumerate(PAGES)
    ]
)
try:
    workspace_switcher()
    navigation.run()
except DatabaseUnavailable as exc:
    show_outage(exc)
