"""Who is looking at the journey page: this run's Access, worked out once by app.py.

A member (signed in, or the local owner) sees the maps of the workspace they chose, in their
role: owners and editors facilitate, viewers read. A guest arrives through a link
(ui/guest.py, core.access.links): a workshop participant may edit unless the map is locked,
add notes and vote; a read-only guest only reads; both reach the one map their link names and
nothing else. Names come from sign-in or from joining through the link, never from a box on
this page.
"""

from __future__ import annotations

import streamlit as st

from core import journey as jm
from core.access.identity import Access
from ui.state import current_workspace, run_access


def resolve() -> Access:
    """The Access of this run (ui.state.run_access): a member's from their membership, a
    guest's from their link, with the link's map in `map_id`."""
    access = run_access()
    if not access.is_guest:
        current_workspace()  # stops with what to do when the person has no workspace yet
    return access


def actor(access: Access) -> jm.Actor:
    """The person as the journey's history knows them: a name, and whether a lock binds them."""
    return jm.Actor(access.actor, facilitator=access.facilitates)


def may_edit(access: Access, info: jm.MapInfo) -> bool:
    """Facilitators always; participants while the map is not locked; viewers never."""
    return not access.read_only and (access.facilitates or not info.locked)


def name_input(access: Access) -> None:
    """Who this screen acts as. Names come from sign-in or from joining through a link, so
    there is nothing to type; a guest sees the name their notes and changes carry."""
    if access.is_guest and not access.read_only:
        st.caption(f"You joined as **{_plain(access.actor)}**; your notes and changes carry it.")


def _plain(name: str) -> str:
    from core.common.text import inert_markdown

    return inert_markdown(name)
