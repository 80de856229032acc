"""The bar above the map (undo, presenter mode, follow, data) and the role/channel filters."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core import journey as jm
from core.access.identity import Access
from core.common.text import inert_markdown
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
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    with transaction() as s:
        pending = jm.next_undo(s, content.info.id)
    if editable and not st.session_state.get(PRESENTER_KEY):
        label = (
            f"Undo: {inert_markdown(shorten(pending.summary, 50))} "
            f"(by {inert_markdown(shorten(pending.who, 20))})"
            if pending
            else "Nothing to undo"
        )
        full = f"Undo: {inert_markdown(pending.summary)}" if pending else None
        if c1.button(
            label, key="journey_undo", disabled=pending is None, icon=":material/undo:", help=full
        ):
            change = pending.id if pending else None
            run(
                lambda s: jm.undo(s, content.info.id, actor(access), expected_change_id=change),
                "Undone",
            )
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
