"""Data: see what is loaded, import files, set the analysis date and the segment targets.

Routing only: each tab lives in ui/data/ and gets the workspace and the data it shows.
"""

from ui.app_shell import keep_app_shell

keep_app_shell()  # first: a legacy-mode start reruns through app.py

import streamlit as st

from ui.data import presets_tab
from ui.data.analysis_date import show_analysis_date
from ui.data.demo import show_demo
from ui.data.history import show_history
from ui.data.importer import show_import
from ui.data.overview import show_overview
from ui.data.segments import show_segments
from ui.state import current_dataset, current_workspace

ws = current_workspace()
info, dataset = current_dataset(ws.id)

st.title("Data")

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
