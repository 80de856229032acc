"""Live refresh: every screen in the room redraws when anyone changes the map."""

from __future__ import annotations

import streamlit as st

from core import journey as jm
from core.common.errors import UserError
from core.common.text import inert_markdown
from core.journey import workshop
from ui.feedback import show_error
from ui.state import transaction

REVISION_KEY = "journey_rev"


def live_bar(content: jm.MapContent) -> None:
    """Remember the revision this run drew, then keep polling for a newer one."""
    st.session_state[REVISION_KEY] = content.info.version
    _poll(content.info.id)


@st.fragment(run_every=2)
def _poll(map_id: int) -> None:
    """Polls the map's revision every 2 s; a change by anyone reruns this screen."""
    try:
        with transaction() as s:
            content = jm.load(s, map_id)
    except UserError as exc:
        show_error(exc)
        return
    info = content.info
    if info.version != st.session_state.get(REVISION_KEY):
        st.session_state[REVISION_KEY] = info.version
        st.rerun(scope="app")
    st.caption(" · ".join(_status(content)))


def _status(content: jm.MapContent) -> list[str]:
    info = content.info
    bits = [f"Revision {info.version}"]
    bits.append("Locked by the facilitator" if info.locked else "Open for edits")
    if info.presenting_stage_id is not None:
        bits.append(
            f"Showing stage: {inert_markdown(content.stage_name(info.presenting_stage_id))}"
        )
    left = workshop.timer_left(info.timer_started_at, info.timer_minutes)
    if left is not None:
        bits.append(
            f"Timer: {left // 60:02d}:{left % 60:02d} left" if left else "Timer: time is up"
        )
    return bits
