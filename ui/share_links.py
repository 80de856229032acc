"""What the journey's Workshop tab and the assessment's round panel share about guest links:
the address a guest opens, and the box that shows a new link the one time it can be seen."""

from __future__ import annotations

import streamlit as st

from core.access import links
from ui.registry import PAGES


def guest_address(url_path: str, param: str, token: str) -> str:
    """The address a guest opens: this app's base address + `/<page>?<param>=TOKEN` (a path
    from the site's root when the browser's address is not known)."""
    return f"{_base_url()}/{url_path}?{param}={token}"


def _base_url() -> str:
    """The app's address without the page (kept: a path the app is served under, such as
    `https://example.com/waypoint`)."""
    try:
        url = str(st.context.url or "")
    except (AttributeError, RuntimeError):
        url = ""
    url = url.split("#")[0].split("?")[0].rstrip("/")
    if "://" not in url:
        return ""
    head, _, last = url.rpartition("/")
    page_paths = {p.url_path for p in PAGES}
    return head if last in page_paths and "://" in head else url


def new_link_box(*, kind: str, address: str, words: str, hide_key: str, state_key: str) -> None:
    """The link just made, with its token: the only time anyone sees it (Waypoint keeps only
    its hash). It stays across reruns (the live refresh reruns every second) until hidden."""
    with st.container(border=True, key=f"{state_key}_box"):
        st.success(
            f"New {links.KIND_WORDS[kind].lower()} link. Copy it now: Waypoint keeps only a "
            f"fingerprint of it, so it cannot be shown again once you hide it. {words}",
            icon=":material/link:",
        )
        st.code(address, language=None)
        if st.button("I have copied it, hide it", key=hide_key):
            st.session_state.pop(state_key, None)
            st.rerun()
