"""Issue 16, item 3, in headless Chromium: a facilitator and two participants on one map see
the room. Every screen lists the three of them; the facilitator's timer counts down in large
digits on the participants' screens with no click, and every screen says "Time is up" when
it runs out; a participant's note shows on the facilitator's wall as a card under its stage
with its dots; the stage the facilitator shows is a banner on the participants' screens; and
a participant named like an HTML image tag stays text in the room list and on their note.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Frame, Locator, Page, expect

from tests.support.browser import assert_no_errors, start_server
from tests.support.journey_browser import choose, room

MAP = "Room of the room"
HOSTILE = "<img src=x onerror=window.__xss=1>"
HOST_NAME = "Local owner (facilitator)"


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("journey-room-db") / "app.db"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_path: Path) -> Iterator[str]:
    yield from start_server(tmp_path_factory, DATABASE_URL=f"sqlite:///{db_path}")


def _sql(db_path: Path, statement: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db_path, timeout=30) as db:
        return db.execute(statement, params).fetchall()


def _map_id(db_path: Path) -> int:
    return _sql(db_path, "SELECT id FROM journey_map WHERE name = ?", MAP)[0][0]


def _room_line(page: Page) -> Locator:
    return page.locator(".st-key-live_room")


def _countdown(page: Page, timeout: float = 60) -> Frame:
    """The countdown component's frame, once a page run has drawn it."""
    deadline = datetime.now() + timedelta(seconds=timeout)
    while datetime.now() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate("() => !!document.getElementById('t')"):
                    return frame
            except Exception:  # noqa: BLE001 - a frame replaced by a rerun: look again
                continue
        page.wait_for_timeout(250)
    raise AssertionError("no countdown on the screen")


def _countdown_text(page: Page, timeout: float = 60) -> str:
    for _ in range(5):
        try:
            frame = _countdown(page, timeout)
            return frame.evaluate("() => document.getElementById('t').textContent")
        except Exception:  # noqa: BLE001 - replaced between finding and reading it
            page.wait_for_timeout(200)
    raise AssertionError("the countdown kept being replaced")


def _says_time_is_up(page: Page) -> bool:
    """The countdown reached zero on this screen, or the page ran after it had."""
    if page.locator(".st-key-live_time_up").filter(has_text="Time is up").count():
        return True
    try:
        return _countdown_text(page, timeout=2) == "Time is up"
    except AssertionError:
        return False


def _workshop_tab(page: Page) -> None:
    page.get_by_role("tab", name="Workshop").click()


def _add_note(page: Page, text: str, stage: str) -> None:
    _workshop_tab(page)
    choose(page, "note_stage", stage)
    page.locator(".st-key-note_text textarea").fill(text)
    page.locator(".st-key-note_submit button").click()


def _note_id(db_path: Path, text: str, timeout: float = 60) -> int:
    deadline = datetime.now() + timedelta(seconds=timeout)
    while datetime.now() < deadline:
        found = _sql(db_path, "SELECT id FROM sticky_note WHERE text = ?", text)
        if found:
            return found[0][0]
        time.sleep(0.2)
    raise AssertionError(f"note {text!r} was not stored")


def _stage_id(db_path: Path, name: str) -> int:
    return _sql(
        db_path, "SELECT id FROM stage WHERE map_id = ? AND name = ?", _map_id(db_path), name
    )[0][0]


def _run_out(db_path: Path, seconds_left: int) -> None:
    """Move the running timer's start back so `seconds_left` remain (the UI sets whole
    minutes), and the map's revision on, as any change of the timer does."""
    started = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=60 - seconds_left)
    _sql(
        db_path,
        "UPDATE journey_map SET timer_started_at = ?, version = version + 1 WHERE id = ?",
        started.strftime("%Y-%m-%d %H:%M:%S.%f"),
        _map_id(db_path),
    )


