"""The top of the page: its title, the name a person acts under, the map this screen shows
(picked by a member of the workspace, fixed by a guest's link) and the live bar under it."""

from __future__ import annotations

import streamlit as st

from core import journey as jm
from core.access.identity import Access
from core.common.text import inert_markdown
from ui.journey.access import name_input
from ui.journey.actions import flash
from ui.journey.live import live_bar
from ui.journey.maps import choose_map
from ui.state import transaction


def open_map(access: Access) -> jm.MapContent | None:
    """The map as loaded for this run; None while the member's workspace has none. A guest
    never lists the workspace's maps: their link names the one map they see."""
    if not access.is_guest:
        st.title("Journey maps" + (" (read only)" if access.read_only else ""))
        name_input(access)
        chosen = choose_map(access)
        if chosen is None:
            return None
        map_id = chosen.id
    else:
        st.title("Journey map" + (" (read only)" if access.read_only else " · workshop"))
        name_input(access)
        if access.map_id is None:  # a guest's Access always names the map of their link
            raise RuntimeError("a guest's Access has no map")
        map_id = access.map_id
    with transaction() as s:
        content = jm.load(s, map_id)
    if access.is_guest:
        st.subheader(inert_markdown(content.info.name))
    live_bar(content)
    flash()
    return content
