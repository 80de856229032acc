"""The editor's tabs, and which part each shows to whom: editing parts only while `editable`,
the workshop controls and the import only to who may manage maps (owners and editors), notes
to all but viewers, other maps to compare with only to members.

What a tab costs is paid only where it buys something. The tabs track which one is open
(`TAB_KEY`), and every tab but two is drawn only while it is open: every click and every
live refresh of the room (one per change, on every screen) reruns the page, and the closed
tabs were over a third of each run. Two are drawn on every run because a widget that is not
drawn loses its state: the Map tab (the add and element forms, where people type during a
workshop) and the Workshop tab (a half-typed note, the facilitator's controls). The bulk
tables (Tables, Opportunities) are drawn while open and, once closed, for as long as they
hold an unsaved edit, which a look at another tab must not throw away. What the other tabs
hold is short or kept elsewhere: the map to compare with is remembered apart from its widget
(ui.journey.maps.other_map), and a version's label is one line.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core import journey as jm
from core.access.identity import Access
from core.access.roles import Action
from ui.journey.bulk import bulk, unsaved_edits
from ui.journey.exchange import exports, imports
from ui.journey.forms import add_form, editor
from ui.journey.graph import graph
from ui.journey.grid import grid
from ui.journey.lanes import lanes
from ui.journey.maps import other_map
from ui.journey.opportunities import KINDS as OPPORTUNITY_KINDS
from ui.journey.opportunities import PREFIX as OPPORTUNITY_PREFIX
from ui.journey.opportunities import opportunities, value_effort
from ui.journey.review import check, compare, history
from ui.journey.timeline import emotion, timeline
from ui.journey.toolbar import Lens
from ui.journey.workshop import facilitation, notes

TABS = [
    "Map",
    "Grid",
    "Lanes by role",
    "Tables",
    "Timeline & emotion",
    "Workshop",
    "Opportunities",
    "Check & compare",
    "History",
    "Export & import",
]
TAB_KEY = "journey_tab"
LAST_TAB_KEY = "journey_tab_last"
"""The tab last opened, kept outside the widget: the presenter view draws no tabs, and a
widget that is not drawn forgets its state, so leaving it would reopen the Map tab."""

Part = Callable[[], None]
ALWAYS = ("Map", "Workshop")
BULK_TABS = {
    "Tables": ("bulk", jm.MAP_KINDS),
    "Opportunities": (OPPORTUNITY_PREFIX, OPPORTUNITY_KINDS),
}
"""The tabs holding a bulk table: the prefix of its keys and the kinds it holds
(ui.journey.bulk)."""


def tabs(content: jm.MapContent, access: Access, lens: Lens, *, editable: bool) -> None:
    if not content.stages and not any(content.of(k) for k in jm.CHILD_KINDS):
        st.info(
            "This map is empty. Add the first stage below (e.g. Kickoff).", icon=":material/info:"
        )
    last = st.session_state.get(LAST_TAB_KEY)
    if TAB_KEY not in st.session_state and last in TABS:
        st.session_state[TAB_KEY] = last  # not `default=`: it is part of the widget's identity
    drawn = st.tabs(TABS, key=TAB_KEY, on_change="rerun")
    opened = next((label for label, tab in zip(TABS, drawn, strict=True) if tab.open), TABS[0])
    st.session_state[LAST_TAB_KEY] = opened
    views, widgets = _parts(content, access, lens, editable=editable)
    kept = {*ALWAYS, *holds_edits(content)}
    for label, tab in zip(TABS, drawn, strict=True):
        with tab:
            if label == opened and label in views:
                views[label]()
            if label in widgets and (label == opened or label in kept):
                widgets[label]()


def holds_edits(content: jm.MapContent) -> set[str]:
    """The closed tabs to draw all the same: a bulk table with an unsaved edit."""
    return {label for label, table in BULK_TABS.items() if unsaved_edits(content, *table)}


def _parts(
    content: jm.MapContent, access: Access, lens: Lens, *, editable: bool
) -> tuple[dict[str, Part], dict[str, Part]]:
    """What each tab draws, by its label: first its views (charts, files, tables of text,
    which hold nothing typed or chosen: drawn only while the tab is open), then its widgets
    (drawn while it is open, and always for the tabs in ALWAYS and the bulk tables that
    hold an unsaved edit)."""

    def tables() -> None:
        if editable:
            bulk(content, access, jm.MAP_KINDS)
        else:
            st.caption("Editing is closed for you right now.")

    def timeline_and_emotion() -> None:
        timeline(content)
        emotion(content, other_map(content, access, "emotion_compare"))

    def workshop() -> None:
        if access.facilitates:
            facilitation(content, access)
        if not access.read_only:
            notes(content, access)

    def export_and_import() -> None:
        exports(content, access)
        if access.may(Action.EDIT_JOURNEYS):
            imports(access)

    views: dict[str, Part] = {
        "Grid": lambda: grid(content, lens),
        "Lanes by role": lambda: lanes(content, lens),
        "Timeline & emotion": timeline_and_emotion,
        "Opportunities": lambda: value_effort(content),
        "Check & compare": lambda: check(content),
        "Export & import": export_and_import,
    }
    widgets: dict[str, Part] = {
        "Map": lambda: _map_tab(content, access, lens, editable=editable),
        "Tables": tables,
        "Workshop": workshop,
        "Opportunities": lambda: opportunities(content, access, editable=editable),
        "Check & compare": lambda: compare(content, access),
        "History": lambda: history(content, access, editable=editable),
    }
    return views, widgets


def _map_tab(content: jm.MapContent, access: Access, lens: Lens, *, editable: bool) -> None:
    graph(content, access, lens, editable=editable)
    if editable:
        add_form(content)
    elif content.info.locked and not access.read_only:
        st.info(
            "The facilitator has locked the map; you can still add notes and vote.",
            icon=":material/lock:",
        )
    editor(content, access, editable=editable)
