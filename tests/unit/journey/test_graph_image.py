"""The graph as SVG and PNG (core.journey.graph_image): a valid picture of the same layout,
every typed label and hover text kept as text (the payloads stay inert), non-ASCII names
drawn, and a PNG made from the SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from core.journey import views
from core.journey.graph_image import graph_png, graph_svg
from tests.unit.journey.graph_maps import HOSTILE, content, milestone, stage, touch

SVG = "{http://www.w3.org/2000/svg}"
NON_ASCII = "Überprüfung · Café ☕ 日本"


def _map():
    stages = [stage(1, f"{HOSTILE[1]} stage", 0, 10), stage(2, NON_ASCII, 11, 20)]
    return content(
        stages,
        touchpoint=[touch(10, HOSTILE[0], 1), touch(11, "Welcome mail", 2)],
        milestone=[milestone(20, f"{HOSTILE[1]} m", 2), milestone(21, "Loose", None)],
    )


def _texts(root: ET.Element) -> str:
    return "\n".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


def test_svg_is_valid_and_holds_every_label_as_text() -> None:
    g = views.graph(_map())
    svg = graph_svg(g, f"{HOSTILE[0]} map")
    root = ET.fromstring(svg)  # parses: the file is well-formed XML
    assert root.tag == f"{SVG}svg"
    drawn = _texts(root)
    for n in g.nodes:
        for line in n.lines:
            assert line in drawn
    assert f"{HOSTILE[0]} map" in drawn  # the title
    assert NON_ASCII in drawn


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_labels_and_tooltips_stay_text(payload: str) -> None:
    svg = graph_svg(views.graph(_map()), payload)
    root = ET.fromstring(svg)
    tags = {el.tag.removeprefix(SVG) for el in root.iter()}
    assert tags <= {"svg", "defs", "marker", "path", "rect", "text", "g", "title", "line",
                    "circle", "polygon"}  # fmt: skip
    assert not tags & {"script", "img", "foreignObject", "a", "iframe"}
    assert not any(k.startswith("on") for el in root.iter() for k in el.attrib)
    assert "<script" not in svg
    assert "<img" not in svg
    assert "&lt;script&gt;" in svg
    assert "&lt;img src=x onerror" in svg
    titles = ["".join(t.itertext()) for t in root.iter(f"{SVG}title")]
    assert any(HOSTILE[0] in t for t in titles)  # the hover text, as text
    assert payload in _texts(root)


def test_the_presented_stage_is_ringed() -> None:
    g = views.graph(_map())
    plain = ET.fromstring(graph_svg(g, "m"))
    ringed = ET.fromstring(graph_svg(g, "m", highlight="stage-2"))
    assert len(list(ringed.iter(f"{SVG}rect"))) == len(list(plain.iter(f"{SVG}rect"))) + 1


def test_png_is_made_from_the_svg() -> None:
    g = views.graph(_map(), scale=views.PROJECTOR)
    png = graph_png(g, NON_ASCII)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    root = ET.fromstring(graph_svg(g, NON_ASCII))
    assert (width, height) == (2 * int(root.attrib["width"]), 2 * int(root.attrib["height"]))
