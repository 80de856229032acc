"""Data: see what is loaded, import files, set the analysis date and the segment targets.

Routing only: each tab lives in ui/data/ and gets the workspace and the data it shows.
Owners only: the navigation shows the page to no one else, and someone else who types its
address is told so and sees nothing (core refuses them anyway).
"""

from ui.app_shell import keep_app_shell

keep_app_shell()  # first: a legacy-mode start reruns through app.py

import streamlit as st

from ui.data import presets_tab
from ui.data.analysis_date import show_analysis_date
from ui.data.demo import show_demo
from ui.data.empty import may_import
from ui.data.history import show_history
from ui.data.importer import show_import
from ui.data.overview import show_overview
from ui.data.segments import show_segments
from ui.state import current_dataset, current_workspace, run_access

ws = current_workspace()
access = run_access()

st.title("Data")
if not may_import(access):
    st.info(
        f"As {'an' if access.role.label[0] in 'aeiou' else 'a'} {access.role.label} of this "
        "workspace you cannot import data, change the active "
        "data version, the analysis date or the segment targets: the Data page is for the "
        "workspace's owners. Ask one of them.",
        icon=":material/lock:",
    )
    st.stop()

info, dataset = current_dataset(ws.id)

show_analysis_date(ws, info)
overview_tab, importer, other_tools, segments, history = st.tabs(
    ["Overview", "Import", "From other tools", "Segments", "History"]
)
with overview_tab:
    show_overview(info, dataset)
with importer:
    show_import(ws, dataset)
    st.divider()
    show_demo(ws)
with other_tools:
    presets_tab.render(ws, dataset)
with segments:
    show_segments(ws, dataset)
with history:
    show_history(ws, info)
