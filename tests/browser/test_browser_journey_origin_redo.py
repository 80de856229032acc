"""Issue 16, items 4, 5 and 6, in headless Chromium with a facilitator and two participants
(tests/support/journey_browser.py `room`): nothing stale after one's own change (a converted
note shows in the Opportunities table at once, with where it came from, and no reload
button; the Tables tab after one's own save, with no reload button), while a participant's
change to the same row is still refused with both values; Redo of one's own undo seen by the
others, never by the facilitator's Redo; the lanes by role keep a participant's hostile
label as text."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.support.browser import expect_no_errors, keyed, start_server, wait_for_run_to_end
from tests.support.journey_browser import add, choose, room, wait_for_label

HOSTILE = "<img src=x onerror=window.__xss=1>"
RELOAD = re.compile("Reload from the map|Drop my edits", re.IGNORECASE)
SAVED = re.compile(r"^Saved \d+ changes?")  # a table save's toast
REFUSED = re.compile("changed by someone else", re.IGNORECASE)  # a table save's refusal


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from start_server(tmp_path_factory)


def _tab(page: Page, name: str) -> None:
    """Open a tab and let the run it starts end (the page tracks the open tab), so a form
    filled next is not redrawn under the typing."""
    page.get_by_role("tab", name=name).click()
    wait_for_run_to_end(page)


def _editor(page: Page, prefix: str) -> Locator:
    """The bulk table of `prefix` (bulk, opps) as the current run drew it."""
    return page.locator(f'[class*="st-key-{prefix}_base_"][data-stale="false"]').first


def _note(page: Page, text: str) -> None:
    _tab(page, "Workshop")
    choose(page, "note_kind", "Pain point")
    choose(page, "note_stage", "Kickoff")
    page.locator(".st-key-note_text textarea").fill(text)
    page.locator(".st-key-note_submit button").click()


def _until_gone(page: Page, box: str, option: str, button: str) -> None:
    """Choose `option` and press `button` until the button goes (the action was stored): on
    a busy machine a live refresh can redraw the card between the choice and the click."""
    for _ in range(4):
        if page.locator(f".st-key-{button}").count() == 0:
            return  # an earlier press was stored after all
        choose(page, box, option)
        page.locator(f".st-key-{button} button").click()
        try:
            expect(page.locator(f".st-key-{button}")).to_have_count(0, timeout=40_000)
            return
        except AssertionError:
            continue
    expect(page.locator(f".st-key-{button}")).to_have_count(0)


def _added(page: Page, kind: str, name: str) -> None:
    """Add through the form until the Grid shows it (a refused repeat says it exists)."""
    for _ in range(4):
        _tab(page, "Map")
        add(page, kind, name)
        _tab(page, "Grid")
        try:
            expect(_grid(page)).to_contain_text(name, timeout=40_000)
            return
        except AssertionError:
            continue
    expect(_grid(page)).to_contain_text(name)


def _note_id(page: Page, text: str) -> int:
    card = page.locator('[class*="st-key-note_pain_"]').filter(has_text=text).first
    expect(card).to_be_visible()
    found = re.search(r"st-key-note_pain_(\d+)", card.get_attribute("class") or "")
    assert found, card.get_attribute("class")
    return int(found.group(1))


def test_a_converted_note_shows_in_the_opportunities_at_once_with_its_origin(
    server: str, browser: Browser
) -> None:
    with room(browser, server, "Nothing stale") as r:
        pat, sam = r.participants
        host = r.host
        _note(pat, "Slow SSO sign-in")
        _tab(host, "Workshop")
        note = _note_id(host, "Slow SSO sign-in")  # the facilitator's wall shows it live
        _until_gone(host, f"conv_{note}", "opportunity", f"convert_{note}")

        _tab(host, "Opportunities")  # at once: no reload button, the new row in the table
        table = _editor(host, "opps")
        expect(table.locator("td", has_text="Slow SSO sign-in").first).to_be_attached()
        origins = host.locator(".st-key-opps_origins")
        expect(
            origins.locator("td", has_text="From: pain point “Slow SSO sign-in”").first
        ).to_be_attached()
        expect(origins.locator("td", has_text="in stage Kickoff").first).to_be_attached()
        expect(
            host.locator(".st-key-opps_by_stage").locator("td", has_text="Kickoff").first
        ).to_be_attached()
        expect(host.get_by_role("button", name=RELOAD)).to_have_count(0)
        expect_no_errors(host)


def _button(page: Page, key: str) -> Locator:
    return keyed(page, key).get_by_role("button").first


def _grid(page: Page) -> Locator:
    """The Grid tab's table (the lanes are a .wp-grid too, with no "Goal" row)."""
    return page.locator(".wp-grid").filter(has_text="Exit criteria").first


