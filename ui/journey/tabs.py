"""The editor's tabs, and which part each shows to whom: editing parts only while `editable`,
the workshop controls and the import only to who may manage maps (owners and editors), notes
to all but viewers, other maps to compare with only to members."""

from __future__ import annotations

import streamlit as st

from core import journey as jm
from core.access.identity import Access
from core.access.roles import Action
from ui.journey.bulk import bulk
from ui.journey.exchange import exports, imports
from ui.journey.forms import add_form, editor
from ui.journey.graph import graph
from ui.journey.grid import grid
from ui.journey.maps import other_map
from ui.journey.opportunities import opportunities
from ui.journey.review import check, compare, history
from ui.journey.timeline import emotion, timeline
from ui.journey.toolbar import Lens
from ui.journey.workshop import facilitation, notes

TABS = [
    "Map",
    "Grid",
    "Tables",
    "Timeline & emotion",
    "Workshop",
    "Opportunities",
    "Check & compare",
    "History",
    "Export & import",
]


def tabs(content: jm.MapContent, access: Access, lens: Lens, *, editable: bool) -> None:
    if not content.stages and not any(content.of(k) for k in jm.CHILD_KINDS):
        st.info(
            "This map is empty. Add the first stage below (e.g. Kickoff).", icon=":material/info:"
        )
    drawn = st.tabs(TABS)
    with drawn[0]:
        _map_tab(content, access, lens, editable=editable)
    with drawn[1]:
        grid(content, lens)
    with drawn[2]:
        if editable:
            bulk(content, access, jm.MAP_KINDS)
        else:
            st.caption("Editing is closed for you right now.")
    with drawn[3]:
        timeline(content)
        emotion(content, other_map(content, access, "emotion_compare"))
    with drawn[4]:
        if access.facilitates:
            facilitation(content, access)
        if not access.read_only:
            notes(content, access)
    with drawn[5]:
        opportunities(content, access, editable=editable)
    with drawn[6]:
        check(content)
        compare(content, access)
    with drawn[7]:
        history(content, access, editable=editable)
    with drawn[8]:
        exports(content, access)
        if access.may(Action.EDIT_JOURNEYS):
            imports(access)


def _map_tab(content: jm.MapContent, access: Access, lens: Lens, *, editable: bool) -> None:
    graph(content, access, lens)
    if editable:
        add_form(content, access)
    elif content.info.locked and not access.read_only:
        st.info(
            "The facilitator has locked the map; you can still add notes and vote.",
            icon=":material/lock:",
        )
    editor(content, access, editable=editable)
