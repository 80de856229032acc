"""Markup payloads in every typed or uploaded field stay text on every page, for every role.

Issue 13, item 5: an image `![x](http://elsewhere/...)` typed into a name made every viewer's
browser fetch that address; links and `:red[...]` directives rendered too. Here every field a
person types or uploads holds the payloads below, seeded through the core use cases (quick)
and, for a representative set, typed through the UI; then every page is opened in Chromium
as the owner, a journey participant and a journey viewer (their guest links,
/journey?link=...) and an assessment respondent (?round=&me=), and on each:

- no request leaves for payload.invalid (a listener on the browser context, iframes included),
- no JavaScript dialog opens (the payloads call alert(1)),
- nothing was made from a directive: no <img> or <a> pointing at payload.invalid, no element
  whose whole text is "RED" (a coloured span) or "bold" (a <strong>), no <script> from the
  payload, in the page and in every frame,
- and the payload shows as literal text where the page names the thing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Locator, Page, Request, expect
from sqlalchemy.orm import Session

from core.common.text import WORD_JOINER
from tests.support.browser import (
    main_heading,
    new_context,
    start_server,
    wait_for_app_shell,
    wait_for_run_to_end,
)

HOST = "payload.invalid"
IMG_MD = f"![x](http://{HOST}/img.png)"
LINK_MD = f"[link](http://{HOST}/)"
RED = ":red[RED]"
IMG_HTML = f"<img src=http://{HOST}/x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
BOLD = "**bold**"
PAYLOADS = (IMG_MD, LINK_MD, RED, IMG_HTML, SCRIPT, BOLD)
FULL = " ".join(PAYLOADS)  # for fields that take long text
# Names are capped at 80 characters: each name field holds a share, all together hold all.
NAME_A = f"{IMG_MD} {RED} {BOLD}"
NAME_B = f"{LINK_MD} {SCRIPT}"
NAME_C = IMG_HTML

WORKSPACE = f"W {NAME_A}"
SEGMENT = f"S {NAME_B}"
MAP_NAME = f"M {NAME_A}"
ROUND = f"R {NAME_C}"
RESPONDENT = f"P {NAME_A}"
CSMS = (f"C {NAME_A}", f"C {NAME_B}", f"C {NAME_C}")
ACCOUNT_NAME = f"A {NAME_A} {NAME_B}"
RISK_BY = f"B {NAME_A}"
EVENT = f"E {NAME_B}"  # an event name in the uploaded data
PRESET_NAME = f"Preset {NAME_B}"
UPLOAD = f"U {IMG_MD} {RED} {LINK_MD}"  # a file name (without the table and extension)

# Every frame, from its first script on: `__payloadScan(root)` lists what was made from a
# payload under root; an observer scans every element added, so what shows for a moment
# only (a toast) is caught too.
RECORD = """
(() => {
  const media = 'img[src*="payload.invalid"], a[href*="payload.invalid"],'
    + ' iframe[src*="payload.invalid"], source[src*="payload.invalid"]';
  window.__payloadScan = (root) => {
    const found = [];
    const all = [root, ...root.querySelectorAll('*')].filter((el) => el.nodeType === 1);
    for (const el of all) {
      if (el.matches(media)) found.push(el.outerHTML.slice(0, 200));
      const own = (el.textContent || '').trim();
      if ((own === 'RED' || own === 'bold') && !el.closest('pre, textarea, input')
          && (el.children.length === 0 || ['STRONG', 'B', 'SPAN', 'A'].includes(el.tagName))) {
        found.push(el.outerHTML.slice(0, 200));
      }
      if (el.tagName === 'SCRIPT' && (el.textContent || '').includes('alert(1)')) {
        found.push('script: ' + el.textContent);
      }
    }
    return found;
  };
  window.__payloadMade = [];
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        // Text may arrive after its element: then the element it lands in is scanned.
        const el = node.nodeType === 1 ? node : node.parentElement;
        if (el) window.__payloadMade.push(...window.__payloadScan(el));
      }
    }
  }).observe(document, { childList: true, subtree: true });
})();
"""
MADE = """() => !window.__payloadScan ? ['no recorder in this frame']
  : [...window.__payloadMade,
     ...(document.documentElement ? window.__payloadScan(document.documentElement) : [])]"""
"""What a frame made from a payload: what its observer recorded, and what it holds now. A
frame whose new document has no element yet (an iframe drawn anew as it is scanned) holds
nothing; what it adds later, its observer records."""


@dataclass
class Seeded:
    """What the seed made, for the links each role opens."""

    workspace_id: int = 0
    map_id: int = 0
    participant_token: str = ""
    view_token: str = ""
    round_token: str = ""
    me_token: str = ""
    accounts: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("payloads-db") / "app.db"


@pytest.fixture(scope="module")
def seeded(db_path: Path) -> Seeded:
    """The payload workspace, written before the server starts: it is then the only one (no
    demo workspace is made), so every page opens on it."""
    from core.access.guard import system_factory
    from core.db.engine import make_engine, migrate, unit_of_work

    engine = make_engine(f"sqlite:///{db_path}")
    migrate(engine)
    factory = system_factory(engine)
    out = Seeded()
    with unit_of_work(factory) as s:
        out.workspace_id = _workspace(s)
    with unit_of_work(factory) as s:
        out.accounts = _data(s, out.workspace_id)
    with unit_of_work(factory) as s:
        _risk_states(s, out.workspace_id, out.accounts)
        _preset(s, out.workspace_id)
        _journey(s, out)
        _assessment(s, out)
    engine.dispose()
    return out


def _workspace(s: Session) -> int:
    from core.workspace.workspaces import create_workspace, save_segments, segment_rows

    ws = create_workspace(s, WORKSPACE, FULL)
    rows = segment_rows(s, ws.id)
    save_segments(s, ws.id, [*rows, {**rows[-1], "name": SEGMENT}])
    return ws.id


def _csv(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    return buffer.getvalue()


def _data(s: Session, workspace_id: int) -> list[str]:
    """Demo tables whose account names, CSMs, one segment and one event are payloads, imported twice
    under payload file names (so History lists two versions)."""
    from core.data import demo
    from core.data.importing import import_files
    from core.data.readers import SourceFile
    from core.workspace.workspaces import segment_rows

    frames = demo.generate(accounts=120, seed=11)
    n = len(frames["accounts"])
    accounts = frames["accounts"].with_columns(
        account_name=pl.lit(ACCOUNT_NAME),
        csm=pl.Series([CSMS[i % 3] for i in range(n)]),
        segment=pl.when(pl.int_range(pl.len()) % 4 == 0)
        .then(pl.lit(SEGMENT))
        .otherwise(pl.col("segment")),
    )
    events = frames["events"].with_columns(
        event=pl.when(pl.col("event") == "export_generated")
        .then(pl.lit(EVENT))
        .otherwise(pl.col("event"))
    )
    frames = {**frames, "accounts": accounts, "events": events}
    segments = [str(r["name"]) for r in segment_rows(s, workspace_id)]
    for version in ("1", "2"):
        sources = [SourceFile(f"{UPLOAD} {t}{version}.csv", t, _csv(f)) for t, f in frames.items()]
        import_files(s, workspace_id, sources, segments)
    return accounts.get_column("account_id").to_list()


def _risk_states(s: Session, workspace_id: int, accounts: list[str]) -> None:
    from core.at_risk.risk_states import set_risk_state

    for account in accounts:
        set_risk_state(s, workspace_id, account, "plan_in_place", FULL, RISK_BY, base_version=None)


def _preset(s: Session, workspace_id: int) -> None:
    from core.data.presets.saved import save_mapping

    save_mapping(s, workspace_id, PRESET_NAME, "segment", {})


def _journey(s: Session, out: Seeded) -> None:
    from core import journey as jm
    from core.access import links
    from core.journey import workshop

    actor = jm.Actor(f"F {NAME_A}", facilitator=True)
    info = jm.create_map(s, out.workspace_id, "blank", actor, name=MAP_NAME, segment=SEGMENT)
    for n, name in enumerate((NAME_A, NAME_B, NAME_C)):
        text = {"goal": FULL, "exit_criteria": FULL}
        stage = jm.add_element(s, info.id, "stage", {"name": f"{n} {name}", **text}, actor)
        where = {"stage_id": stage["id"]}
        jm.add_element(
            s,
            info.id,
            "touchpoint",
            {"name": f"T{n} {name}", "owner_team": FULL, "pain_point": FULL, **where},
            actor,
        )
        jm.add_element(
            s,
            info.id,
            "risk",
            {"name": f"K{n} {name}", "trigger": FULL, "intervention": FULL, "owner": FULL, **where},
            actor,
        )
        jm.add_element(s, info.id, "opportunity", {"title": f"O{n} {name}", "owner": FULL}, actor)
        workshop.add_note(s, info.id, stage["id"], "idea", FULL, actor)
    jm.take_snapshot(s, info.id, f"V {NAME_B}", actor)
    # Guest links whose labels are payloads (the facilitator's Workshop tab lists them).
    participant = links.create_link(
        s, out.workspace_id, "participant", map_id=info.id, label=NAME_A
    )
    viewer = links.create_link(s, out.workspace_id, "viewer", map_id=info.id, label=NAME_B)
    out.map_id, out.participant_token, out.view_token = info.id, participant.token, viewer.token


def _assessment(s: Session, out: Seeded) -> None:
    from core import assessment as A
    from core.access import links

    info = A.open_round(s, out.workspace_id, ROUND)
    answers = {key: A.AnswerInput(2, 4, FULL) for key in A.CAPABILITY_KEYS}
    for n, name in enumerate((RESPONDENT, f"Q {NAME_B}")):
        me = A.join_round(s, info.id, name, f"Role {NAME_C}"[:80])
        A.save_answers(s, me.token, answers, base_version=A.answer_sheet(s, me.token).version)
        if n == 0:
            out.me_token = me.token
    A.reveal_round(s, info.id)
    link = links.create_link(s, out.workspace_id, "respondent", round_id=info.id, label=NAME_C)
    out.round_token = link.token


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, db_path: Path, seeded: Seeded
) -> Iterator[str]:
    yield from start_server(tmp_path_factory, DATABASE_URL=f"sqlite:///{db_path}")


@dataclass
class Watch:
    """One person's screen and what it saw leave or pop up."""

    context: BrowserContext
    page: Page
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def check(self, where: str) -> None:
        """Once the current run has ended: nothing fetched, nothing popped up, nothing made
        from a payload, in the page and in every frame."""
        wait_for_run_to_end(self.page)
        assert not self.requests, f"{where}: requests to {HOST}: {self.requests}"
        assert not self.dialogs, f"{where}: dialogs opened: {self.dialogs}"
        for frame in self.page.frames:
            made = frame.evaluate(MADE)
            assert not made, f"{where} ({frame.url}): rendered from a payload: {made}"
        exceptions = self.page.get_by_test_id("stException")
        assert exceptions.count() == 0, exceptions.first.inner_text()
        lost = self.page.get_by_role("dialog").filter(has_text="Page not found")
        assert lost.count() == 0, f"{where}: the page showed 'Page not found'"


