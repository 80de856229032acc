"""The journey editor as a browser test drives it: screens on the journey page, the graph the
agraph iframe received, the add form, a new map, a participant link and a guest joining it.

Shared by the journey's browser tests so each feature's test reads as the room would use it:
a facilitator's screen and participants' screens against one server (see `room`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from playwright.sync_api import Browser, BrowserContext, Error, Frame, Locator, Page, expect

from tests.support.browser import TIMEOUT, main_heading, new_context

# Every frame (the agraph iframe included) keeps the last graph the app sent it, so the test
# reads the nodes the component received instead of guessing from the canvas.
RECORD_GRAPH = """
window.addEventListener('message', (event) => {
  const d = event.data;
  if (d && d.type === 'streamlit:render' && d.args && typeof d.args.data === 'string') {
    window.__agraphData = JSON.parse(d.args.data);
  }
});
"""


def open_screen(browser: Browser, url: str) -> tuple[BrowserContext, Page]:
    """A new screen on the journey page, once its title is drawn (guests see the map's)."""
    context = new_context(browser)
    context.add_init_script(RECORD_GRAPH)
    page = context.new_page()
    page.goto(url)
    expect(main_heading(page)).to_be_visible()
    return context, page


def map_picker(page: Page) -> Locator:
    return page.locator(".st-key-journey_map_id input[role='combobox']")


def in_graph(page: Page, script: str) -> object:
    """Evaluate in the agraph iframe once it has a graph; a rerun may replace the iframe
    mid-call, so a detached frame is simply looked up again (headless Chromium shows the
    iframe only after a first paint, hence the screenshot)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page.screenshot()
        for frame in page.frames:
            if "agraph" not in frame.url:
                continue
            try:
                if frame.evaluate("() => !!window.__agraphData"):
                    return frame.evaluate(script)
            except Error:
                continue
        page.wait_for_timeout(250)
    raise AssertionError("the agraph iframe never received a graph")


def graph_frame(page: Page) -> Frame:
    in_graph(page, "() => true")
    return next(f for f in page.frames if "agraph" in f.url)


def labels(page: Page) -> list[str]:
    labels = in_graph(page, "() => window.__agraphData.nodes.map(n => n.label)")
    assert isinstance(labels, list)
    return [str(x) for x in labels]


def wait_for_label(page: Page, label: str, *, present: bool = True, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(x.split("\n")[0] == label for x in labels(page)) == present:
            return
        page.wait_for_timeout(200)
    state = "appear" if present else "disappear"
    raise AssertionError(f"node {label!r} did not {state} within {timeout} s")


def choose(page: Page, key: str, option: str) -> None:
    """Streamlit's selectbox is a combobox: type to filter, then pick the exact option (a
    rerun can close the list under the pointer, so try again until the value shows)."""
    box = page.locator(f".st-key-{key} input[role='combobox']")
    for _ in range(5):
        try:
            box.click()
            box.press("Control+a")
            box.type(option[:40])
            page.get_by_role("option", name=option, exact=True).first.click(timeout=5_000)
        except Error:
            box.press("Escape")
            continue
        if box.input_value() == option:
            break
    expect(box).to_have_value(option)


# The add form's run has ended its work: it stored the element (the name box is cleared) or
# said why not (an error box).
ADD_SETTLED = """() => {
    const box = document.querySelector('.st-key-add_name input');
    const refused = document.querySelector('[data-testid="stAlertContentError"]');
    return refused !== null || (box !== null && box.value === '');
}"""


def add(page: Page, kind: str, name: str) -> None:
    """Add an element through the form and wait until it is stored (the name box empties)
    or refused (an error box), so the test's next step starts from that state; the caller
    then waits for it in the graph. A press that leaves the name in the box for 30 s never
    reached the server (under load a live refresh can redraw the form as it is pressed):
    the person presses again."""
    choose(page, "add_kind", kind)
    box = page.locator(".st-key-add_name input")
    box.fill(name)
    for _ in range(3):
        page.locator(".st-key-add_submit button").click()
        try:
            page.wait_for_function(ADD_SETTLED, timeout=30_000)
            return
        except Error:
            if box.input_value() != name:
                break  # the form was drawn again empty: stored meanwhile, or to be checked
    page.wait_for_function(ADD_SETTLED, timeout=TIMEOUT)


def new_map(page: Page, name: str) -> None:
    """Create a map from the first template under the popover (the demo workspace already
    holds maps, so the test makes its own) and wait until the picker shows it."""
    page.get_by_role("button", name="New, duplicate, rename, delete").click()
    page.locator(".st-key-create_name input").fill(name)
    page.locator(".st-key-create_submit button").click()
    expect(map_picker(page)).to_have_value(re.compile(f"^{re.escape(name)}"))
    page.keyboard.press("Escape")


def participant_link(host: Page) -> str:
    """Make a participant link in the Workshop tab (the defaults: 14 days, no passcode) and
    read it from the box that shows it once."""
    host.get_by_role("tab", name="Workshop").click()
    host.locator(".st-key-workshop_link_create button").click()
    code = host.locator(".st-key-workshop_new_link_box").get_by_test_id("stCode")
    expect(code).to_contain_text("/journey?link=")
    link = (code.text_content() or "").strip()
    host.get_by_role("tab", name="Map").click()
    return link


def join(page: Page, name: str) -> None:
    """A guest's first visit: the join screen asks the name their notes and changes carry."""
    expect(main_heading(page)).to_have_text("Join")
    page.get_by_label("Your name (shown with your notes and changes)").fill(name)
    page.get_by_role("button", name="Join").click()


@dataclass
class Room:
    """A facilitator's screen on their new map and participants who joined by its link."""

    host: Page
    participants: list[Page]
    link: str


@contextmanager
def room(
    browser: Browser, server: str, map_name: str, names: tuple[str, ...] = ("Pat", "Sam")
) -> Iterator[Room]:
    """The facilitator (the local owner) makes `map_name` from the first template, makes a
    participant link, and each of `names` opens it in their own browser context and joins."""
    contexts: list[BrowserContext] = []
    try:
        ctx, host = open_screen(browser, f"{server}/journey")
        contexts.append(ctx)
        new_map(host, map_name)
        wait_for_label(host, "Kickoff")
        link = participant_link(host)
        participants = []
        for name in names:
            ctx, guest = open_screen(browser, link)
            contexts.append(ctx)
            join(guest, name)
            expect(main_heading(guest)).to_have_text("Journey map · workshop")
            participants.append(guest)
        yield Room(host=host, participants=participants, link=link)
    finally:
        for ctx in contexts:
            ctx.close()
