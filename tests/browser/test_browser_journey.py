"""The journey editor in headless Chromium: create a map, add a touchpoint and see it in the
graph and the grid, undo it, see a second screen's edit arrive, and prove hostile labels stay
text everywhere (page, grid, graph tooltips inside the agraph iframe)."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Error, Frame, Locator, Page, expect

from tests.support.browser import (
    ARTIFACTS,
    expect_no_errors,
    main_heading,
    new_context,
    start_server,
)

PAYLOADS = ("<img src=x onerror=window.__xss=1>", "<script>window.__xss=1</script>")
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


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("journey-db") / "app.db"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, db_path: Path) -> Iterator[str]:
    yield from start_server(tmp_path_factory, DATABASE_URL=f"sqlite:///{db_path}")


def _open(browser: Browser, url: str) -> tuple[BrowserContext, Page]:
    """A new screen on the journey page, once its title is drawn (guests see the map's)."""
    context = new_context(browser)
    context.add_init_script(RECORD_GRAPH)
    page = context.new_page()
    page.goto(url)
    expect(main_heading(page)).to_be_visible()
    return context, page


def _map_picker(page: Page) -> Locator:
    return page.locator(".st-key-journey_map_id input[role='combobox']")


def _in_graph(page: Page, script: str) -> object:
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


def _graph_frame(page: Page) -> Frame:
    _in_graph(page, "() => true")
    return next(f for f in page.frames if "agraph" in f.url)


def _labels(page: Page) -> list[str]:
    labels = _in_graph(page, "() => window.__agraphData.nodes.map(n => n.label)")
    assert isinstance(labels, list)
    return [str(x) for x in labels]


def _wait_for_label(page: Page, label: str, *, present: bool = True, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(x.split("\n")[0] == label for x in _labels(page)) == present:
            return
        page.wait_for_timeout(200)
    state = "appear" if present else "disappear"
    raise AssertionError(f"node {label!r} did not {state} within {timeout} s")


def _choose(page: Page, key: str, option: str) -> None:
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


def _add(page: Page, kind: str, name: str) -> None:
    """Add an element through the form; the caller waits for it in the graph."""
    _choose(page, "add_kind", kind)
    page.locator(".st-key-add_name input").fill(name)
    page.locator(".st-key-add_submit button").click()


def _new_map(page: Page, name: str) -> None:
    """Create a map from the first template under the popover (the demo workspace already
    holds maps, so the test makes its own) and wait until the picker shows it."""
    page.get_by_role("button", name="New, duplicate, rename, delete").click()
    page.locator(".st-key-create_name input").fill(name)
    page.locator(".st-key-create_submit button").click()
    expect(_map_picker(page)).to_have_value(re.compile(f"^{re.escape(name)}"))
    page.keyboard.press("Escape")


def _participant_link(host: Page) -> str:
    """Make a participant link in the Workshop tab (the defaults: 14 days, no passcode) and
    read it from the box that shows it once."""
    host.get_by_role("tab", name="Workshop").click()
    host.locator(".st-key-workshop_link_create button").click()
    code = host.locator(".st-key-workshop_new_link_box").get_by_test_id("stCode")
    expect(code).to_contain_text("/journey?link=")
    link = (code.text_content() or "").strip()
    host.get_by_role("tab", name="Map").click()
    return link


def _join(page: Page, name: str) -> None:
    """A guest's first visit: the join screen asks the name their notes and changes carry."""
    expect(main_heading(page)).to_have_text("Join")
    page.get_by_label("Your name (shown with your notes and changes)").fill(name)
    page.get_by_role("button", name="Join").click()


def test_add_see_undo_and_live_edit_from_another_screen(server: str, browser: Browser) -> None:
    ctx_a, host = _open(browser, f"{server}/journey")
    _new_map(host, "Live edit test")
    _wait_for_label(host, "Kickoff")

    _add(host, "Touchpoint", "Welcome video")
    _wait_for_label(host, "Welcome video")
    host.get_by_role("tab", name="Grid").click()
    grid = host.locator(".wp-grid").first
    expect(grid).to_contain_text("Welcome video")
    expect_no_errors(host)

    # The undo button as the current run drew it (its tooltip wrapper can leave a second,
    # unnamed copy in the container while a rerun replaces it).
    host.locator('.st-key-journey_undo[data-stale="false"]').get_by_role(
        "button", name=re.compile("^Undo")
    ).first.click()
    _wait_for_label(host, "Welcome video", present=False)
    expect(host.locator(".wp-grid").first).not_to_contain_text("Welcome video")

    link = _participant_link(host)
    assert "/journey?link=" in link
    ctx_b, guest = _open(browser, link)
    _join(guest, "Pat")
    expect(main_heading(guest)).to_have_text("Journey map · workshop")
    _add(guest, "Touchpoint", "Added by a participant")
    _wait_for_label(guest, "Added by a participant")
    started = time.monotonic()
    _wait_for_label(host, "Added by a participant", timeout=5)
    assert time.monotonic() - started <= 5
    expect_no_errors(host)
    expect_no_errors(guest)
    ARTIFACTS.mkdir(exist_ok=True)
    host.screenshot(path=str(ARTIFACTS / "journey-live.png"), full_page=True)
    ctx_b.close()
    ctx_a.close()


# ------------------------------------------------------------------ hostile labels


def _seed_hostile_map(db_path: Path) -> None:
    """A map with a script payload in every text field of every kind, written through core."""
    from core import journey as jm
    from core.access import links
    from core.access.guard import system_factory
    from core.db.engine import make_engine, unit_of_work
    from core.journey import workshop
    from core.workspace.workspaces import list_workspaces

    engine = make_engine(f"sqlite:///{db_path}")
    actor = jm.Actor(PAYLOADS[0])
    with unit_of_work(system_factory(engine)) as s:
        ws = list_workspaces(s)[0]
        info = jm.create_map(
            s, ws.id, "blank", actor, name=f"{PAYLOADS[0]} map", variant=PAYLOADS[1]
        )
        for n, payload in enumerate(PAYLOADS):
            text = {"goal": payload, "exit_criteria": payload}
            stage = jm.add_element(s, info.id, "stage", {"name": f"{payload} {n}", **text}, actor)
            where = {"stage_id": stage["id"], "role": "admin"}
            jm.add_element(
                s, info.id, "milestone", {"name": f"{payload} m", "event": payload, **where}, actor
            )
            jm.add_element(
                s,
                info.id,
                "touchpoint",
                {
                    "name": f"{payload} t",
                    "owner_team": payload,
                    "pain_point": payload,
                    "content": payload,
                    "sla_hours": 2,
                    **where,
                },
                actor,
            )
            jm.add_element(
                s,
                info.id,
                "signal",
                {
                    "name": f"{payload} s",
                    "event": payload,
                    "condition": payload,
                    "play": payload,
                    **where,
                },
                actor,
            )
            jm.add_element(
                s,
                info.id,
                "risk",
                {
                    "name": f"{payload} r",
                    "trigger": payload,
                    "intervention": payload,
                    "owner": payload,
                    "escalation": payload,
                    **where,
                },
                actor,
            )
            jm.add_element(
                s,
                info.id,
                "opportunity",
                {"title": f"{payload} o", "owner": payload, "measure": payload},
                actor,
            )
            workshop.add_note(s, info.id, stage["id"], "idea", payload, actor)
        # A guest link whose label is a payload: the Workshop tab lists it.
        links.create_link(s, ws.id, "participant", map_id=info.id, label=PAYLOADS[0])
    engine.dispose()


def _node_centres(png: bytes, colours: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Centres of blobs of the given fill colours in a screenshot of the graph."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    pixels = image.tobytes()  # RGB, row by row
    cells: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for y in range(0, height, 3):
        for x in range(0, width, 3):
            at = (y * width + x) * 3
            r, g, b = pixels[at], pixels[at + 1], pixels[at + 2]
            if any(abs(r - c[0]) + abs(g - c[1]) + abs(b - c[2]) < 20 for c in colours):
                cells.setdefault((x // 40, y // 40), []).append((x, y))
    centres = []
    for points in cells.values():
        if len(points) >= 6:
            xs, ys = zip(*points, strict=True)
            centres.append((sum(xs) // len(xs), sum(ys) // len(ys)))
    return centres


def test_hostile_labels_never_run(server: str, browser: Browser, db_path: Path) -> None:
    ctx, page = _open(browser, f"{server}/journey")  # the first visit creates the demo workspace
    expect(_map_picker(page)).to_be_visible()
    _seed_hostile_map(db_path)
    page.reload()
    expect(_map_picker(page)).to_be_visible()
    title = f"{PAYLOADS[0]} map (All segments · {PAYLOADS[1]} · current)"
    _choose(page, "journey_map_id", title)
    deadline = time.monotonic() + 30
    while not any(n.startswith("<img src=x") for n in _labels(page)):
        assert time.monotonic() < deadline, "the hostile map's graph was never drawn"
        page.wait_for_timeout(200)
    frame = _graph_frame(page)
    iframe = page.locator("iframe[title*='agraph']").first
    iframe.scroll_into_view_if_needed()
    box = iframe.bounding_box()
    assert box is not None
    colours = [
        (0x00, 0x72, 0xB2),
        (0xE6, 0x9F, 0x00),
        (0x00, 0x9E, 0x73),
        (0x56, 0xB4, 0xE9),
        (0xD5, 0x5E, 0x00),
    ]
    centres = _node_centres(iframe.screenshot(), colours)
    assert len(centres) >= 5, "expected to find the graph's nodes on the canvas"
    tooltips = []
    for x, y in centres[:30]:
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.wait_for_timeout(450)  # vis.js shows a tooltip after a short hover delay
        shown = frame.evaluate(
            "() => Array.from(document.querySelectorAll('.vis-tooltip'))"
            ".filter(t => t.style.visibility !== 'hidden').map(t => t.innerText)"
        )
        tooltips += shown
    # The payload is shown (with look-alike brackets), not run.
    assert any("img src=x onerror=window.__xss=1" in t for t in tooltips), tooltips[:3]
    assert frame.evaluate("() => typeof window.__xss") == "undefined"
    assert (
        frame.evaluate(
            "() => document.querySelectorAll('.vis-tooltip img, .vis-tooltip script').length"
        )
        == 0
    )

    for tab in ("Grid", "Tables", "Workshop", "Opportunities", "Check & compare", "History"):
        page.get_by_role("tab", name=tab).click()
        expect(page.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true")
    expect(page.locator(".wp-grid").first).to_contain_text(PAYLOADS[1])
    assert page.locator(".wp-grid img, .wp-grid script").count() == 0
    page.get_by_role("tab", name="Workshop").click()
    expect(page.get_by_text(f"Workshop participant · {PAYLOADS[0]}").first).to_be_visible()
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    for other in page.frames:
        assert other.evaluate("() => typeof window.__xss") == "undefined"
    expect_no_errors(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "journey-hostile.png"), full_page=True)
    ctx.close()


def test_exported_json_and_excel_import_back(server: str, browser: Browser, tmp_path: Path) -> None:
    ctx, page = _open(browser, f"{server}/journey")
    _new_map(page, "Export test")
    page.get_by_role("tab", name="Export & import").click()
    for fmt, key in (("json", "export_json"), ("xlsx", "export_excel")):
        with page.expect_download() as download:
            page.locator(f".st-key-{key} button").click()
        saved = tmp_path / f"map.{fmt}"
        download.value.save_as(saved)
        page.locator(".st-key-import_file input[type=file]").set_input_files(str(saved))
        page.locator(".st-key-import_file").get_by_text(saved.name).wait_for()
        page.locator(".st-key-import_name input").fill(f"Imported from {fmt}")
        page.locator(".st-key-import_submit button").click()
        expect(_map_picker(page)).to_have_value(re.compile(f"^Imported from {fmt}"))
        expect_no_errors(page)
    ctx.close()
