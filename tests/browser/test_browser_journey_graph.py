"""The journey graph on the big screen, with a facilitator and two participants in headless
Chromium at 1400 x 900: labels readable as drawn (font size x vis's scale, read from the vis
network inside the agraph iframe, and checked against the text the canvas really drew), larger
in presenter mode, zoom and fit, and the stage shown to the room highlighted on every screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from playwright.sync_api import Browser, Frame, Page, expect

from tests.support.browser import expect_no_errors, start_server
from tests.support.journey_browser import (
    add,
    choose,
    graph_frame,
    in_graph,
    room,
    wait_for_label,
)

PAYLOADS = ("<img src=x onerror=window.__xss=1>", "<script>window.__xss=1</script>")
VIEWPORT = {"width": 1400, "height": 900}
MIN_LABEL_PX = 14

# The vis Network the component made lives in React state (the component keeps it to itself):
# walk up from its container's React fiber to the hook holding it.
NETWORK = """
() => {
  const div = document.querySelector('div.vis-network').parentElement;
  const key = Object.keys(div).find(
    k => k.startsWith('__reactInternalInstance$') || k.startsWith('__reactFiber$'));
  for (let fiber = div[key]; fiber; fiber = fiber.return) {
    for (let hook = fiber.memoizedState; hook && typeof hook === 'object' && 'next' in hook;
         hook = hook.next) {
      const v = hook.memoizedState;
      if (v && typeof v.getScale === 'function') { window.__net = v; return true; }
    }
  }
  return false;
}
"""
# Every label the canvas draws on the next redraw, with its size on screen: the font's px
# times the canvas transform's scale, without the device pixel ratio.
DRAWN = """
() => {
  const proto = CanvasRenderingContext2D.prototype;
  if (!proto.__measured) {
    const fill = proto.fillText;
    proto.fillText = function (text, x, y, ...rest) {
      const m = /(\\d+(?:\\.\\d+)?)px/.exec(this.font);
      if (m && window.__drawn) {
        const t = this.getTransform();
        const s = Math.hypot(t.a, t.b) / (window.devicePixelRatio || 1);
        window.__drawn[String(text)] = parseFloat(m[1]) * s;
      }
      return fill.call(this, text, x, y, ...rest);
    };
    proto.__measured = true;
  }
  window.__drawn = {};
  window.__net.redraw();
  return window.__drawn;
}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from start_server(tmp_path_factory)


def _network(page: Page) -> Frame:
    """The agraph frame, once its vis network can be reached."""
    for _ in range(40):
        frame = graph_frame(page)
        try:
            if frame.evaluate(NETWORK):
                return frame
        except Exception:  # a rerun replaced the frame mid-call  # noqa: BLE001
            pass
        page.wait_for_timeout(250)
    raise AssertionError("the vis network never appeared in the agraph iframe")


def _label_px(page: Page) -> tuple[float, float]:
    """(smallest label font x vis's scale, smallest label size the canvas drew), in px."""
    page.wait_for_timeout(800)  # vis's initial fit is done once the frame has its size
    frame = _network(page)
    scale = float(frame.evaluate("() => window.__net.getScale()"))
    fonts = in_graph(page, "() => window.__agraphData.nodes.map(n => n.font.size)")
    assert isinstance(fonts, list)
    assert fonts
    drawn = frame.evaluate(DRAWN)
    assert isinstance(drawn, dict)
    assert drawn, "the canvas drew no label"
    return min(float(f) for f in fonts) * scale, min(float(v) for v in drawn.values())


def _node(page: Page, node_id: str) -> dict:
    nodes = in_graph(page, "() => window.__agraphData.nodes")
    assert isinstance(nodes, list)
    return next(n for n in nodes if n["id"] == node_id)


def _stage_id(page: Page, name: str) -> str:
    nodes = in_graph(page, "() => window.__agraphData.nodes")
    assert isinstance(nodes, list)
    return next(n["id"] for n in nodes if n["label"].split("\n")[0] == name)


def _wait_presented(page: Page, node_id: str, timeout_ms: int = 30_000) -> dict:
    for _ in range(timeout_ms // 250):
        node = _node(page, node_id)
        if node.get("shadow", {}).get("enabled"):
            return node
        page.wait_for_timeout(250)
    raise AssertionError(f"{node_id} was never highlighted as the stage shown to the room")


def _click_node(page: Page, node_id: str) -> None:
    frame = _network(page)
    at = frame.evaluate(
        "(id) => window.__net.canvasToDOM(window.__net.getPositions([id])[id])", node_id
    )
    box = page.locator("iframe[title*='agraph']").first.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + at["x"], box["y"] + at["y"])


