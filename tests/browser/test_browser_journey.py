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
from playwright.sync_api import expect

from tests.support.browser import (
    ARTIFACTS,
    assert_no_errors,
    start_server,
    wait_idle,
)

TIMEOUT = 60_000
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


def _open(browser: object, url: str) -> tuple[object, object]:
    context = browser.new_context(viewport={"width": 1500, "height": 1100})  # type: ignore[attr-defined]
    context.add_init_script(RECORD_GRAPH)
    page = context.new_page()
    page.goto(url)
    wait_idle(page)
    return context, page


def _in_graph(page: object, script: str) -> object:
    """Evaluate in the agraph iframe once it has a graph; a rerun may replace the iframe
    mid-call, so a detached frame is simply looked up again (headless Chromium shows the
    iframe only after a first paint, hence the screenshot)."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page.screenshot()  # type: ignore[attr-defined]
        for frame in page.frames:  # type: ignore[attr-defined]
            if "agraph" not in frame.url:
                continue
            try:
                if frame.evaluate("() => !!window.__agraphData"):
                    return frame.evaluate(script)
            except Error:
                continue
        page.wait_for_timeout(250)  # type: ignore[attr-defined]
    raise AssertionError("the agraph iframe never received a graph")


def _graph_frame(page: object) -> object:
    _in_graph(page, "() => true")
    return next(f for f in page.frames if "agraph" in f.url)  # type: ignore[attr-defined]


def _labels(page: object) -> list[str]:
    return _in_graph(page, "() => window.__agraphData.nodes.map(n => n.label)")  # type: ignore[return-value]


def _wait_for_label(page: object, label: str, *, present: bool = True, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(x.split("\n")[0] == label for x in _labels(page)) == present:
            return
        page.wait_for_timeout(200)  # type: ignore[attr-defined]
    state = "appear" if present else "disappear"
    raise AssertionError(f"node {label!r} did not {state} within {timeout} s")


def _choose(page: object, key: str, option: str) -> None:
    """Streamlit's selectbox is a combobox: type to filter, then pick the exact option (a
    rerun can close the list under the pointer, so try again until the value shows)."""
    from playwright.sync_api import Error

    box = page.locator(f".st-key-{key} input[role='combobox']")  # type: ignore[attr-defined]
    for _ in range(5):
        try:
            box.click()
            box.press("Control+a")
            box.type(option[:40])
            page.get_by_role("option", name=option, exact=True).first.click(timeout=5_000)  # type: ignore[attr-defined]
        except Error:
            box.press("Escape")
            continue
        if box.input_value() == option:
            break
    expect(box).to_have_value(option, timeout=TIMEOUT)
    wait_idle(page)


def _add(page: object, kind: str, name: str) -> None:
    _choose(page, "add_kind", kind)
    page.locator(".st-key-add_name input").fill(name)  # type: ignore[attr-defined]
    page.locator(".st-key-add_submit button").click()  # type: ignore[attr-defined]
    wait_idle(page)


def _new_map(page: object, name: str) -> None:
    """Create a map from the first template under the popover (the demo workspace already
    holds maps, so the test makes its own) and wait until the picker shows it."""
    page.get_by_role("button", name="New, duplicate, rename, delete").click()  # type: ignore[attr-defined]
    page.locator(".st-key-create_name input").fill(name)  # type: ignore[attr-defined]
    page.locator(".st-key-create_submit button").click()  # type: ignore[attr-defined]
    box = page.locator(".st-key-journey_map_id input[role='combobox']")  # type: ignore[attr-defined]
    expect(box).to_have_value(re.compile(f"^{re.escape(name)}"), timeout=TIMEOUT)
    page.keyboard.press("Escape")  # type: ignore[attr-defined]


def test_add_see_undo_and_live_edit_from_another_screen(server: str, browser: object):
    ctx_a, host = _open(browser, f"{server}/journey")
    _new_map(host, "Live edit test")
    _wait_for_label(host, "Kickoff")

    _add(host, "Touchpoint", "Welcome video")
    _wait_for_label(host, "Welcome video")
    host.get_by_role("tab", name="Grid").click()  # type: ignore[attr-defined]
    grid = host.locator(".wp-grid").first  # type: ignore[attr-defined]
    grid.wait_for(timeout=TIMEOUT)
    assert "Welcome video" in grid.inner_text()
    assert_no_errors(host)

    host.locator(".st-key-journey_undo button").click()  # type: ignore[attr-defined]
    wait_idle(host)
    _wait_for_label(host, "Welcome video", present=False)
    assert "Welcome video" not in host.locator(".wp-grid").first.text_content()  # type: ignore[attr-defined]

    code = host.locator('[data-testid="stCode"]', has_text="&code=").first  # type: ignore[attr-defined]
    link = code.text_content().strip()
    assert "/journey?map=" in link
    ctx_b, guest = _open(browser, link)
    assert guest.get_by_text("Journey map · workshop").first.is_visible()  # type: ignore[attr-defined]
    _add(guest, "Touchpoint", "Added by a participant")
    _wait_for_label(guest, "Added by a participant")
    started = time.monotonic()
    _wait_for_label(host, "Added by a participant", timeout=5)
    assert time.monotonic() - started <= 5
    assert_no_errors(host)
    assert_no_errors(guest)
    ARTIFACTS.mkdir(exist_ok=True)
    host.screenshot(path=str(ARTIFACTS / "journey-live.png"), full_page=True)  # type: ignore[attr-defined]
    ctx_b.close()  # type: ignore[attr-defined]
    ctx_a.close()  # type: ignore[attr-defined]


# ------------------------------------------------------------------ hostile labels


def _seed_hostile_map(db_path: Path) -> None:
    """A map with a script payload in every text field of every kind, written through core."""
    from core import journey as jm
    from core.db.engine import make_engine, session_factory, unit_of_work
    from core.journey import workshop
    from core.workspace.workspaces import list_workspaces

    engine = make_engine(f"sqlite:///{db_path}")
    actor = jm.Actor(PAYLOADS[0])
    with unit_of_work(session_factory(engine)) as s:
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
    engine.dispose()


def _node_centres(png: bytes, colours: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Centres of blobs of the given fill colours in a screenshot of the graph."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    pixels = image.load()
    cells: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for y in range(0, height, 3):
        for x in range(0, width, 3):
            r, g, b = pixels[x, y]
            if any(abs(r - c[0]) + abs(g - c[1]) + abs(b - c[2]) < 20 for c in colours):
                cells.setdefault((x // 40, y // 40), []).append((x, y))
    centres = []
    for points in cells.values():
        if len(points) >= 6:
            xs, ys = zip(*points, strict=True)
            centres.append((sum(xs) // len(xs), sum(ys) // len(ys)))
    return centres


def test_hostile_labels_never_run(server: str, browser: object, db_path: Path):
    ctx, page = _open(browser, f"{server}/journey")  # the first visit creates the demo workspace
    _seed_hostile_map(db_path)
    page.reload()  # type: ignore[attr-defined]
    wait_idle(page)
    _choose(page, "journey_map_id", f"{PAYLOADS[0]} map (All segments · {PAYLOADS[1]} · current)")
    wait_idle(page)
    frame = _graph_frame(page)
    assert any(
        n.startswith("<img src=x")
        for n in frame.evaluate("() => window.__agraphData.nodes.map(n => n.label)")
    )
    iframe = page.locator("iframe[title*='agraph']").first  # type: ignore[attr-defined]
    iframe.scroll_into_view_if_needed()
    box = iframe.bounding_box()
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
        page.mouse.move(box["x"] + x, box["y"] + y)  # type: ignore[attr-defined]
        page.wait_for_timeout(450)  # type: ignore[attr-defined]
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
        page.get_by_role("tab", name=tab).click()  # type: ignore[attr-defined]
        page.wait_for_timeout(400)  # type: ignore[attr-defined]
    grid = page.locator(".wp-grid").first  # type: ignore[attr-defined]
    assert PAYLOADS[1] in grid.text_content()
    assert page.locator(".wp-grid img, .wp-grid script").count() == 0  # type: ignore[attr-defined]
    assert page.evaluate("() => typeof window.__xss") == "undefined"  # type: ignore[attr-defined]
    for other in page.frames:  # type: ignore[attr-defined]
        assert other.evaluate("() => typeof window.__xss") == "undefined"
    assert_no_errors(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "journey-hostile.png"), full_page=True)  # type: ignore[attr-defined]
    ctx.close()  # type: ignore[attr-defined]


def test_exported_json_and_excel_import_back(server: str, browser: object, tmp_path: Path):
    ctx, page = _open(browser, f"{server}/journey")
    _new_map(page, "Export test")
    page.get_by_role("tab", name="Export & import").click()  # type: ignore[attr-defined]
    for fmt, key in (("json", "export_json"), ("xlsx", "export_excel")):
        with page.expect_download() as download:  # type: ignore[attr-defined]
            page.locator(f".st-key-{key} button").click()  # type: ignore[attr-defined]
        saved = tmp_path / f"map.{fmt}"
        download.value.save_as(saved)
        page.locator(".st-key-import_file input[type=file]").set_input_files(str(saved))  # type: ignore[attr-defined]
        page.locator(".st-key-import_file").get_by_text(saved.name).wait_for(timeout=TIMEOUT)  # type: ignore[attr-defined]
        page.locator(".st-key-import_name input").fill(f"Imported from {fmt}")  # type: ignore[attr-defined]
        page.locator(".st-key-import_submit button").click()  # type: ignore[attr-defined]
        wait_idle(page)
        assert_no_errors(page)
        box = page.locator(".st-key-journey_map_id input[role='combobox']")  # type: ignore[attr-defined]
        expect(box).to_have_value(re.compile(f"^Imported from {fmt}"), timeout=TIMEOUT)
        assert_no_errors(page)
    ctx.close()  # type: ignore[attr-defined]
