"""A fresh server's first request for a deep link goes through app.py.

Streamlit runs a top-level `pages/` folder in its legacy multipage mode until st.navigation
has run once in the process (see ui/app_shell.py). If an upgrade changes that behaviour, the
workaround may stop working: these tests start a new server for each deep link, so the link
is the very first request that server sees, and fail loudly if the page ran without app.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.support.browser import assert_no_errors, start_server

DEEP_LINKS = [("data", "Data"), ("journey", "Journey maps")]


@pytest.fixture
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from start_server(tmp_path_factory)


@pytest.mark.parametrize(("path", "title"), DEEP_LINKS)
def test_first_request_for_a_deep_link_runs_the_app_shell(
    fresh_server: str, page: Page, path: str, title: str
):
    page.goto(f"{fresh_server}/{path}")
    heading = page.get_by_test_id("stMainBlockContainer").locator("h1").first
    heading.wait_for(timeout=90_000)  # the page drew, in either mode
    switcher = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox")
    try:
        switcher.filter(has_text="Workspace").wait_for(timeout=20_000)
    except PlaywrightTimeout:
        pytest.fail(
            f"/{path} ran without app.py (no workspace switcher): Streamlit's legacy pages/ "
            "mode is back; see ui/app_shell.py"
        )
    assert heading.inner_text().strip() == title
    # The legacy mode draws its own page menu from the file names (home, at_risk, ...);
    # ours comes from st.navigation with the titles in ui/registry.py.
    nav = page.get_by_test_id("stSidebarNav")
    assert nav.get_by_text("at_risk", exact=True).count() == 0, "legacy page menu is shown"
    assert nav.get_by_text("At-risk accounts", exact=True).count() == 1
    assert_no_errors(page)