def test_labels_are_readable_and_larger_in_presenter_mode(server: str, browser: Browser) -> None:
    with room(browser, server, "Readable graph") as r:
        sizes = {}
        for who, page in (("facilitator", r.host), ("participant", r.participants[0])):
            page.set_viewport_size(VIEWPORT)
            wait_for_label(page, "Kickoff")
            sizes[who] = _label_px(page)
        host = r.host
        host.get_by_text("Presenter mode").click()
        expect(host.get_by_test_id("stSidebar")).to_be_hidden()
        for _ in range(60):  # the projector's layout arrives with a larger font
            fonts = in_graph(host, "() => window.__agraphData.nodes.map(n => n.font.size)")
            if isinstance(fonts, list) and min(fonts) > 17:
                break
            host.wait_for_timeout(250)
        sizes["presenter"] = _label_px(host)
        print("effective label px (font x scale, drawn):", sizes)
        for who in ("facilitator", "participant"):
            assert min(sizes[who]) >= MIN_LABEL_PX, (who, sizes)
        assert min(sizes["presenter"]) > max(min(sizes["facilitator"]), min(sizes["participant"]))
        expect_no_errors(host)


def test_zoom_and_fit(server: str, browser: Browser) -> None:
    with room(browser, server, "Zoom graph", names=("Pat",)) as r:
        page = r.participants[0]
        page.set_viewport_size(VIEWPORT)
        frame = _network(page)
        fitted = float(frame.evaluate("() => window.__net.getScale()"))
        iframe = page.locator("iframe[title*='agraph']").first
        iframe.scroll_into_view_if_needed()
        box = iframe.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 200)
        for _ in range(3):
            page.mouse.wheel(0, -200)
            page.wait_for_timeout(200)
        zoomed = float(frame.evaluate("() => window.__net.getScale()"))
        assert zoomed > fitted * 1.2
        frame.locator(".vis-navigation .vis-zoomExtends").click()  # "fit"
        page.wait_for_timeout(1500)  # fit animates
        assert float(frame.evaluate("() => window.__net.getScale()")) == pytest.approx(fitted)


def test_presented_stage_is_highlighted_on_every_screen(server: str, browser: Browser) -> None:
    with room(browser, server, "Presented graph") as r:
        host, (pat, sam) = r.host, r.participants
        sam.get_by_text("Follow the facilitator").click()  # shown even to those not following
        expect(sam.locator(".st-key-journey_follow input")).not_to_be_checked()
        kickoff = _stage_id(pat, "Kickoff")
        _click_node(pat, kickoff)  # Pat's own selection, to tell it from the presented stage
        for _ in range(80):
            if _node(pat, kickoff)["borderWidth"] == 4:
                break
            pat.wait_for_timeout(250)
        setup = _stage_id(host, "Setup")
        host.get_by_role("tab", name="Workshop").click()
        choose(host, "workshop_present", "Setup")
        for page in (pat, sam, host):
            node = _wait_presented(page, setup)
            assert node["borderWidth"] == 6
            assert node["color"]["border"] == "#F0E442"
            assert node["label"].startswith("▶ Setup")
        selected = _node(pat, kickoff)
        assert selected["borderWidth"] == 4
        assert selected["color"]["border"] == "#000000"
        assert not selected.get("shadow")
        for page in (pat, sam):
            assert not _node(page, _stage_id(page, "Contract")).get("shadow")
            expect(page.get_by_text("shown to the room: Setup")).to_be_visible()
            expect_no_errors(page)


def _words(text: str) -> str:
    """Text without its white space: a long label is wrapped over lines in the pictures."""
    return "".join(text.split())


def test_graph_and_grid_download_with_typed_labels_as_text(
    server: str, browser: Browser, tmp_path: Path
) -> None:
    """The files are made when their button is pressed (a callable behind the button); a
    participant's hostile label arrives in the SVG as escaped text and the PNG is a PNG."""
    with room(browser, server, "Graph files", names=("Pat",)) as r:
        host, (pat,) = r.host, r.participants
        add(pat, "Touchpoint", PAYLOADS[0])
        wait_for_label(host, PAYLOADS[0])
        files = {}
        host.locator(".st-key-graph_files_make button").click()
        for key in ("graph_svg", "graph_png"):
            with host.expect_download() as download:
                host.locator(f".st-key-{key} button").click()
            files[key] = tmp_path / download.value.suggested_filename
            download.value.save_as(files[key])
        svg = files["graph_svg"].read_text(encoding="utf-8")
        tree = ElementTree.fromstring(svg)
        assert not [e for e in tree.iter() if e.tag.endswith("script")]
        assert PAYLOADS[0] not in svg  # never raw markup, but its words as text
        assert _words(PAYLOADS[0]) in _words("".join(tree.itertext()))
        assert files["graph_png"].read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        host.get_by_role("tab", name="Grid").click()
        host.locator(".st-key-grid_files_make button").click()
        with host.expect_download() as download:
            host.locator(".st-key-grid_svg button").click()
        grid = tmp_path / "grid.svg"
        download.value.save_as(grid)
        grid_svg = grid.read_text(encoding="utf-8")
        assert PAYLOADS[0] not in grid_svg
        assert _words(PAYLOADS[0]) in _words("".join(ElementTree.fromstring(grid_svg).itertext()))
        assert host.evaluate("() => window.__xss") is None
        expect_no_errors(host)
