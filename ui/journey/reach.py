"""Map meets data: how many of the workspace's accounts reach each milestone and stage.

Members only: the workspace's customer data lies outside what a guest's link reaches."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core import journey as jm
from core.access.identity import Access
from core.common.text import inert_markdown
from core.journey.overlay import Overlay, overlay
from core.workspace.workspaces import get_workspace
from ui.state import current_dataset, plan, transaction


def reach(content: jm.MapContent, access: Access, *, show: bool) -> Overlay | None:
    """The overlay when the data toggle is on, a member looks and the workspace has data;
    else None."""
    if not show or access.is_guest:
        return None
    info, data = current_dataset(access.workspace_id)
    if info is None:
        st.info(
            "No customer data in this workspace yet: load it on the Data page to see "
            "how many accounts reach each milestone.",
            icon=":material/info:",
        )
        return None
    result = overlay(content, data, plan(access.workspace_id), _pinned_as_of(access))
    st.caption(
        f"Map meets data: {inert_markdown(result.accounts_note)} Labels show the share of "
        "accounts that reached each milestone (and its stage) and the median days from start."
    )
    return result


def _pinned_as_of(access: Access) -> date | None:
    """The workspace's pinned analysis date (the overlay is drawn for members only)."""
    if access.is_guest:
        return None
    with transaction() as s:
        return get_workspace(s, access.workspace_id).as_of
