"""The workspace's analysis date: follow the latest event, or pin a date every page uses."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.data.store import DatasetInfo
from core.workspace import workspaces
from core.workspace.workspaces import WorkspaceInfo
from ui.feedback import user_errors
from ui.state import transaction


def _save(ws: WorkspaceInfo, as_of: date | None, done: str) -> None:
    with user_errors():
        with transaction() as session:
            workspaces.set_as_of(session, ws.id, as_of)
        st.toast(done)
        st.rerun()


def show_analysis_date(ws: WorkspaceInfo, info: DatasetInfo | None) -> None:
    latest = info.last_event_at.date() if info and info.last_event_at else None
    pinned = ws.as_of is not None
    st.subheader("Analysis date")
    st.caption(
        "Every page computes its numbers as of this date: later events are ignored and "
        "accounts that start later are left out. By default it follows the latest event."
    )
    use_latest = st.toggle(
        f"Use the latest event date ({latest or 'no events yet'})",
        value=not pinned,
        key="as_of_follow_latest",
    )
    if use_latest:
        if pinned:
            _save(ws, None, "Analysis date follows the latest event again")
        return
    chosen = st.date_input(
        "Analysis date", value=ws.as_of or latest or date.today(), key="as_of_date"
    )
    if chosen != ws.as_of:
        _save(ws, chosen, f"Analysis date set to {chosen}")
