"""A workshop through a guest link, in headless Chromium: the facilitator makes a participant
link with a passcode in the Workshop tab; two participants (their own browsers) join under
their names, add notes and vote; a reload keeps who they are (no new join, their dot still
theirs); a guest's address naming another page (at-risk, data, scorecards) still shows only
the map of their link, with no menu; a revoked link is refused at the next load."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.support.browser import (
    expect_no_errors,
    main_heading,
    new_context,
    start_server,
    wait_for_run_to_end,
)

MAP = "Guest workshop"
OTHER = "Board-only map"
SECRET = "Secret pricing stage"
PASSCODE = "lantern-7"
JOINED = "Journey map · workshop"


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with the map the workshop uses and one nobody shares, written before the
    server starts (so it is the only workspace, and the facilitator's page opens on it)."""
    from core import journey as jm
    from core.access.guard import system_factory
    from core.db.engine import make_engine, migrate, unit_of_work
    from core.workspace.workspaces import create_workspace

    path = tmp_path_factory.mktemp("guest-links-db") / "app.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    host = jm.Actor("Host")
    with unit_of_work(system_factory(engine)) as s:
        ws = create_workspace(s, "Guest links").id
        jm.create_map(s, ws, "six_stage", host, name=MAP)
        other = jm.create_map(s, ws, "blank", host, name=OTHER).id
        jm.add_element(s, other, "stage", {"name": SECRET}, host)
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_path: Path) -> Iterator[str]:
    yield from start_server(tmp_path_factory, DATABASE_URL=f"sqlite:///{db_path}")


def _screen(browser: Browser, url: str) -> tuple[BrowserContext, Page]:
    """One person's own browser, on `url`, once its title is drawn."""
    context = new_context(browser)
    page = context.new_page()
    page.goto(url)
    expect(main_heading(page)).to_be_visible()
    return context, page


def _notes(db_path: Path) -> dict[str, tuple[int, str, int]]:
    """The map's notes as stored: text -> (id, author, dots)."""
    from sqlalchemy import func, select

    from core.access.guard import system_factory
    from core.db.engine import make_engine, unit_of_work
    from core.db.models import NoteVote, StickyNote

    engine = make_engine(f"sqlite:///{db_path}")
    with unit_of_work(system_factory(engine)) as s:
        rows = s.execute(
            select(StickyNote.id, StickyNote.text, StickyNote.author, func.count(NoteVote.id))
            .outerjoin(NoteVote, NoteVote.note_id == StickyNote.id)
            .group_by(StickyNote.id, StickyNote.text, StickyNote.author)
        ).all()
    engine.dispose()
    return {text: (note_id, author, dots) for note_id, text, author, dots in rows}


def _make_link(host: Page) -> str:
    """Choose the workshop's map, then make its participant link in the Workshop tab."""
    picker = host.locator(".st-key-journey_map_id input[role='combobox']")
    for _ in range(5):
        if picker.input_value().startswith(MAP):
            break
        picker.click()
        host.get_by_role("option", name=re.compile(f"^{re.escape(MAP)}")).first.click()
        host.wait_for_timeout(500)
    expect(picker).to_have_value(re.compile(f"^{re.escape(MAP)}"))
    host.get_by_role("tab", name="Workshop").click()
    host.locator(".st-key-workshop_link_passcode input").fill(PASSCODE)
    host.locator(".st-key-workshop_link_label input").fill("Tuesday room")
    host.locator(".st-key-workshop_link_create button").click()
    code = host.locator(".st-key-workshop_new_link_box").get_by_test_id("stCode")
    expect(code).to_contain_text("/journey?link=")
    link = (code.text_content() or "").strip()
    assert link.startswith("http://127.0.0.1:")
    return link


def _join(page: Page, name: str) -> None:
    expect(main_heading(page)).to_have_text("This link needs its passcode")
    page.get_by_label("Your name (shown with your notes and changes)").fill(name)
    page.get_by_role("textbox", name="Passcode", exact=True).fill(PASSCODE)
    page.get_by_role("button", name="Join").click()
    expect(main_heading(page)).to_have_text(JOINED)
    expect(page.get_by_text(f"You joined as {name}")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]me="))


def _add_note(page: Page, text: str) -> None:
    page.get_by_role("tab", name="Workshop").click()
    page.locator(".st-key-note_text textarea").fill(text)
    page.locator(".st-key-note_submit button").click()
    expect(_shown_note(page, text)).to_be_visible()


def _shown_note(page: Page, text: str) -> Locator:
    """A stored note as the list below the form shows it (not the text still in the box)."""
    return page.get_by_test_id("stText").filter(has_text=re.compile(f"^{re.escape(text)}$")).first


