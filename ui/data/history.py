"""The History tab: the last few imports, and going back to one if a new file was wrong."""

from __future__ import annotations

import streamlit as st

from core.common.text import inert_markdown
from core.data import store
from core.data.store import DatasetInfo
from core.workspace.workspaces import WorkspaceInfo
from ui.feedback import user_errors
from ui.state import transaction


def _activate(ws: WorkspaceInfo, version: DatasetInfo) -> None:
    with user_errors():
        with transaction() as session:
            store.activate_version(session, ws.id, version.id)
        st.toast("Switched to the earlier import")
        st.rerun()


def show_history(ws: WorkspaceInfo, info: DatasetInfo | None) -> None:
    with transaction() as session:
        versions = store.history(session, ws.id)
    if not versions:
        st.info("No imports yet.")
        return
    st.caption("The last few imports are kept; switch back to one if a new file was wrong.")
    for version in versions:
        counts = " · ".join(f"{v:,} {k}" for k, v in version.row_counts.items())
        cols = st.columns([4, 1])
        active = info is not None and version.id == info.id
        cols[0].markdown(
            f"**{version.created_at:%Y-%m-%d %H:%M}** {'(active)' if active else ''}  \n"
            f"{counts}  \n"
        )
        by = f" · imported by {version.imported_by}" if version.imported_by else ""
        cols[0].caption(inert_markdown(version.source + by))
        if not active and cols[1].button("Use this", key=f"activate_{version.id}"):
            _activate(ws, version)
