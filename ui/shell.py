"""Keeps every run going through app.py, even though our page modules live in `pages/`.

Streamlit still has a legacy mode for apps with a `pages/` folder: until st.navigation has
run once in the server process, a first request for /data runs pages/data.py on its own,
with an automatic menu and without app.py (so no workspace switcher), and the mode then
sticks. Each page calls `ensure_app_shell()` first: if the page was started the legacy
way, it switches the mode off and reruns, which goes through app.py and st.navigation.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure_app_shell() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
