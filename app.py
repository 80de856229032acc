"""Waypoint: entry point. Works out who is looking, then builds the navigation their role
allows and the sidebar; every page is its own module."""

from pathlib import Path

import streamlit as st

from core.db.engine import DatabaseUnavailable
from ui.outage import show_outage
from ui.session import start_run

# A local image: an icon from a font host would tell a third party who opened the app.
ICON = str(Path(__file__).resolve().parent / "assets" / "favicon.png")
st.set_page_config(page_title="Waypoint", page_icon=ICON, layout="wide")

try:
    start_run(ICON).run()
except DatabaseUnavailable as exc:
    show_outage(exc)