def _watch(browser: Browser) -> Iterator[Watch]:
    context = new_context(browser)
    context.add_init_script(RECORD)
    page = context.new_page()
    watch = Watch(context, page)

    def on_request(request: Request) -> None:
        if HOST in request.url:
            watch.requests.append(request.url)

    def on_dialog(dialog: Dialog) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    context.on("request", on_request)
    page.on("dialog", on_dialog)
    # Anything routed to the payload host is refused here too, so a leak fails fast and
    # offline; the listener above has already recorded it.
    context.route(f"**://{HOST}/**", lambda route: route.abort())
    yield watch
    context.close()


@pytest.fixture
def watch(browser: Browser) -> Iterator[Watch]:
    yield from _watch(browser)


def _open(watch: Watch, url: str, title: str, *, guest: bool = False) -> Page:
    """Go to a page and wait for its title (and, for the owner, app.py's sidebar; a guest's
    link hides it)."""
    page = watch.page
    page.goto(url)
    expect(main_heading(page)).to_have_text(_shown(title))
    if not guest:
        wait_for_app_shell(page)
    return page


def _shown(text: str) -> re.Pattern[str]:
    """Text as a page shows it: where Markdown renders it, with the invisible word joiner
    core.common.text puts after a URL's scheme (so GFM does not make it a link)."""
    return re.compile(re.escape(text).replace("http", f"http{WORD_JOINER}?"))


