"""The map as a picture: stages left to right, their elements hanging below (streamlit-agraph).

Clicking a node selects it for the element form. Every label and title arrives inert from
core.journey.views: the component writes titles with innerHTML.
"""

from __future__ import annotations

import streamlit as st
from streamlit_agraph import Config, Edge, Node, agraph

from core import journey as jm
from core.access.identity import Access
from core.common.palette import BLACK, INK
from core.journey import views
from ui.journey.toolbar import Lens

SELECTED_KEY = "journey_selected"
LEGEND_COLOURS = {
    "stage": "blue",
    "milestone": "orange",
    "touchpoint": "green",
    "signal": "blue",
    "risk": "red",
}


def _fit_scale(columns: int, screen: int = 1100) -> float:
    """How much vis will shrink the layout to fit a typical wide screen; sizes the height."""
    return min(1.0, screen / max(1, columns * views.COLUMN_WIDTH))


def graph(content: jm.MapContent, access: Access, lens: Lens) -> None:
    g = views.graph(content, roles=set(lens.roles), channels=set(lens.channels), reach=lens.reach)
    clicked = agraph(nodes=_nodes(g, lens.focus), edges=_edges(g), config=_config(g))
    if clicked and clicked != st.session_state.get("journey_last_click"):
        st.session_state["journey_last_click"] = clicked
        if views.parse_node_id(clicked):
            st.session_state[SELECTED_KEY] = clicked
            st.rerun()
    legend = " · ".join(
        f":{LEGEND_COLOURS[k]}[{s['symbol']} {jm.spec(k).label}]" for k, s in views.STYLE.items()
    )
    action = "Click a node to edit it; hover" if not access.read_only else "Hover over a node"
    st.caption(f"Legend: {legend}. {action} for its details.")


def _nodes(g: views.Graph, focus: int | None) -> list[Node]:
    selected = st.session_state.get(SELECTED_KEY)
    focused = views.node_id("stage", focus) if focus is not None else None
    return [
        Node(
            id=n.id,
            label=f"▶ {n.label}" if n.id == focused else n.label,
            title=n.title,
            shape=n.shape,
            color={
                "background": n.color,
                "border": BLACK if n.id in (selected, focused) else n.color,
            },
            size=n.size,
            x=n.x,
            y=n.y,
            borderWidth=4 if n.id in (selected, focused) else 1,
            font={
                "color": n.font_color if n.shape == "box" else INK,
                "size": 14,
                "face": "sans-serif",
            },
            physics=False,
        )
        for n in g.nodes
    ]


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


def _config(g: views.Graph) -> Config:
    columns = max(1, len([n for n in g.nodes if n.kind == "stage"]))
    rows = max([n.y for n in g.nodes], default=0) // views.ROW_HEIGHT + 1
    config = Config(
        width=columns * views.COLUMN_WIDTH,
        height=max(360, int((rows * views.ROW_HEIGHT + 60) * _fit_scale(columns)) + 80),
        directed=True,
        physics=False,
        hierarchical=False,
        interaction={"dragNodes": False, "hover": True, "zoomView": True},
    )
    config.width = "100%"  # vis fits the fixed layout into whatever width the screen has
    config.__dict__.pop("direction", None)
    config.__dict__.pop("sortMethod", None)
    config.groups = {}
    return config
