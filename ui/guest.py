"""Guests: people who arrive through a link that reaches one thing (a map's workshop, a map
read-only, one assessment round) and nothing else.

The link's token is in the address (`link=`, or `round=` for an assessment, or the read-only
`view=` of links from before sign-in); a workshop participant's own identity is too (`me=`),
so a reload keeps who they are, their votes and their undo. Core decides what each may do.
"""

from __future__ import annotations

from typing import NoReturn

import streamlit as st
from sqlalchemy.orm import Session, sessionmaker

from core.access import links
from core.access.identity import Access
from core.access.links import GuestInfo, LinkInfo, PasscodeNeeded
from core.common.errors import UserError
from core.common.link_params import link_token
from core.db.engine import unit_of_work
from ui.feedback import show_error

LINK_PARAMS = ("link", "view", "round")
ME_PARAM = "me"
PASSCODE_KEY = "guest_passcode"
NAME_KEY = "guest_name"
PASSED_KEY = "guest_passcode_passed"


def link_in_address() -> tuple[str, str] | None:
    """The guest link's parameter and token, when the address carries one."""
    for param in LINK_PARAMS:
        raw = st.query_params.get(param)
        if raw:
            return param, raw
    return None


def open_guest_link() -> tuple[LinkInfo, GuestInfo | None] | None:
    """The link in the address and the guest it already knows; None when there is no link.
    A link that does not open stops the run with the reason (or asks for its passcode)."""
    found = link_in_address()
    if found is None:
        return None
    param, raw = found
    passcode = ""
    try:
        token = link_token(raw, what="link key", param=param)
        me = link_token(st.query_params.get(ME_PARAM) or "", what="personal key", param=ME_PARAM)
        # Tried once: a wrong passcode left here would be counted again at every rerun.
        passcode = str(st.session_state.pop(PASSCODE_KEY, "") or "")
        opened = _open(token, me, passcode)
    except PasscodeNeeded as exc:
        _join_form(str(exc) if passcode else "", passcode=True)
    except UserError as exc:
        _refused(exc)
    if passcode:
        st.session_state[PASSED_KEY] = True
    return opened


def as_guest(link: LinkInfo, guest: GuestInfo | None) -> Access:
    """A guest's Access. A workshop participant first says their name; anyone who typed a
    passcode gets their own identity too, so a reload does not ask for it again."""
    passed = st.session_state.pop(PASSED_KEY, False)
    if guest is None and (link.kind == "participant" or passed):
        guest = _join(link)
    return links.guest_access(link, guest)


def _factory() -> sessionmaker[Session]:
    from ui.state import app_factory

    return app_factory()


def _open(token: str, me: str, passcode: str) -> tuple[LinkInfo, GuestInfo | None]:
    with unit_of_work(_factory()) as session:
        return links.open_link(session, token, passcode=passcode, guest_token=me)


def _join(link: LinkInfo) -> GuestInfo:
    """A new workshop participant, once they have said the name their notes carry."""
    name = st.session_state.get(NAME_KEY)
    if name is None and link.kind == "participant":
        _join_form("", passcode=False)
    with unit_of_work(_factory()) as session:
        guest, me = links.join(session, link, str(name or ""))
    st.query_params[ME_PARAM] = me  # a reload now brings back the same person
    return guest


def _join_form(problem: str, *, passcode: bool) -> NoReturn:
    """The join screen: a name and, for a link that has one, its passcode; then a rerun."""
    _without_pages()
    st.title("Join" if not passcode else "This link needs its passcode")
    if problem:
        st.error(problem, icon=":material/lock:")
    with st.form("guest_join"):
        name = st.text_input("Your name (shown with your notes and changes)", max_chars=60)
        code = st.text_input("Passcode", type="password", max_chars=64) if passcode else ""
        if st.form_submit_button("Join", type="primary"):
            st.session_state[NAME_KEY] = name
            if passcode:
                st.session_state[PASSCODE_KEY] = code
            st.rerun()
    st.stop()
    raise AssertionError("st.stop ends the run")


def _without_pages() -> None:
    from ui.session import screen_without_pages

    screen_without_pages()


def _refused(exc: UserError) -> NoReturn:
    _without_pages()
    st.title("This link does not open")
    show_error(exc)
    st.stop()
    raise AssertionError("st.stop ends the run")
