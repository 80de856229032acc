"""A fresh server's first request for a deep link goes through app.py.

Streamlit runs a top-level `pages/` folder in its legacy multipage mode until st.navigation
has run once in the process (see ui/app_shell.py). If an upgrade changes that behaviour, the
workaround may stop working: these tests start a new server for each deep link, so the link
is the very first request that server sees, and fail loudly if the page ran without app.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.support.browser import expect_no_errors, main_heading, start_server
from ui.registry import PAGES as REGISTRY

DEEP_LINKS = [("data", "Data"), ("journey", "Journey maps")]


@pytest.fixture
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from start_server(tmp_path_factory)


@pytest.mark.parametrize(("path", "title"), DEEP_LINKS)
def test_first_request_for_a_deep_link_runs_the_app_shell(
    fresh_server: str, page: Page, path: str, title: str
) -> None:
    page.goto(f"{fresh_server}/{path}")
    heading = main_heading(page)
    heading.wait_for()  # the page drew, in either mode
    switcher = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox")
    try:
        # app.py draws the switcher before the page, so by now it is there or never will be;
        # the wait only covers the browser drawing it.
        switcher.filter(has_text="Workspace").wait_for(timeout=30_000)
    except PlaywrightTimeout:
        pytest.fail(
            f"/{path} ran without app.py (no workspace switcher): Streamlit's legacy pages/ "
            "mode is back; see ui/app_shell.py"
        )
    expect(heading).to_have_text(title)
    # The legacy mode draws its own page menu from the file names ("app", "at risk", ...);
    # ours comes from st.navigation with the titles in ui/registry.py, in that order (each
    # after its icon, whose name is the icon font's text).
    links = page.get_by_test_id("stSidebarNav").get_by_test_id("stSidebarNavLink")
    expect(links).to_have_text([re.compile(f"{re.escape(p.title)}$") for p in REGISTRY])
    expect_no_errors(page)