def _on_grid(page: Page, text: str, *, present: bool = True) -> None:
    _tab(page, "Grid")
    if present:
        expect(_grid(page)).to_contain_text(text)
    else:
        expect(_grid(page)).not_to_contain_text(text)


def test_redo_of_a_participants_own_undo_reaches_the_room_but_not_the_facilitators_redo(
    server: str, browser: Browser
) -> None:
    with room(browser, server, "Redo room") as r:
        pat, sam = r.participants
        host = r.host
        _added(pat, "Risk", "Pat's risk")
        _on_grid(sam, "Pat's risk")
        expect(_button(pat, "journey_redo")).to_be_disabled()

        _button(pat, "journey_undo").click()
        _on_grid(sam, "Pat's risk", present=False)
        expect(_button(pat, "journey_redo")).to_have_text(re.compile("Redo: added risk"))
        expect(_button(sam, "journey_redo")).to_be_disabled()  # not Sam's undo
        expect(_button(host, "journey_redo")).to_be_disabled()  # nor the facilitator's

        _button(pat, "journey_redo").click()
        _on_grid(sam, "Pat's risk")
        _on_grid(host, "Pat's risk")
        expect(_button(pat, "journey_redo")).to_be_disabled()

        _button(pat, "journey_undo").click()  # and back again: undo, redo, undo
        _on_grid(sam, "Pat's risk", present=False)
        expect(_button(host, "journey_redo")).to_contain_text("Nothing to redo")
        _on_grid(host, "Pat's risk", present=False)
        for page in (host, pat, sam):
            expect_no_errors(page)


def test_lanes_keep_a_participants_hostile_label_as_text(server: str, browser: Browser) -> None:
    with room(browser, server, "Lanes room") as r:
        pat = r.participants[0]
        _added(pat, "Touchpoint", HOSTILE)
        for page in (r.host, pat, r.participants[1]):
            _tab(page, "Lanes by role")
            table = page.locator(".wp-grid").filter(has_text="Admin / implementer").first
            expect(table).to_contain_text(HOSTILE)
            expect(table.locator("th", has_text="All roles")).to_have_count(1)
            assert table.locator("img").count() == 0
            assert page.evaluate("() => window.__xss") is None
            expect_no_errors(page)


def _retype_name(page: Page, old: str, new: str) -> None:
    """Type `new` over the Name cell that holds `old` (glide draws cells on a canvas: open the
    cell's editor by double-clicking it, select all, type, Enter) and wait for the run the
    edit starts to end. Rows are 35 px under a 35 px header; the row is found by its text in
    the table glide keeps for screen readers."""
    table = _editor(page, "bulk")
    wait_for_run_to_end(page)
    index = _row_of(page, table, old)
    canvas = table.get_by_test_id("data-grid-canvas")
    canvas.scroll_into_view_if_needed()
    page.mouse.click(*_cell(page, canvas, index))  # focusing the table may scroll the page
    page.mouse.dblclick(*_cell(page, canvas, index))
    editor = page.locator("textarea.gdg-input")  # glide's editor, over the cell
    editor.fill(new)
    editor.press("Enter")
    wait_for_run_to_end(page)


def _row_of(page: Page, table: Locator, text: str) -> int:
    """The index of the first row whose text starts with `text`, read again until it shows:
    a live refresh can redraw the table between two looks (under load the rows were read
    empty right after the cell had been seen)."""
    rows: list[str] = []
    for _ in range(240):  # a minute
        rows = table.locator("tr").evaluate_all("els => els.map(e => e.textContent)")
        found = [i for i, row in enumerate(rows) if row.startswith(text)]
        if found:
            return found[0]
        page.wait_for_timeout(250)
    raise AssertionError(f"no row starts with {text!r}: {rows}")


