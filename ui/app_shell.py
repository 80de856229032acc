"""The one place that works around Streamlit's legacy `pages/` mode.

Why: the product's layout keeps one thin router per page in a top-level `pages/` folder.
Streamlit treats a folder of that name next to the entry script as its legacy ("MPA v1")
multipage app until `st.navigation` has run once in the server process: a fresh server's
first request for a deep link such as /data then runs pages/data.py on its own, with an
automatic page menu and without app.py (no sidebar, no workspace switcher), and the mode
sticks for the process. Streamlit's guidance is to name the folder differently; we keep the
name and switch the mode off instead. Both halves below touch Streamlit's private
`PagesManager.uses_pages_directory` flag.

Checked on Streamlit 1.67.0. `tests/browser/test_deep_links.py` starts fresh servers and
fails loudly if an upgrade changes this behaviour; check both functions then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

if TYPE_CHECKING:
    import pytest


def keep_app_shell() -> None:
    """Every page router calls this before anything else: if the server started this run in
    the legacy mode (a page file alone), switch the mode off and rerun through app.py."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def keep_app_shell_in_apptest(monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTest resets the flag and builds a new PagesManager on every run, so the legacy mode
    comes back on each `switch_page` and would run the page file alone. Turn it off right
    after each PagesManager is built, as the real server does once st.navigation has run."""
    original = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]  # forwarding as-is
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
