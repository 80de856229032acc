"""Demo data on demand: a made-up customer base, the same for the same size and seed, so a
workspace can be tried (or a workshop run) before any real export arrives."""

from __future__ import annotations

import streamlit as st

from core.data import store
from core.workspace.demo_workspace import demo_dataset
from core.workspace.workspaces import WorkspaceInfo
from ui.feedback import user_errors
from ui.state import transaction


def show_demo(ws: WorkspaceInfo) -> None:
    st.markdown("**Demo data**")
    st.caption("A realistic made-up customer base, the same every time for the same size and seed.")
    cols = st.columns([1, 1, 2])
    accounts = cols[0].number_input("Accounts", 100, 20_000, 2000, step=100, key="demo_accounts")
    seed = cols[1].number_input("Seed", 0, 10_000, 7, key="demo_seed")
    if cols[2].button("Load demo data into this workspace", key="demo_load"):
        with user_errors():
            with st.spinner("Generating and saving the demo data…"):
                demo = demo_dataset(int(accounts), int(seed))
                with transaction() as session:
                    store.save_dataset(
                        session, ws.id, demo, f"Demo data ({accounts} accounts, seed {seed})"
                    )
            st.toast("Demo data loaded")
            st.rerun()