def _cell(page: Page, canvas: Locator, row: int) -> tuple[float, float]:
    """Where the Name cell of `row` (1: the first row) is on screen, once the page has
    stopped moving (the room line above comes with a poll)."""
    box, before = canvas.bounding_box(), None
    while box != before:
        before = box
        page.wait_for_timeout(300)
        box = canvas.bounding_box()
    assert box, "the table is not drawn"
    return box["x"] + 60, box["y"] + 35 * row + 17


def _save_table_edit(page: Page, old: str, new: str) -> None:
    """Rename a stage on the Tables tab and save it."""
    _tab(page, "Tables")
    _retype_name(page, old, new)
    _press_save(page, SAVED)
    expect(_editor(page, "bulk").locator("td", has_text=new).first).to_be_attached()


def _press_save(page: Page, outcome: re.Pattern[str]) -> None:
    """Press the table's Save until it says `outcome`: the browser hands a typed cell to the
    server a moment after Enter, and a Save pressed before that finds nothing to save (the
    person sees so and presses again)."""
    for _ in range(5):
        keyed(page, "bulk_save").get_by_role("button").click()
        said = page.get_by_test_id("stToast").filter(has_text=outcome)
        told = page.get_by_test_id("stAlertContentError").filter(has_text=outcome)
        try:
            expect(said.or_(told).first).to_be_visible(timeout=5_000)
            return
        except AssertionError:
            continue
    expect(page.get_by_text(outcome).first).to_be_visible()


def test_own_table_save_shows_at_once_and_someone_elses_change_is_still_a_conflict(
    server: str, browser: Browser
) -> None:
    with room(browser, server, "Tables") as r:
        host, (pat, _) = r.host, r.participants
        _save_table_edit(host, "Kickoff", "Kickoff call")
        # The table as it is after the person's own save: no reload button, no "changed" note.
        expect(host.get_by_role("button", name=RELOAD)).to_have_count(0)
        expect(host.get_by_text("The map changed while you were editing")).to_have_count(0)

        # Pat renames the same stage while the facilitator holds an unsaved edit of it.
        _retype_name(host, "Kickoff call", "Kickoff (host)")
        host.wait_for_timeout(1_000)  # the browser hands the typed cell over a moment later
        wait_for_run_to_end(host)
        _save_table_edit(pat, "Kickoff call", "Kickoff (Pat)")
        expect(host.get_by_text("The map changed while you were editing")).to_be_visible()
        _press_save(host, REFUSED)
        expect(host.get_by_test_id("stAlertContentError").first).to_contain_text(
            "Name is now “Kickoff (Pat)” (yours: “Kickoff (host)”)"
        )
        expect(host.get_by_role("button", name=RELOAD)).to_be_visible()
        wait_for_label(host, "Kickoff (Pat)")  # nothing of the refused save was stored
        host.get_by_role("button", name=RELOAD).click()
        expect(_editor(host, "bulk").locator("td", has_text="Kickoff (Pat)").first).to_be_attached()
        expect(host.get_by_role("button", name=RELOAD)).to_have_count(0)


def test_an_unsaved_table_edit_survives_a_look_at_another_tab(
    server: str, browser: Browser
) -> None:
    """A closed tab draws nothing, except a bulk table holding an unsaved edit: the edit typed
    on Tables is still there after the facilitator has looked at the Map tab while a
    participant added a stage, and the save then stores it beside the participant's stage."""
    with room(browser, server, "Unsaved table edit") as r:
        host, (pat, _) = r.host, r.participants
        _tab(host, "Tables")
        _retype_name(host, "Kickoff", "Kickoff (kept)")
        host.wait_for_timeout(1_000)  # a person reads what they typed before looking away
        wait_for_run_to_end(host)
        _tab(host, "Map")
        add(pat, "Stage", "Pat's stage")
        wait_for_label(host, "Pat's stage")  # the host's screen ran again meanwhile
        wait_for_label(host, "Kickoff")  # the edit is not saved yet
        _tab(host, "Tables")
        table = _editor(host, "bulk")
        expect(table.locator("td", has_text="Kickoff (kept)").first).to_be_attached()
        _press_save(host, SAVED)
        wait_for_label(host, "Kickoff (kept)")
        wait_for_label(pat, "Kickoff (kept)")
        expect(_editor(host, "bulk").locator("td", has_text="Pat's stage").first).to_be_attached()
        expect_no_errors(host)
