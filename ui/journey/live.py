"""Live refresh: every screen in the room redraws when anyone changes the map, and shows the
room itself (the stage being shown, the timer, who is here).

Every second a fragment asks, in one small query, for the map's live state and who has the
map open (core.journey.room.poll), and records that this person has it open (a write at most
every 15 s per person, core.journey.presence). Only when
the map's revision moved on does the whole page run again and load the map; before, each poll
loaded the whole map (seven queries) to compare one number. The server's watcher
(ui/journey/push.py) runs the same fragment at once when the map changes, so an edit reaches
the room without waiting for each browser's timer.
"""

from __future__ import annotations

import logging
import os

import streamlit as st

from core import journey as jm
from core.access.identity import Access
from core.access.roles import Action
from core.common.errors import UserError
from core.journey.room import LiveState, poll
from ui.feedback import show_error
from ui.journey import push
from ui.journey.room import big_timer, presenting_banner, room_list, room_style
from ui.journey.toolbar import PRESENTER_KEY
from ui.state import run_access, system_sessions, transaction

REVISION_KEY = "journey_rev"
_LOG = logging.getLogger(__name__)


def _poll_seconds(raw: str | None) -> float:
    """WAYPOINT_LIVE_POLL_SECONDS, if it is a number from 0.5 to 600; else 1, and the server's
    log says which value was refused and why (an operator's typo must not pass unseen)."""
    if raw is None or not raw.strip():
        return 1.0
    try:
        seconds = float(raw)
    except ValueError:
        seconds = float("nan")
    if 0.5 <= seconds <= 600:
        return seconds
    _LOG.warning(
        "WAYPOINT_LIVE_POLL_SECONDS=%r is not a number of seconds from 0.5 to 600; "
        "screens poll every second",
        raw,
    )
    return 1.0


POLL_SECONDS = _poll_seconds(os.environ.get("WAYPOINT_LIVE_POLL_SECONDS"))
"""How often a screen's browser looks for a newer revision (and says who is here). The
server's watcher (ui/journey/push.py) wakes a screen as soon as its map changes; this timer is
what remains when it cannot, and what keeps the room list current. At 2 s and without the
watcher, the last of sixteen screens showed an edit 3.4 s after it was made
(benchmarks/workshop.py). An operator may lengthen it to lighten a large room's traffic."""


def live_bar(content: jm.MapContent) -> None:
    """Remember the revision this run drew, show the room's state, then keep polling for a
    newer revision (and who is here)."""
    access = run_access()
    st.session_state[REVISION_KEY] = content.info.version
    push.drew(system_sessions, content.info.id, content.info.version)
    room_style()
    presenting_banner(content)
    presenter = st.session_state.get(PRESENTER_KEY, access.read_only)
    big_timer(content.info, presenter=bool(presenter))
    _poll(content.info.id)


@st.fragment(run_every=POLL_SECONDS)
def _poll(map_id: int) -> None:
    """Polls the map's live state every second (or at once when the server's watcher wakes
    it); a change by anyone reruns this screen."""
    push.refreshing()
    try:
        with transaction() as s:
            found = poll(s, map_id)
        state, people = found.state, found.people
    except UserError as exc:
        show_error(exc)
        return
    if state.version != st.session_state.get(REVISION_KEY):
        # REVISION_KEY moves only when a full run has drawn the map (live_bar): were this
        # rerun lost on the way, the next refresh would still see the screen behind.
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
