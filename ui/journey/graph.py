"""The map as a picture: stages left to right in day order, their elements hanging below
(streamlit-agraph), sized so the room can read it, with zoom, fit and picture downloads.

core.journey.views lays the graph out for the width the screen gives it (views.SCREEN, or
views.PROJECTOR in presenter mode): vis fits the layout into its frame and never zooms in
above 1:1, so labels are drawn at the layout's font size (17 px on the Map tab, 22 px in
presenter mode, in a 1400 px window) instead of shrinking to fit a fixed, wide layout.
Clicking a node selects it for the element form. Every label and title arrives inert from
core.journey.views: the component writes titles with innerHTML.
"""

from __future__ import annotations

import json

import streamlit as st
from streamlit_agraph import Config, Edge, Node, _agraph

from core import journey as jm
from core.access.identity import Access
from core.common.palette import BLACK, INK, YELLOW
from core.common.text import inert_markdown
from core.journey import views
from core.journey.graph_image import graph_png, graph_svg
from ui.journey.files import MapFile, files_on_request
from ui.journey.toolbar import Lens

SELECTED_KEY = "journey_selected"
LEGEND_COLOURS = {
    "stage": "blue",
    "milestone": "orange",
    "touchpoint": "green",
    "signal": "blue",
    "risk": "red",
}
PRESENTED_GLOW = "rgba(230,159,0,0.95)"
"""The glow around the stage shown to the room (Okabe-Ito orange), with a yellow border."""


def graph(
    content: jm.MapContent,
    access: Access,
    lens: Lens,
    *,
    editable: bool = False,
    presenter: bool = False,
) -> None:
    """The graph, its legend and (off the projector) its downloads.

    `editable`: the person may edit this map now (not locked, their role allows it); only then
    does the caption invite a click to edit. `presenter`: the projector's larger layout.
    """
    scale = views.PROJECTOR if presenter else views.SCREEN
    g = views.graph(
        content,
        roles=set(lens.roles),
        channels=set(lens.channels),
        reach=lens.reach,
        scale=scale,
    )
    presented = content.info.presenting_stage_id
    shown = views.node_id("stage", presented) if presented is not None else None
    clicked = _draw(g, shown, key=f"journey_graph-{content.info.id}-{g.font}-{g.width}x{g.height}")
    if clicked and clicked != st.session_state.get("journey_last_click"):
        st.session_state["journey_last_click"] = clicked
        if views.parse_node_id(clicked):
            st.session_state[SELECTED_KEY] = clicked
            st.rerun()
    st.caption(_caption(content, presented, editable=editable))
    if not presenter:
        _downloads(g, content, lens, shown)


def _caption(content: jm.MapContent, presented: int | None, *, editable: bool) -> str:
    legend = " · ".join(
        f":{LEGEND_COLOURS[k]}[{s['symbol']} {jm.spec(k).label}]" for k, s in views.STYLE.items()
    )
    action = "Click a node to edit it; hover" if editable else "Hover over a node"
    showing = ""
    if presented is not None:
        name = inert_markdown(content.stage_name(presented))
        showing = (
            f" The stage marked ▶ and ringed in yellow is the one shown to the room: **{name}**."
        )
    return (
        f"Legend: {legend}. {action} for its details. Zoom with the mouse wheel or the + and − "
        f"buttons; the ⤢ button fits the whole map again.{showing}"
    )


def _draw(g: views.Graph, shown: str | None, *, key: str) -> str | None:
    """streamlit-agraph's agraph() with a key: without one the component's identity is its
    data, so every change replaced the frame and threw away the person's zoom. The key holds
    the layout's extent, so the frame (and the zoom) stays while the picture keeps its size
    and vis fits it afresh when it grows or shrinks."""
    data = {
        "nodes": [n.to_dict() for n in _nodes(g, shown)],
        "edges": [e.to_dict() for e in _edges(g)],
    }
    value = _agraph(data=json.dumps(data), config=json.dumps(_config(g).__dict__), key=key)
    return str(value) if value else None


