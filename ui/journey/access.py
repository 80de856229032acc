"""Who is looking at the journey page, worked out once per run from the URL and the session.

Three ways in: the facilitator (the page as it is; owner of the workspace), participants
(?map=ID&code=PASSCODE: may edit unless the map is locked, add notes, vote) and executives
(?map=ID&view=TOKEN: read only). This is the one module of the page that reads the URL.
"""

from __future__ import annotations

import secrets

import streamlit as st

from core import journey as jm
from core.access.identity import Access, Role
from core.common.errors import UserError
from core.common.link_params import link_id, link_token
from core.journey import workshop
from core.journey.store import get_map
from core.workspace.workspaces import get_workspace
from ui.feedback import show_error
from ui.state import current_workspace, transaction

NAME_KEY = "journey_who"
VISITOR_KEY = "journey_voter"
_GRANTED = {"participant": Role.PARTICIPANT, "viewer": Role.GUEST_VIEWER}


def resolve() -> Access:
    """The Access of this run; a link that does not fit stops the page with the reason."""
    workspace = current_workspace()  # first: it also makes sure the page runs inside app.py
    params = st.query_params
    raw_map, code, token = params.get("map"), params.get("code", ""), params.get("view", "")
    if not raw_map or not (code or token):
        return Access(workspace.id, workspace.name, Role.OWNER, _name(Role.OWNER), _visitor())
    try:
        return _guest(raw_map, code, token)
    except UserError as exc:
        st.title("Journey maps")
        show_error(exc)
        st.stop()


def _guest(raw_map: str, code: str, token: str) -> Access:
    """A workshop link: the map it names, in the workspace that map belongs to.

    Every parameter is checked for shape (core.common.link_params) before the database sees
    it: a 20-digit map number, a non-ASCII passcode or a NUL byte ends in a message naming
    the parameter, not in an exception from the driver.
    """
    map_id = link_id(raw_map, what="map number", param="map")
    code = link_token(code, what="passcode", param="code")
    token = link_token(token, what="read-only key", param="view")
    with transaction() as s:
        role = _GRANTED[workshop.access(s, map_id, code=code, token=token)]
        workspace = get_workspace(s, get_map(s, map_id).workspace_id)
    return Access(workspace.id, workspace.name, role, _name(role), _visitor(), map_id=map_id)


def _name(role: Role) -> str:
    """The name typed into this session (see `name_input`), or what the role is called."""
    default = "Facilitator" if role is Role.OWNER else "Participant"
    return str(st.session_state.get(NAME_KEY) or default)


def _visitor() -> str:
    """One random token per browser session: dot votes are counted per visitor."""
    if VISITOR_KEY not in st.session_state:
        st.session_state[VISITOR_KEY] = secrets.token_hex(16)
    return str(st.session_state[VISITOR_KEY])


def actor(access: Access) -> jm.Actor:
    """The person as the journey's history knows them: a name, and whether a lock binds them."""
    return jm.Actor(access.actor, facilitator=access.facilitates)


def may_edit(access: Access, info: jm.MapInfo) -> bool:
    """The facilitator always; participants while the map is not locked; viewers never."""
    return not access.read_only and (access.facilitates or not info.locked)


def name_input(access: Access) -> None:
    """Where a person types the name their changes carry (a viewer changes nothing)."""
    if access.facilitates:
        st.sidebar.text_input(
            "Your name (shown in the history)",
            key=NAME_KEY,
            value=st.session_state.get(NAME_KEY, "Facilitator"),
        )
    elif not access.read_only:
        st.text_input("Your name (shown in the history)", key=NAME_KEY)
