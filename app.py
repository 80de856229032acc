"""Waypoint: entry point. Builds the navigation and the sidebar; every page is its own module."""

import streamlit as st

from ui.registry import PAGES
from ui.sidebar import workspace_switcher

st.set_page_config(page_title="Waypoint", page_icon=":material/route:", layout="wide")

navigation = st.navigation(
    [
        st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path, default=i == 0)
        for i, p in enumerate(PAGES)
    ]
)
workspace_switcher()
navigation.run()