def _vote_button(page: Page, note_id: int) -> Locator:
    """The note's dot button as the current run drew it (its tooltip wrapper can hold a
    second copy of the button while a rerun replaces it)."""
    return page.locator(f'.st-key-vote_{note_id}[data-stale="false"] button').first


def _only_the_map(page: Page) -> None:
    """The guest's screen: the map of the link, no menu, nothing of another page or map."""
    expect(main_heading(page)).to_have_text(JOINED)
    expect(page.get_by_text(MAP, exact=True).first).to_be_visible()
    wait_for_run_to_end(page)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    expect(page.get_by_text("Workspace", exact=True)).to_have_count(0)
    for other in ("At-risk accounts", "Data", "Scorecards", OTHER, SECRET):
        expect(page.get_by_role("heading", name=other, exact=True)).to_have_count(0)
    assert SECRET not in page.content()


def test_a_workshop_through_a_participant_link(
    server: str, browser: Browser, db_path: Path
) -> None:
    ctx_host, host = _screen(browser, f"{server}/journey")
    expect(main_heading(host)).to_have_text("Journey maps")
    link = _make_link(host)
    token = parse_qs(urlparse(link).query)["link"][0]

    ctx_pia, pia = _screen(browser, link)
    _join(pia, "Pia")
    expect(pia.get_by_role("heading", name=MAP)).to_be_visible()
    ctx_quinn, quinn = _screen(browser, link)
    _join(quinn, "Quinn")

    _add_note(pia, "Kickoff agenda too long")
    _add_note(quinn, "Offer a sandbox on day one")
    notes = _notes(db_path)
    pia_note, pia_author, _ = notes["Kickoff agenda too long"]
    quinn_note, quinn_author, _ = notes["Offer a sandbox on day one"]
    assert (pia_author, quinn_author) == ("Pia", "Quinn")

    # Both dot Quinn's note; each click is one person's dot.
    _vote_button(pia, quinn_note).click()
    expect(_vote_button(pia, quinn_note)).to_have_text("● 1")
    _vote_button(quinn, quinn_note).click()
    expect(_vote_button(quinn, quinn_note)).to_have_text("● 2")
    assert _notes(db_path)["Offer a sandbox on day one"][2] == 2

    # The facilitator's screen picks the room's notes up by itself.
    expect(_shown_note(host, "Offer a sandbox on day one")).to_be_visible()
    expect(host.get_by_text("Tuesday room")).to_be_visible()  # the live link, by label

    # A reload keeps who Pia is: no join screen, her dot is still hers, her notes carry her name.
    me = parse_qs(urlparse(pia.url).query)["me"][0]
    pia.reload()
    expect(main_heading(pia)).to_have_text(JOINED)
    expect(pia.get_by_text("You joined as Pia")).to_be_visible()
    pia.get_by_role("tab", name="Workshop").click()
    expect(_vote_button(pia, quinn_note)).to_have_text("● 2")
    expect(_vote_button(pia, pia_note)).to_have_text("○ 0")
    _add_note(pia, "After the reload")
    assert _notes(db_path)["After the reload"][1] == "Pia"
    assert parse_qs(urlparse(pia.url).query)["me"][0] == me
    expect_no_errors(pia)

    # Another page in a guest's address: still only the map of the link, no menu.
    for path in ("at_risk", "data", "scorecards"):
        pia.goto(f"{server}/{path}?link={token}&me={me}")
        _only_the_map(pia)
        expect(pia.get_by_text("You joined as Pia")).to_be_visible()
    # And a guest's address naming another map: the link decides.
    pia.goto(f"{server}/journey?link={token}&me={me}&map=2")
    _only_the_map(pia)

    # The facilitator revokes the link: the next load is refused, joined or not.
    host.get_by_role("tab", name="Workshop").click()
    host.get_by_role("button", name="Revoke…").click()
    dialog = host.get_by_role("dialog")
    expect(dialog).to_contain_text("Revoke")
    dialog.locator(".st-key-workshop_revoke_confirm button").click()
    expect(host.get_by_text("No live links to this map")).to_be_visible()
    quinn.reload()
    expect(main_heading(quinn)).to_have_text("This link does not open")
    expect(quinn.get_by_text("This link was revoked")).to_be_visible()
    pia.goto(link)
    expect(main_heading(pia)).to_have_text("This link does not open")
    expect(pia.get_by_test_id("stSidebarNav")).to_have_count(0)
    for context in (ctx_quinn, ctx_pia, ctx_host):
        context.close()
