"""A fresh server's first request for a deep link goes through app.py.

Streamlit runs a top-level `pages/` folder in its legacy multipage mode until st.navigation
has run once in the process (see ui/app_shell.py). If an upgrade changes that behaviour, the
workaround may stop working: these tests start a new server for each deep link, so the link
is the very first request that server sees, and fail loudly if the page ran without app.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.support.browser import expect_no_errors, main_heading, start_server
from ui.registry import PAGES as REGISTRY

if TYPE_CHECKING:
    from pathlib import Path

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


def _seed_guest_link(db: Path) -> str:
    """A workspace with one map and a participant link to it, written before the server
    starts (so the link is the server's very first request); the link's token."""
    from core import journey as jm
    from core.access.guard import system_factory
    from core.access.links import create_link
    from core.db.engine import make_engine, migrate, unit_of_work
    from core.workspace.workspaces import create_workspace

    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    with unit_of_work(system_factory(engine)) as s:
        workspace_id = create_workspace(s, "Deep link guests").id
        map_id = jm.create_map(s, workspace_id, "six_stage", jm.Actor("Host")).id
        token = create_link(s, workspace_id, "participant", map_id=map_id).token
    engine.dispose()
    return token


def test_first_request_for_a_guest_link_runs_the_app_shell(
    tmp_path_factory: pytest.TempPathFactory, page: Page
) -> None:
    """A guest's link as a fresh server's first request: app.py lets the guest in (the join
    screen), and no page menu shows, neither ours (a guest has none) nor the legacy one."""
    db = tmp_path_factory.mktemp("deep-guest") / "app.db"
    token = _seed_guest_link(db)
    servers = start_server(tmp_path_factory, DATABASE_URL=f"sqlite:///{db}")
    server = next(servers)
    try:
        page.goto(f"{server}/journey?link={token}")
        expect(main_heading(page)).to_have_text("Join")
        expect(page.get_by_label("Your name (shown with your notes and changes)")).to_be_visible()
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        expect_no_errors(page)
    finally:
        servers.close()
