"""The bar above the map (undo, redo, presenter mode, follow, data) and the role/channel
filters."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from core import journey as jm
from core.access.identity import Access
from core.common.text import inert_markdown
from core.journey.history import next_redo, redo
from core.journey.kinds import ROLE_LABELS
from core.journey.overlay import Overlay
from core.journey.words import shorten
from core.model.contract import CHANNELS, ROLES
from ui.journey.access import actor
from ui.journey.actions import run
from ui.state import transaction

PRESENTER_KEY = "journey_presenter"


@dataclass(frozen=True)
class View:
    """How this screen shows the map, as the toolbar's toggles set it."""

    presenter: bool
    follow: bool
    data: bool


@dataclass(frozen=True)
class Lens:
    """What the map is seen through: the roles and channels shown, reach from the data (or
    None), and the stage the facilitator is showing when this screen follows them."""

    roles: list[str]
    channels: list[str]
    reach: Overlay | None
    focus: int | None


def toolbar(content: jm.MapContent, access: Access, *, editable: bool) -> View:
    c1, c5, c2, c3, c4 = st.columns([3, 2, 2, 2, 2])
    with transaction() as s:
        pending = jm.next_undo(s, content.info.id)
        again = next_redo(s, content.info.id)
    if editable and not st.session_state.get(PRESENTER_KEY):
        _undo_button(c1, content, access, pending)
        _redo_button(c5, content, access, again)
    presenter = c2.toggle("Presenter mode", key=PRESENTER_KEY, value=access.read_only)
    follow = c3.toggle(
        "Follow the facilitator",
        key="journey_follow",
        value=not access.facilitates,
        help="Jump to the stage the facilitator is showing.",
    )
    data = not access.is_guest and c4.toggle(  # the workspace's data: members only
        "Show data",
        key="journey_overlay",
        value=False,
        help="Share of accounts reaching each milestone, from the loaded data.",
    )
    return View(presenter=presenter, follow=follow, data=data)


def _undo_button(
    where: DeltaGenerator, content: jm.MapContent, access: Access, pending: jm.ChangeInfo | None
) -> None:
    label = (
        f"Undo: {inert_markdown(shorten(pending.summary, 50))} "
        f"(by {inert_markdown(shorten(pending.who, 20))})"
        if pending
        else "Nothing to undo"
    )
    full = f"Undo: {inert_markdown(pending.summary)}" if pending else None
    if where.button(
        label, key="journey_undo", disabled=pending is None, icon=":material/undo:", help=full
    ):
        change = pending.id if pending else None
        run(
            lambda s: jm.undo(s, content.info.id, actor(access), expected_change_id=change),
            "Undone",
        )


def _redo_button(
    where: DeltaGenerator, content: jm.MapContent, access: Access, again: jm.ChangeInfo | None
) -> None:
    """Redo applies again what this person last undid, while they changed nothing since."""
    label = f"Redo: {inert_markdown(shorten(again.summary, 30))}" if again else "Nothing to redo"
    full = f"Redo: {inert_markdown(again.summary)}" if again else "Redo what you last undid."
    if where.button(
        label, key="journey_redo", disabled=again is None, icon=":material/redo:", help=full
    ):
        change = again.id if again else None
        run(
            lambda s: redo(s, content.info.id, actor(access), expected_change_id=change),
            "Redone",
        )


def filters(*, shown: bool) -> tuple[list[str], list[str]]:
    """The roles and channels to draw: all of them when the filters are hidden or emptied."""
    roles: list[str] = []
    channels: list[str] = []
    if shown:
        c1, c2 = st.columns(2)
        roles = c1.multiselect(
            "Roles",
            ["", *ROLES],
            default=["", *ROLES],
            key="filter_roles",
            format_func=lambda r: ROLE_LABELS[r],
        )
        channels = c2.multiselect(
            "Channels", list(CHANNELS), default=list(CHANNELS), key="filter_channels"
        )
    return roles or ["", *ROLES], channels or list(CHANNELS)


def focus(content: jm.MapContent, view: View) -> int | None:
    """The stage the facilitator is showing, for screens that follow them."""
    return content.info.presenting_stage_id if view.follow else None
