"""The top of every run: refuse an unsafe local mode, sign in, let a guest link in, and build
the navigation the person's role allows."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from core.access.identity import Access
from ui import identity
from ui.guest import as_guest, open_guest_link
from ui.registry import PAGES, guest_page, pages_for
from ui.sidebar import account_box, workspace_switcher
from ui.state import is_member, member_access, select_workspace, set_run_access


def start_run(icon: str) -> StreamlitPage:
    """Who is looking, worked out afresh for this run; the page to run for them."""
    set_run_access(None)
    if identity.local_mode_refused():
        _refuse_local_mode()
    access = resolve_access(icon)
    set_run_access(access)
    if access.is_guest:
        return _guest_navigation(access)
    person = identity.signed_in()
    assert person is not None  # resolve_access signed them in or stopped
    set_run_access(access, person)
    navigation = st.navigation(
        [
            st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path, default=i == 0)
            for i, p in enumerate(pages_for(access.role))
        ]
    )
    account_box(person)
    if access.workspace_id or access.is_admin:
        workspace_switcher()
    return navigation


def resolve_access(icon: str = "") -> Access:
    """Who acts in this run: a guest from the link in the address, or the signed-in member in
    the workspace they chose. With sign-in configured, a member who opens a guest link of one
    of their workspaces acts as themselves (in local mode a link always makes a guest: the
    local owner is everybody there). May stop the run with a sign-in, join or refusal screen."""
    opened = open_guest_link()
    if opened is not None:
        link, guest = opened
        person = identity.signed_in() if identity.auth_configured() else None
        if person is None or not is_member(person, link.workspace_id):
            return as_guest(link, guest)
        select_workspace(link.workspace_id)
    person = identity.signed_in()
    if person is None:
        _sign_in_screen(icon)
    return member_access(person)


def _guest_navigation(guest: Access) -> StreamlitPage:
    """One page, no menu: a guest reaches the one thing their link names.

    The page answers at its own address (`/journey?link=…`, `/assessment?round=…`); every
    other address (`/`, `/at_risk?link=…`) is a hop that opens it, link kept. Streamlit serves
    a default page at `/` only, and pops up "Page not found" for an address it does not know.
    """
    entry = guest_page(guest.role)
    page = st.Page(entry.path, title=entry.title, icon=entry.icon, url_path=entry.url_path)

    def hop() -> None:
        st.switch_page(page, query_params=st.query_params.to_dict())

    others = [p.url_path for p in PAGES if p.url_path != entry.url_path]
    return st.navigation([page, *_every_address(hop, others)], position="hidden")


def _every_address(run: Callable[[], None], paths: list[str]) -> list[StreamlitPage]:
    """`run` as the default page and at each of `paths`, so no address pops up "Page not
    found" (one function per page: Streamlit tells callable pages apart by their name)."""

    def at(path: str) -> Callable[[], None]:
        def page() -> None:
            run()

        page.__name__ = f"at_{path or 'start'}"
        return page

    default = st.Page(at(""), title="Waypoint", url_path="start", default=True)
    return [default, *(st.Page(at(p), title="Waypoint", url_path=p) for p in paths)]


def screen_without_pages() -> None:
    """Before a screen that stops the run (sign-in, refusal, a guest's join form): a hidden
    navigation of nothing at every address, or Streamlit would list the files in pages/ as a
    menu, or pop up "Page not found" over the screen."""
    st.navigation(_every_address(_nothing, [p.url_path for p in PAGES]), position="hidden")


def _nothing() -> None:
    """The page of screen_without_pages; never run (the screen stops the run first)."""


def _sign_in_screen(icon: str) -> NoReturn:
    screen_without_pages()
    if icon:
        st.image(icon, width=64)
    st.title("Waypoint")
    if st.user.is_logged_in:
        st.error(
            "Your identity provider signed you in without a verified e-mail address, and "
            "Waypoint knows people by their address. Ask whoever runs your sign-in to send "
            "the `email` claim, then sign in again.",
            icon=":material/mail:",
        )
        if st.button("Sign out", icon=":material/logout:"):
            st.logout()
        st.stop()
    st.write("Sign in with your company account to see your workspaces.")
    if st.button("Sign in", type="primary", icon=":material/login:"):
        st.login()
    st.stop()
    raise AssertionError("st.stop ends the run")


def _refuse_local_mode() -> NoReturn:
    screen_without_pages()
    st.title("Sign-in is not configured")
    st.error(
        "This Waypoint listens on an address other machines can reach "
        f"({identity.served_address() or 'every interface'}), but no sign-in is configured, so "
        "anyone who reached it would own every workspace. Configure sign-in (an `[auth]` "
        "section in `.streamlit/secrets.toml`, see the README's “Sign-in”), or serve it on "
        "127.0.0.1 only. For a throwaway demo with nothing confidential in it, start it with "
        f"`{identity.OVERRIDE_ENV}=yes`.",
        icon=":material/gpp_bad:",
    )
    st.stop()
    raise AssertionError("st.stop ends the run")