def _literal(page: Page, text: str) -> None:
    """The payload is on screen as the characters typed."""
    expect(page.get_by_text(_shown(text)).first).to_be_attached()


def _open_picker(page: Page, key: str) -> Locator:
    """Open a selectbox's list and give its first option. The page may still be finishing a
    run that redraws the box (closing a list opened meanwhile), so wait for the run to end,
    and open it again if the list did not stay open."""
    from playwright.sync_api import Error

    picker = page.locator(f".st-key-{key} input[role='combobox']")
    option = page.get_by_role("option").first
    for _ in range(5):
        wait_for_run_to_end(page)
        picker.click()
        try:
            option.wait_for(timeout=10_000)
            return option
        except Error:
            page.keyboard.press("Escape")
    raise AssertionError(f"the {key} list never stayed open")


def test_owner_sees_every_page_with_payloads_as_text(server: str, watch: Watch) -> None:
    page = _open(watch, f"{server}/", WORKSPACE)
    _literal(page, SEGMENT)
    _literal(page, f"{UPLOAD} accounts2.csv")
    watch.check("Home")

    page = _open(watch, f"{server}/data", "Data")
    _literal(page, f"{UPLOAD} accounts2.csv")
    _literal(page, f"{UPLOAD} accounts1.csv")  # History lists the first import too
    page.get_by_role("tab", name="From other tools").click()
    page.locator(".st-key-presets_start input[role='combobox']").click()
    expect(page.get_by_role("option", name=PRESET_NAME)).to_be_visible()
    watch.check("Data (saved mappings listed)")
    page.keyboard.press("Escape")
    # Typed through the UI: a file name (no slash allowed in one; a browser reads
    # "http:payload.invalid" as http://payload.invalid/ all the same).
    page.get_by_role("tab", name="Import").click()
    upload = f"![x](http:{HOST}/i.png) {RED} {BOLD} [l](http:{HOST}) accounts.csv"
    page.locator(".st-key-import_files input[type=file]").set_input_files(
        {"name": upload, "mimeType": "text/csv", "buffer": b"account_id\nA1\n"}
    )
    _literal(page, f"Table for {upload}")
    watch.check("Data (a file uploaded)")

    page = _open(watch, f"{server}/scorecards", "Scorecards")
    _literal(page, SEGMENT)
    watch.check("Scorecards")

    page = _open(watch, f"{server}/at_risk", "At-risk accounts")
    option = _open_picker(page, "ar_account")
    expect(option).to_contain_text(ACCOUNT_NAME)
    option.click()
    _literal(page, RISK_BY)  # "Last saved ... by <name>."
    page.get_by_role("tab", name="CSM load").click()
    watch.check("At-risk")

    page = _open(watch, f"{server}/journey", "Journey maps")
    expect(page.locator(".st-key-journey_map_id input[role='combobox']")).to_have_value(
        f"{MAP_NAME} ({SEGMENT} · happy path · current)"
    )
    for tab in ("Grid", "Tables", "Workshop", "Opportunities", "Check & compare", "History"):
        page.get_by_role("tab", name=tab).click()
    _literal(page, f"T0 {NAME_A}")
    _literal(page, f"Workshop participant · {NAME_A}")  # the live guest links, by label
    _literal(page, f"Read only · {NAME_B}")
    watch.check("Journey (facilitator)")

    page = _open(watch, f"{server}/assessment", "Maturity assessment")
    expect(page.locator(".st-key-assess_round_pick input")).to_have_value(ROUND)
    page.get_by_role("tab", name="Results").click()  # names and notes are in tables there
    watch.check("Assessment (facilitator)")


