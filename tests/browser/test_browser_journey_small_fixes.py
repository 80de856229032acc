"""Issue 16, item 7, in headless Chromium: "Compare with" keeps the map chosen when the map on
screen changes (the browser still holds the old choice's label, which used to turn into
"(nothing)"), and the compare view reads from the map on screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import expect_no_errors, main_heading, start_server
from tests.support.journey_browser import choose, open_screen


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("journey-small-fixes-db") / "app.db"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_path: Path) -> Iterator[str]:
    yield from start_server(tmp_path_factory, DATABASE_URL=f"sqlite:///{db_path}")


def _seed(db_path: Path) -> dict[str, str]:
    """Three maps of no segment (current, its ideal state, another current one) and one of
    the Enterprise segment with no counterpart."""
    from core import journey as jm
    from core.access.guard import system_factory
    from core.db.engine import make_engine, unit_of_work
    from core.workspace.workspaces import list_workspaces

    actor = jm.Actor("Facilitator")
    with unit_of_work(system_factory(make_engine(f"sqlite:///{db_path}"))) as s:
        ws = list_workspaces(s)[0]
        current = jm.create_map(s, ws.id, "six_stage", actor, name="BF current")
        ideal = jm.duplicate_map(s, current.id, "BF ideal", actor, state="ideal")
        other = jm.duplicate_map(s, current.id, "BF other", actor, state="current")
        alone = jm.create_map(s, ws.id, "six_stage", actor, name="BF alone", segment="Enterprise")
        jm.add_element(s, ideal.id, "risk", {"name": "Ideal-only risk"}, actor)
        titles = (current, ideal, other, alone)
        return dict(
            zip(("current", "ideal", "other", "alone"), (m.title for m in titles), strict=True)
        )


def _compare_box(page: Page):
    return page.locator(".st-key-compare_with input[role='combobox']")


def test_compare_with_survives_map_switches(server: str, browser: Browser, db_path: Path):
    context, page = open_screen(
        browser, f"{server}/journey"
    )  # the first visit sets up the database
    titles = _seed(db_path)
    page.reload()
    expect(main_heading(page)).to_be_visible()
    choose(page, "journey_map_id", titles["current"])
    page.get_by_role("tab", name="Check & compare").click()
    expect(_compare_box(page)).to_have_value(titles["ideal"])  # the counterpart by default
    choose(page, "compare_with", titles["other"])

    choose(page, "journey_map_id", titles["ideal"])
    page.get_by_role("tab", name="Check & compare").click()
    expect(_compare_box(page)).to_have_value(titles["other"])  # still valid: kept
    expect(page.get_by_text("This map: BF ideal").first).to_be_visible()

    choose(page, "journey_map_id", titles["other"])
    page.get_by_role("tab", name="Check & compare").click()
    expect(_compare_box(page)).to_have_value(titles["ideal"])  # itself now: the counterpart
    choose(page, "compare_with", "(nothing)")  # nothing is a choice too, and shows as such

    choose(page, "journey_map_id", titles["current"])
    page.get_by_role("tab", name="Check & compare").click()
    expect(_compare_box(page)).to_have_value("(nothing)")

    # the chosen map is shown next and has no counterpart: "(nothing)", not an empty box
    choose(page, "compare_with", titles["alone"])
    choose(page, "journey_map_id", titles["alone"])
    page.get_by_role("tab", name="Check & compare").click()
    expect(_compare_box(page)).to_have_value("(nothing)")
    expect_no_errors(page)
    context.close()
