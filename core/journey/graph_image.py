"""The journey graph as a picture file (SVG, and PNG made from it) for slides and handouts.

Drawn from the same layout core.journey.views.graph gives the screen, so the file shows what
the room saw: the stages in day order, their elements below, every label wrapped in full.
Every name and hover text a person typed is XML-escaped: a label such as `<script>` is text in
the file, never markup, and each node's hover text travels as its SVG <title>.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from core.common.palette import BLACK, INK, WHITE, YELLOW
from core.common.picture import svg_png
from core.journey.views import Graph, GraphNode, text_width

MARGIN = 24
TITLE_HEIGHT = 40
EDGE_COLOUR = "#888888"


def graph_svg(g: Graph, title: str, *, highlight: str | None = None) -> str:
    """The graph as a standalone SVG document; `highlight` is the id of a node to ring (the
    stage shown to the room)."""
    width = g.width + 2 * MARGIN
    height = g.height + 2 * MARGIN + TITLE_HEIGHT
    where = {n.id: n for n in g.nodes}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="{g.font}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
        f'<path d="M 0 0 L 10 5 L 0 10 z" fill="{EDGE_COLOUR}"/></marker></defs>',
        f'<rect width="{width}" height="{height}" fill="{WHITE}"/>',
        f'<text x="{MARGIN}" y="{MARGIN + 16}" font-size="{round(g.font * 1.2)}" '
        f'font-weight="bold" fill="{INK}">{xml_escape(title)}</text>',
        f'<g transform="translate({MARGIN},{MARGIN + TITLE_HEIGHT})">',
    ]
    for e in g.edges:
        a, b = where.get(e.source), where.get(e.target)
        if a is None or b is None:
            continue
        parts.append(_edge(a, b, g.font, dashed=e.dashed))
    for n in g.nodes:
        parts.append(_node(n, g.font, highlighted=n.id == highlight))
    parts.append("</g></svg>")
    return "".join(parts)


def graph_png(g: Graph, title: str, *, highlight: str | None = None, scale: float = 2.0) -> bytes:
    """The same picture as PNG, at `scale` times its size for sharp slides (drawn with the
    bundled fonts, core.charts.export)."""
    return bytes(svg_png(graph_svg(g, title, highlight=highlight), scale=scale))


def _box_size(n: GraphNode, font: int) -> tuple[float, float]:
    """A stage box's width and height: its widest line and its lines, with padding."""
    widest = max((text_width(line) * font / 12 for line in n.lines), default=0.0)
    return min(float(n.wrap), widest) + 16, len(n.lines) * font * 1.25 + 12


def _edge(a: GraphNode, b: GraphNode, font: int, *, dashed: bool) -> str:
    if dashed:  # stage to its element: straight down the column
        return (
            f'<line x1="{a.x}" y1="{a.y}" x2="{b.x}" y2="{b.y}" stroke="{EDGE_COLOUR}" '
            'stroke-width="1" stroke-dasharray="5,5"/>'
        )
    # stage to stage: from the right side of one box to the left side of the next
    half_a = _box_size(a, font)[0] / 2
    half_b = _box_size(b, font)[0] / 2
    x1, x2 = a.x + half_a, b.x - half_b
    if x2 <= x1:  # the next stage starts a new band: join centre to centre
        x1, x2 = a.x, b.x
    return (
        f'<line x1="{x1:.1f}" y1="{a.y}" x2="{x2:.1f}" y2="{b.y}" stroke="{EDGE_COLOUR}" '
        'stroke-width="1.5" marker-end="url(#arrow)"/>'
    )


def _node(n: GraphNode, font: int, *, highlighted: bool) -> str:
    """One node in a group with its hover text as <title> (shown by SVG viewers on hover)."""
    body = (
        _stage(n, font, highlighted=highlighted)
        if n.shape == "box"
        else _child(n, font, highlighted=highlighted)
    )
    return f"<g><title>{xml_escape(n.details or n.label)}</title>{body}</g>"


def _lines(
    n: GraphNode, x: float, first_baseline: float, font: int, colour: str, *, halo: bool = False
) -> str:
    """The label's lines, centred; `halo`: a white outline so a line read over an edge stays
    legible."""
    line_h = font * 1.25
    outline = f' stroke="{WHITE}" stroke-width="4" paint-order="stroke"' if halo else ""
    return "".join(
        f'<text x="{x:.1f}" y="{first_baseline + i * line_h:.1f}" text-anchor="middle" '
        f"fill={quoteattr(colour)}{outline}>{xml_escape(line)}</text>"
        for i, line in enumerate(n.lines)
    )


def _stage(n: GraphNode, font: int, *, highlighted: bool) -> str:
    w, h = _box_size(n, font)
    left, top = n.x - w / 2, n.y - h / 2
    ring = (
        f'<rect x="{left - 6:.1f}" y="{top - 6:.1f}" width="{w + 12:.1f}" height="{h + 12:.1f}" '
        f'rx="8" fill="none" stroke="{YELLOW}" stroke-width="6"/>'
        if highlighted
        else ""
    )
    box = (
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h:.1f}" rx="4" '
        f"fill={quoteattr(n.color)} stroke={quoteattr(BLACK if highlighted else n.color)}/>"
    )
    return ring + box + _lines(n, n.x, top + 6 + font, font, n.font_color)


def _child(n: GraphNode, font: int, *, highlighted: bool) -> str:
    stroke = f' stroke="{BLACK}" stroke-width="3"' if highlighted else ""
    label_top = n.y + n.size + 6
    return _shape(n, stroke) + _lines(n, n.x, label_top + font, font, INK, halo=True)


def _shape(n: GraphNode, stroke: str) -> str:
    x, y, r = n.x, n.y, n.size
    fill = f"fill={quoteattr(n.color)}"
    if n.shape == "dot":
        return f'<circle cx="{x}" cy="{y}" r="{r}" {fill}{stroke}/>'
    if n.shape == "square":
        return f'<rect x="{x - r}" y="{y - r}" width="{2 * r}" height="{2 * r}" {fill}{stroke}/>'
    if n.shape == "triangle":
        points = [(x, y - r), (x + r * 0.87, y + r * 0.5), (x - r * 0.87, y + r * 0.5)]
    else:  # star
        points = [
            (
                x + (r if i % 2 == 0 else r * 0.45) * math.sin(i * math.pi / 5),
                y - (r if i % 2 == 0 else r * 0.45) * math.cos(i * math.pi / 5),
            )
            for i in range(10)
        ]
    coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    return f'<polygon points="{coords}" {fill}{stroke}/>'
