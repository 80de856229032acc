"""Waypoint: entry point. Builds the navigation and the sidebar; every page is its own module."""

import streamlit as st

from ui.sidebar import workspace_switcher

st.set_page_config(page_title="Waypoint", page_icon=":material/route:", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data"),
]

navigation = st.navigation(PAGES)
workspace_switcher()
navigation.run()
