"""Issue 16, item 2, in headless Chromium: the server wakes a room's screens when their map
changes (ui/journey/push.py). The browsers' own refresh timer is set to ten minutes here
(WAYPOINT_LIVE_POLL_SECONDS), so within these tests only the server's watcher can bring a
change to the other screens: a participant's add, and a change another server process made
in the database. A screen that has gone to another page is not pulled back to the map.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.support.browser import main_heading, start_server
from tests.support.journey_browser import add, room, wait_for_label

MAP = "Woken by the server"
SLOW_POLL = "600"
SEEN_WITHIN = 45
"""Seconds an edit may take to be drawn on another screen here: far under the browsers' own
ten-minute timer, with room for a loaded machine's rendering."""


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("journey-push-db") / "app.db"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_path: Path) -> Iterator[str]:
    yield from start_server(
        tmp_path_factory,
        DATABASE_URL=f"sqlite:///{db_path}",
        WAYPOINT_LIVE_POLL_SECONDS=SLOW_POLL,
    )


def _rename_elsewhere(db_path: Path, old: str, new: str) -> None:
    """What another app server on the same database does: change a row, move the revision."""
    with sqlite3.connect(db_path, timeout=30) as db:
        (map_id,) = db.execute("SELECT id FROM journey_map WHERE name = ?", (MAP,)).fetchone()
        db.execute("UPDATE stage SET name = ? WHERE map_id = ? AND name = ?", (new, map_id, old))
        db.execute("UPDATE journey_map SET version = version + 1 WHERE id = ?", (map_id,))


def test_changes_reach_every_screen_without_the_browsers_timer(
    server: str, browser: Browser, db_path: Path
) -> None:
    with room(browser, server, MAP) as r:
        pat, sam = r.participants
        add(pat, "Touchpoint", "Pushed welcome call")
        for screen in (r.host, sam):
            wait_for_label(screen, "Pushed welcome call", timeout=SEEN_WITHIN)

        _rename_elsewhere(db_path, "Kickoff", "Kickoff, renamed elsewhere")
        for screen in (r.host, pat, sam):
            wait_for_label(screen, "Kickoff, renamed elsewhere", timeout=SEEN_WITHIN)


def test_a_screen_on_another_page_stays_there(server: str, browser: Browser) -> None:
    with room(browser, server, MAP + " 2", names=("Pat",)) as r:
        (pat,) = r.participants
        r.host.get_by_test_id("stSidebarNav").get_by_role("link", name="Scorecards").click()
        expect(main_heading(r.host)).to_contain_text("Scorecards")
        add(pat, "Touchpoint", "While the host looks away")
        wait_for_label(pat, "While the host looks away")
        r.host.wait_for_timeout(3_000)  # fifteen of the watcher's reads
        expect(main_heading(r.host)).to_contain_text("Scorecards")