def test_journey_participant_and_viewer_links(server: str, seeded: Seeded, watch: Watch) -> None:
    link = f"{server}/journey?link={seeded.participant_token}"
    page = _open(watch, link, "Join", guest=True)
    watch.check("Journey (participant, join screen)")
    # Typed through the UI: the name a participant joins under (it goes with their notes).
    page.get_by_label("Your name (shown with your notes and changes)").fill(RISK_BY)
    page.get_by_role("button", name="Join").click()
    expect(main_heading(page)).to_have_text("Journey map · workshop")
    _literal(page, MAP_NAME)
    _literal(page, RISK_BY)  # "You joined as <name>"
    for tab in ("Grid", "Workshop", "Opportunities"):
        page.get_by_role("tab", name=tab).click()
    watch.check("Journey (participant)")
    # Typed through the UI: a sticky note.
    page.get_by_role("tab", name="Workshop").click()
    page.locator(".st-key-note_text textarea").fill(f"typed {FULL}")
    page.locator(".st-key-note_submit button").click()
    _literal(page, f"typed {FULL}")
    watch.check("Journey (participant, after a typed note)")

    link = f"{server}/journey?link={seeded.view_token}"
    page = _open(watch, link, "Journey map (read only)", guest=True)
    _literal(page, MAP_NAME)
    watch.check("Journey (viewer)")