def test_the_room_sees_the_room(server: str, browser: Browser, db_path: Path) -> None:
    with room(browser, server, MAP, names=("Pat", HOSTILE)) as r:
        host, (pat, odd) = r.host, r.participants
        screens = (host, pat, odd)

        # Who is here: every screen lists all three, the hostile name as the text it is.
        for page in screens:
            line = _room_line(page)
            for name in (HOST_NAME, "Pat", HOSTILE):
                expect(line).to_contain_text(name)

        # The facilitator starts a 1-minute timer; both participants see it count down.
        _workshop_tab(host)
        host.locator(".st-key-workshop_minutes input").fill("1")
        host.locator(".st-key-workshop_minutes input").press("Enter")
        host.locator(".st-key-workshop_timer_start button").click()
        for page in (pat, odd):
            frame = _countdown(page)
            size = frame.evaluate(
                "() => parseFloat(getComputedStyle(document.getElementById('t')).fontSize)"
            )
            assert size >= 48, f"the timer's digits are {size}px"  # 3rem and more
            first = _countdown_text(page)
            assert re.fullmatch(r"0[01]:\d\d", first), first
            page.wait_for_timeout(2500)  # no click, no action
            second = _countdown_text(page)
            assert re.fullmatch(r"00:\d\d", second), second
            assert second != first
        expect(host.get_by_text("Timer: 01:00, set by the facilitator")).to_be_visible()

        # With half a minute left (after the rerun the change of the timer makes), the
        # countdown runs to zero by itself and stays there; every screen says time is up.
        _run_out(db_path, 30)
        deadline = datetime.now() + timedelta(seconds=90)
        while not re.fullmatch(r"00:[0-3]\d", _countdown_text(pat)):
            assert datetime.now() < deadline, "the screen never took the new timer up"
            pat.wait_for_timeout(250)
        while _countdown_text(pat) != "Time is up":
            assert datetime.now() < deadline, "the countdown never said Time is up"
            pat.wait_for_timeout(250)
        pat.wait_for_timeout(2500)
        assert _countdown_text(pat) == "Time is up"  # and stays so
        for page in screens:
            while not _says_time_is_up(page):
                assert datetime.now() < deadline, "a screen never said Time is up"
                page.wait_for_timeout(250)

        # A participant adds a note under Kickoff; the other dots it; the facilitator sees it.
        _add_note(pat, "Kickoff agenda too long", "Kickoff")
        note = _note_id(db_path, "Kickoff agenda too long")
        _workshop_tab(odd)
        odd.locator(f'.st-key-vote_{note}[data-stale="false"] button').first.click()
        expect(odd.locator(f'.st-key-vote_{note}[data-stale="false"] button').first).to_have_text(
            "● 1"
        )
        kickoff = host.locator(f".st-key-notes_stage_{_stage_id(db_path, 'Kickoff')}")
        card = kickoff.locator(f".st-key-note_pain_{note}")
        expect(card).to_contain_text("Kickoff agenda too long")
        expect(card).to_contain_text("Pain point · 1 dot")
        expect(card).to_contain_text("by Pat")
        colour = card.evaluate("el => getComputedStyle(el).backgroundColor")
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent"), colour

        # Every screen has said "Time is up" since, from the server too (the note reran them).
        for page in screens:
            expect(page.locator(".st-key-live_time_up")).to_contain_text("Time is up")

        # The hostile participant's note: their name is text on the card.
        _add_note(odd, "A note from the odd name", "Setup")
        odd_note = _note_id(db_path, "A note from the odd name")
        odd_card = host.locator(f".st-key-note_pain_{odd_note}")
        expect(odd_card).to_contain_text(f"by {HOSTILE}")

        # The facilitator shows the room a stage: a banner on both participants' screens.
        choose(host, "workshop_present", "Setup")
        for page in (pat, odd):
            banner = page.locator(".st-key-live_presenting")
            expect(banner).to_contain_text("Showing stage: Setup")

        for page in screens:
            assert page.evaluate("() => window.__xss") is None
            assert page.locator("img[src='x']").count() == 0
            assert_no_errors(page)
