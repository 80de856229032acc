"""Who is looking at the assessment page, worked out once from the address.

A respondent arrives through a round's link (?round=TOKEN) and, once joined, carries their
personal key in the address too (&me=KEY), so that they can come back and change their answers
until the round closes. Anyone else is the workspace's facilitator.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.access.identity import Access, Role
from core.common.errors import UserError
from core.common.link_params import link_token
from ui.feedback import show_error
from ui.state import current_workspace

ROUND_PARAM, ME_PARAM = "round", "me"


@dataclass(frozen=True)
class Respondent:
    """A person who came through a round's link: they reach that round and nothing else.

    `me_token` is their personal key, empty until they have joined.
    """

    round_token: str
    me_token: str = ""


def who_is_looking() -> Access | Respondent:
    """The respondent of the round in the address, or the owner of the current workspace.

    A link whose round or personal key cannot be a token (too long, not plain ASCII, a NUL
    byte) stops the page with a message naming that parameter before the database sees it.
    """
    round_token = st.query_params.get(ROUND_PARAM)
    if round_token:
        try:
            return _respondent(round_token, st.query_params.get(ME_PARAM) or "")
        except UserError as exc:
            show_error(exc)
            st.stop()
    ws = current_workspace()
    return Access(ws.id, ws.name, Role.OWNER, actor="Facilitator")


def _respondent(round_token: str, me_token: str) -> Respondent:
    """The link's two tokens, checked for shape (core.common.link_params)."""
    return Respondent(
        link_token(round_token, what="round key", param=ROUND_PARAM),
        link_token(me_token, what="personal key", param=ME_PARAM),
    )


def remember_me(me_token: str) -> None:
    """Put a respondent's key into the address: the page's address now brings them back."""
    st.query_params[ME_PARAM] = me_token