def test_assessment_respondent_link(server: str, seeded: Seeded, watch: Watch) -> None:
    link = f"{server}/assessment?round={seeded.round_token}"
    page = _open(watch, f"{link}&me={seeded.me_token}", "Maturity assessment", guest=True)
    _literal(page, ROUND)
    _literal(page, RESPONDENT)
    watch.check("Assessment (respondent)")
    # Typed through the UI: a new respondent joins under a payload name.
    page = _open(watch, link, "Maturity assessment", guest=True)
    page.locator(".st-key-assess_join_name input").fill(f"J {NAME_B}")
    page.locator(".st-key-assess_join button").click()
    _literal(page, f"J {NAME_B}")
    watch.check("Assessment (new respondent)")


def test_typed_workspace_rename_shows_as_text(server: str, watch: Watch) -> None:
    """Typed through the sidebar: Home's title and the switcher stay text (the rename's
    toast is cut short by the rerun that follows it; RECORD would catch anything it made)."""
    page = _open(watch, f"{server}/", WORKSPACE)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Manage workspaces").click()
    box = page.locator(".st-key-rename_workspace_name input")
    renamed = f"W2 {NAME_B}"
    box.fill(renamed)
    sidebar.get_by_role("button", name="Rename").click()
    expect(main_heading(page)).to_have_text(_shown(renamed))
    watch.check("Home (renamed)")
    box.fill(WORKSPACE)
    sidebar.get_by_role("button", name="Rename").click()
    expect(main_heading(page)).to_have_text(_shown(WORKSPACE))


def test_journey_markdown_export_keeps_no_live_markup(db_path: Path, seeded: Seeded) -> None:
    """The downloaded Markdown: every payload escaped, so no viewer renders or fetches it."""
    from core import journey as jm
    from core.access.guard import system_factory
    from core.db.engine import make_engine, unit_of_work

    engine = make_engine(f"sqlite:///{db_path}")
    with unit_of_work(system_factory(engine)) as s:
        text = jm.to_markdown(jm.load(s, seeded.map_id))
    engine.dispose()
    assert "](http" not in text.replace("\\](http", "")
    assert "![" not in text.replace("\\!\\[", "")
    assert ":red[" not in text
    assert "<img" not in text
    assert "<script" not in text
    assert "**bold**" not in text
    assert r"\!\[x\](http" in text
