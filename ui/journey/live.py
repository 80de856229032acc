"""Live refresh: every screen in the room redraws when anyone changes the map, and shows the
room itself (the stage being shown, the timer, who is here).

Every second a fragment asks for the map's live state in one small query
(core.journey.room.live_state), records that this person has the map open and reads who else
does (core.journey.presence: a read each, a write at most every 15 s per person). Only when
the map's revision moved on does the whole page run again and load the map; before, each poll
loaded the whole map (seven queries) to compare one number.
"""

from __future__ import annotations

import streamlit as st

from core import journey as jm
from core.access.identity import Access
from core.access.roles import Action
from core.common.errors import UserError
from core.journey import presence
from core.journey.room import LiveState, live_state
from ui.feedback import show_error
from ui.journey.room import big_timer, presenting_banner, room_list, room_style
from ui.journey.toolbar import PRESENTER_KEY
from ui.state import run_access, transaction

REVISION_KEY = "journey_rev"
POLL_SECONDS = 1
"""How often a screen looks for a newer revision: at 2 s, the last of sixteen screens showed
an edit 3.4 s after it was made (benchmarks/workshop.py), over the 2 s the room is promised."""


def live_bar(content: jm.MapContent) -> None:
    """Remember the revision this run drew, show the room's state, then keep polling for a
    newer revision (and who is here)."""
    access = run_access()
    st.session_state[REVISION_KEY] = content.info.version
    room_style()
    presenting_banner(content)
    presenter = st.session_state.get(PRESENTER_KEY, access.read_only)
    big_timer(content.info, presenter=bool(presenter))
    _poll(content.info.id)


@st.fragment(run_every=POLL_SECONDS)
def _poll(map_id: int) -> None:
    """Polls the map's live state every second; a change by anyone reruns this screen."""
    try:
        with transaction() as s:
            state = live_state(s, map_id)
            presence.heartbeat(s, map_id)
            people = presence.who_is_here(s, map_id)
    except UserError as exc:
        show_error(exc)
        return
    if state.version != st.session_state.get(REVISION_KEY):
        st.session_state[REVISION_KEY] = state.version
        st.rerun(scope="app")
    st.caption(" · ".join(status(state, run_access())))
    with st.container(key="live_room"):
        st.caption(room_list(people))


def status(state: LiveState, access: Access) -> list[str]:
    """The revision, and whether the map is open for edits, said only to who may edit it
    (members who edit and participants): a read-only viewer never may, whatever the lock."""
    bits = [f"Revision {state.version}"]
    if access.may(Action.EDIT_MAP_CONTENT):
        if not state.locked:
            bits.append("Open for edits")
        elif access.facilitates:
            bits.append("Locked for participants (you can still edit)")
        else:
            bits.append("Locked by the facilitator")
    return bits
