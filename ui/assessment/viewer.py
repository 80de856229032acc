"""Who is looking at the assessment page: this run's access (ui.state.run_access), worked
out once per run by app.py.

A respondent arrives through a round's respondent link (?round=TOKEN, opened by ui/guest.py:
their access is Role.RESPONDENT on that one round) and, once joined, carries their personal
key in the address too (&me=KEY), so that they can come back and change their answers until
the round closes. A member of the round's workspace who opens such a link (with sign-in
configured, ui/session.py lets them in as themselves) answers that round as themselves. Anyone
else sees the members' view: owners and editors run rounds, viewers read them.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.access.identity import Access, Role
from core.common.errors import UserError
from core.common.link_params import link_token
from ui.feedback import show_error
from ui.guest import open_guest_link
from ui.state import current_workspace, run_access

ROUND_PARAM, ME_PARAM = "round", "me"


@dataclass(frozen=True)
class Respondent:
    """A person who came through a round's link: they reach that round and nothing else.

    `me_token` is their personal key, empty until they have joined.
    """

    round_id: int
    me_token: str = ""


def who_is_looking() -> Access | Respondent:
    """The respondent of the round their link names, or the member looking at their workspace.

    A personal key that cannot be a token (too long, not plain ASCII, a NUL byte) stops the
    page with a message naming that parameter before the database sees it.
    """
    access = run_access()
    round_id = access.round_id if access.role is Role.RESPONDENT else _members_round(access)
    if round_id is not None:
        try:
            me = link_token(
                st.query_params.get(ME_PARAM) or "", what="personal key", param=ME_PARAM
            )
        except UserError as exc:
            show_error(exc)
            st.stop()
        return Respondent(round_id, me)
    current_workspace()  # stops with what to do when the person has no workspace yet
    return access


def _members_round(access: Access) -> int | None:
    """The round of a respondent link a member opened in their own workspace, if any."""
    if not access.role.is_member or not st.query_params.get(ROUND_PARAM):
        return None
    opened = open_guest_link()  # opened once already this run (ui/session.py), so it opens
    if opened is None:
        return None
    link, _ = opened
    if link.kind != "respondent" or link.workspace_id != access.workspace_id:
        return None
    return link.round_id


def remember_me(me_token: str) -> None:
    """Put a respondent's key into the address: the page's address now brings them back."""
    st.query_params[ME_PARAM] = me_token