def _nodes(g: views.Graph, shown: str | None) -> list[Node]:
    selected = st.session_state.get(SELECTED_KEY)
    return [_node(n, g.font, selected=n.id == selected, shown=n.id == shown) for n in g.nodes]


def _node(n: views.GraphNode, font: int, *, selected: bool, shown: bool) -> Node:
    """One vis node: the stage shown to the room gets a ▶ before its name, a thick yellow border
    and an orange glow on every screen; the node this person selected gets a black border
    (both can hold)."""
    border = BLACK if selected else YELLOW if shown else n.color
    extra: dict[str, object] = {}
    if shown:
        extra["shadow"] = {"enabled": True, "color": PRESENTED_GLOW, "size": 22, "x": 0, "y": 0}
    return Node(
        id=n.id,
        label=f"▶ {n.label}" if shown else n.label,  # a cue that is not colour alone
        title=n.title + ("\n▶ Shown to the room now" if shown else ""),
        shape=n.shape,
        color={"background": n.color, "border": border},
        size=n.size,
        x=n.x,
        y=n.y,
        borderWidth=6 if shown else 4 if selected else 1,
        widthConstraint={"maximum": n.wrap},
        font={
            "color": n.font_color if n.shape == "box" else INK,
            "size": font,
            "face": "sans-serif",
        },
        physics=False,
        **extra,
    )


def _edges(g: views.Graph) -> list[Edge]:
    return [
        Edge(
            source=e.source,
            target=e.target,
            color="#888888",
            dashes=e.dashed,
            arrows="to" if not e.dashed else "",
        )
        for e in g.edges
    ]


def frame_height(g: views.Graph) -> int:
    """The frame's height in px: the layout at 1:1 with vis's 10 % fit margin and room for
    the zoom buttons at the bottom, so the height never makes vis shrink the labels."""
    return max(360, int((g.height + 2 * g.font) * 1.1) + 40)


def frame_width(g: views.Graph) -> int:
    """The canvas width in px: the layout at 1:1 with vis's 10 % fit margin (934 px on the Map
    tab, 1231 px in presenter mode: the frames a 1400 px window gives them).

    Fixed, not "100%": a frame made while its tab is hidden is fitted at zero size and then
    rescaled by vis from its default 300 px canvas, which drew the facilitator coming back
    from the Workshop tab a map zoomed in 3.1 times (measured); a fixed width keeps 1:1.
    """
    return int(g.width * 1.1) + 4


def _config(g: views.Graph) -> Config:
    config = Config(
        width=frame_width(g),
        height=frame_height(g),
        directed=True,
        physics=False,
        hierarchical=False,
        interaction={
            "dragNodes": False,
            "hover": True,
            "zoomView": True,
            "dragView": True,
            "navigationButtons": True,  # + / − / ⤢ fit, and arrows to pan
            "keyboard": False,
        },
    )
    config.__dict__.pop("direction", None)
    config.__dict__.pop("sortMethod", None)
    config.groups = {}
    return config


def _downloads(g: views.Graph, content: jm.MapContent, lens: Lens, shown: str | None) -> None:
    """The picture as files, made when asked for (the PNG takes a noticeable part of a
    second; most runs never need it) and again only once the map or the filters change."""
    name = content.info.name
    now = (content.info.id, content.info.version, shown, *_lens_key(lens))
    files_on_request(
        "graph_files",
        now,
        [
            MapFile(
                "Graph as PNG",
                "graph_png",
                "journey-graph.png",
                "image/png",
                lambda: graph_png(g, name, highlight=shown),
            ),
            MapFile(
                "Graph as SVG",
                "graph_svg",
                "journey-graph.svg",
                "image/svg+xml",
                lambda: graph_svg(g, name, highlight=shown),
            ),
        ],
        label="Graph as PNG or SVG",
    )


def _lens_key(lens: Lens) -> tuple[object, ...]:
    """What of the lens changes the picture: the roles, channels and whether reach is shown."""
    return (tuple(sorted(lens.roles)), tuple(sorted(lens.channels)), lens.reach is not None)
