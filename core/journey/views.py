"""What the page draws, as plain data: graph nodes with fixed places, the swimlane grid, and
the frames behind the timeline and the emotion curve.

Positions are computed here, from the map alone, so every screen in the room shows the same
picture and it never moves between reruns. Every user string that can end up inside HTML
is made safe here, once, at the source: graph titles by `inert`, the grid by html.escape.
"""

from __future__ import annotations

import html
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from xml.sax.saxutils import escape as xml_escape

import polars as pl

from core.common.palette import BLUE, GREEN, GREY, INK, ORANGE, SKY, VERMILLION, WHITE
from core.journey.kinds import CHILD_KINDS, EVIDENCE_LABELS, ROLE_LABELS, spec
from core.journey.overlay import Overlay, Reach
from core.journey.shapes import (
    ChildElement,
    Element,
    MilestoneElement,
    StageElement,
    TouchpointElement,
    field_values,
)
from core.journey.store import MapContent

COLUMN_WIDTH = 260
"""The widest a stage's column gets (a map of two stages does not spread across the screen
in units of the whole width)."""
# Okabe-Ito colours (safe for the common colour-vision deficiencies); shape tells kinds apart
# too, so colour is never the only cue.
STYLE: dict[str, dict[str, str]] = {
    "stage": {"shape": "box", "color": BLUE, "font": WHITE, "symbol": "▭"},
    "milestone": {"shape": "star", "color": ORANGE, "font": INK, "symbol": "★"},
    "touchpoint": {"shape": "dot", "color": GREEN, "font": INK, "symbol": "●"},
    "signal": {"shape": "triangle", "color": SKY, "font": INK, "symbol": "▲"},
    "risk": {"shape": "square", "color": VERMILLION, "font": INK, "symbol": "■"},
}
UNPLACED = "Not on a stage"
LABEL_LIMIT = 60
"""Characters of a name a node shows (wrapped over lines); the tooltip has it all."""


@dataclass(frozen=True)
class Scale:
    """How big the picture is drawn: the width the screen gives it (in the graph's units,
    which vis draws 1:1 when it fits) and the label font size.

    vis fits the whole layout into its frame and never zooms in above 1:1, so a layout as wide
    as the frame is drawn at full size: labels are `font` pixels tall on screen. Columns never
    get narrower than `min_column`; stages that do not fit go on to a second band below.
    """

    width: int
    font: int

    @property
    def min_column(self) -> int:
        return int(self.font * 7.5)

    @property
    def line(self) -> float:
        """Height of one label line (vis: about the font size; a little more, never under)."""
        return self.font * 1.25

    @property
    def gap(self) -> int:
        """Space between neighbouring columns' labels."""
        return self.font


SCREEN = Scale(width=850, font=17)
"""The Map tab: the frame is about 940 px wide in a 1400 px window (vis adds 10 % margin)."""
PROJECTOR = Scale(width=1120, font=22)
"""Presenter mode (no sidebar): the frame is about 1240 px wide in a 1400 px window."""
CHILD_SIZE = 16
"""A child node's shape radius in graph units."""


@dataclass(frozen=True)
class GraphNode:
    id: str
    kind: str
    element_id: int | None
    label: str
    title: str
    x: int
    y: int
    shape: str
    color: str
    font_color: str
    size: int = CHILD_SIZE
    lines: tuple[str, ...] = ()
    """The label as it is wrapped to its column (estimated generously; vis wraps the same
    label at `wrap` by its own measure)."""
    wrap: int = COLUMN_WIDTH
    """The widest a label line may be, in graph units (vis widthConstraint)."""
    details: str = ""
    """The hover text as plain text, not made inert (for pictures that XML-escape it)."""


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str
    dashed: bool = False


@dataclass(frozen=True)
class Graph:
    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[GraphEdge] = field(default_factory=list)
    width: int = 0
    """Extent of the drawing in graph units, from 0 (labels and shapes included)."""
    height: int = 0
    font: int = SCREEN.font
    column_width: int = COLUMN_WIDTH


def node_id(kind: str, element_id: int | None) -> str:
    return f"{kind}-{element_id if element_id is not None else 'none'}"


def parse_node_id(value: str | None) -> tuple[str, int] | None:
    """(kind, element id) from a clicked node id, None for anything else."""
    if not value or "-" not in value:
        return None
    kind, _, number = value.rpartition("-")
    if kind not in STYLE or not number.isdigit():
        return None
    return kind, int(number)


def _short(text: str, limit: int = 28) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reach_text(reach: Reach | None) -> str:
    if reach is None or reach.share is None:
        return ""
    days = f" · {reach.median_days:.0f} d" if reach.median_days is not None else ""
    return f"{reach.share:.0%} reached{days}"


INERT = str.maketrans({"<": "＜", ">": "＞", "&": "＆"})


def inert(text: str) -> str:
    """Text that stays text in both places the graph component puts a node title.

    streamlit-agraph 0.0.45 parses every title with `div.innerHTML = title` (an <img onerror>
    runs right there), while vis-network shows the same string as innerText. Escaping with
    entities would be safe but show "&lt;" in the tooltip; look-alike brackets are safe in
    both and read the same.
    """
    return str(text).translate(INERT)


def tooltip(kind: str, element: Element, extra: str = "") -> str:
    """A node's hover text: one line per filled field, every value made inert."""
    return inert(details(kind, element, extra))


def details(kind: str, element: Element, extra: str = "") -> str:
    """An element as plain text lines (for st.text; never for HTML)."""
    s = spec(kind)
    values = field_values(element)
    lines = [f"{s.label}: {values[s.label_field]}"]
    for f in s.fields:
        value = values.get(f.name)
        if f.name in (s.label_field, "stage_id") or value in (None, "", False):
            continue
        shown = EVIDENCE_LABELS.get(str(value), value) if f.name == "evidence" else value
        shown = ROLE_LABELS.get(str(value), value) if f.name == "role" else shown
        lines.append(f"{f.label}: {_short(str(shown), 120)}")
    if extra:
        lines.append(extra)
    return "\n".join(lines)


def _visible(
    kind: str, e: ChildElement, roles: Collection[str] | None, channels: Collection[str] | None
) -> bool:
    if roles is not None and e.get("role") and e["role"] not in roles:
        return False
    return kind != "touchpoint" or channels is None or field_values(e)["channel"] in channels


def _day_key(stage: StageElement) -> tuple[int, int] | None:
    """Where a stage sits on the day axis: (first day, last day), None when it has neither."""
    start, end = stage.get("day_start"), stage.get("day_end")
    if start is not None:
        return start, end if end is not None else start
    if end is not None:
        return end, end
    return None


def stage_order(stages: list[StageElement]) -> list[StageElement]:
    """Stages by their day ranges; a stage with no days stays right after the stage that comes
    before it in the map's own order (first if none does), so it sits between its neighbours
    instead of at one end. Equal ranges keep the map's order."""
    dated = sorted(
        (s for s in stages if _day_key(s) is not None),
        key=lambda s: _day_key(s) or (0, 0),  # sorted() is stable: ties keep map order
    )
    placed: list[StageElement] = list(dated)
    front = 0
    for i, stage in enumerate(stages):
        if _day_key(stage) is not None:
            continue
        if i == 0 or front == i:  # no neighbour before it, or only undated ones at the front
            placed.insert(front, stage)
            front += 1
            continue
        before = stages[i - 1]
        at = next(n for n, s in enumerate(placed) if s is before)
        placed.insert(at + 1, stage)
    return placed


def graph(
    m: MapContent,
    *,
    roles: Collection[str] | None = None,
    channels: Collection[str] | None = None,
    reach: Overlay | None = None,
    scale: Scale = SCREEN,
) -> Graph:
    """Stages left to right as columns in day order; their elements hang below in kind order.

    The columns share `scale.width` (no narrower than `scale.min_column`; more stages than fit
    continue in a band below), labels wrap to their column, and every row is as tall as its
    wrapped label, so nothing overlaps and vis draws the picture at full size on the screen
    it was sized for.
    """
    columns: list[tuple[StageElement | None, str]] = [(s, s["name"]) for s in stage_order(m.stages)]
    if any(e["stage_id"] is None for k in CHILD_KINDS for e in m.of(k)):
        columns.append((None, UNPLACED))
    per_band = max(1, min(len(columns), scale.width // scale.min_column))
    col_w = min(COLUMN_WIDTH * scale.font // SCREEN.font, scale.width // max(1, per_band))
    wrap = col_w - scale.gap
    result = Graph(width=col_w * per_band, font=scale.font, column_width=col_w)
    previous: str | None = None
    top = 0.0
    for band_start in range(0, len(columns), per_band):
        band = columns[band_start : band_start + per_band]
        heads = [_stage_node(stage, name, reach, scale, wrap) for stage, name in band]
        head_h = max(_box_height(h, scale) for h in heads)
        bottom = top + head_h
        for i, ((stage, _), head) in enumerate(zip(band, heads, strict=True)):
            x = int(col_w * (i + 0.5))
            head = replace(head, x=x, y=int(top + head_h / 2))
            result.nodes.append(head)
            if previous is not None and stage is not None:
                result.edges.append(GraphEdge(previous, head.id))
            previous = head.id if stage is not None else previous
            y = top + head_h + scale.gap
            for kind, e in _children(m, stage, roles, channels):
                child = _child_node(kind, e, reach, scale, wrap)
                result.nodes.append(replace(child, x=x, y=int(y + CHILD_SIZE)))
                result.edges.append(GraphEdge(head.id, child.id, dashed=True))
                y += _child_height(child, scale)
            bottom = max(bottom, y)
        top = bottom + 2 * scale.gap
    return replace(result, height=int(max(0.0, top - 2 * scale.gap)))


def _children(
    m: MapContent,
    stage: StageElement | None,
    roles: Collection[str] | None,
    channels: Collection[str] | None,
) -> list[tuple[str, ChildElement]]:
    stage_id = stage["id"] if stage is not None else None
    return [
        (kind, e)
        for kind in CHILD_KINDS
        for e in m.children(kind, stage_id)
        if _visible(kind, e, roles, channels)
    ]


def _box_height(node: GraphNode, scale: Scale) -> float:
    """A stage box: its lines and vis's 5-unit margin above and below (and a little more)."""
    return len(node.lines) * scale.line + 16


def _child_height(node: GraphNode, scale: Scale) -> float:
    """A child's shape, its label below it, and the gap to the next one."""
    return 2 * CHILD_SIZE + 8 + len(node.lines) * scale.line + scale.gap


def wrap_label(label: str, width: float, font: int) -> tuple[str, ...]:
    """The label's lines wrapped to `width` units at `font` px (by the generous estimate of
    text_width, so a wrap never takes fewer lines than the browser's)."""
    factor = 12 / font  # text_width measures 12 px text
    return tuple(
        line for part in label.split("\n") for line in _wrapped(part, width * factor) or [""]
    )


def _stage_node(
    stage: StageElement | None, name: str, reach: Overlay | None, scale: Scale, wrap: int
) -> GraphNode:
    """The column head: a stage, or (None) the column of elements on no stage."""
    style = STYLE["stage"]
    if stage is None:
        title = "Elements not placed on any stage"
        lines = wrap_label(UNPLACED, wrap, scale.font)
        return GraphNode(
            "stage-none", "stage", None, UNPLACED, title, 0, 0, "box", GREY, WHITE, 24,
            lines, wrap, title,
        )  # fmt: skip
    stage_id = stage["id"]
    days = ""
    if stage.get("day_start") is not None or stage.get("day_end") is not None:
        days = f"\ndays {stage.get('day_start') or 0}-{stage.get('day_end') or ''}"
    extra = _reach_text(reach.stages.get(stage_id)) if reach else ""
    label = _short(name, LABEL_LIMIT) + days + (f"\n{extra}" if extra else "")
    return GraphNode(
        node_id("stage", stage_id),
        "stage",
        stage_id,
        label,
        tooltip("stage", stage, extra),
        0,
        0,
        style["shape"],
        style["color"],
        style["font"],
        24,
        wrap_label(label, wrap, scale.font),
        wrap,
        details("stage", stage, extra),
    )


def _child_node(
    kind: str, e: ChildElement, reach: Overlay | None, scale: Scale, wrap: int
) -> GraphNode:
    style = STYLE[kind]
    extra = _reach_text(reach.milestones.get(e["id"])) if reach and kind == "milestone" else ""
    label = _short(e["name"], LABEL_LIMIT) + (f"\n{extra}" if extra else "")
    return GraphNode(
        node_id(kind, e["id"]),
        kind,
        e["id"],
        label,
        tooltip(kind, e, extra),
        0,
        0,
        style["shape"],
        style["color"],
        style["font"],
        CHILD_SIZE,
        wrap_label(label, wrap, scale.font),
        wrap,
        details(kind, e, extra),
    )


# ------------------------------------------------------------------ swimlane grid


GRID_ROWS: tuple[str, ...] = (
    "Days",
    "Goal",
    "Exit criteria",
    "Milestones",
    "Touchpoints",
    "Emotion",
    "Pain points",
    "Signals & triggers",
    "Risks & rescue plays",
)
EMOTION_WORDS = {
    -2: "very negative",
    -1: "negative",
    0: "neutral",
    1: "positive",
    2: "very positive",
}


@dataclass(frozen=True)
class Grid:
    """Plain text per cell (never HTML): `cells[row][column]`."""

    columns: list[str]
    rows: list[str]
    cells: list[list[str]]

    def to_frame(self) -> pl.DataFrame:
        data = {"Row": self.rows}
        for i, name in enumerate(self.columns):
            data[f"{i + 1}. {name}"] = [r[i] for r in self.cells]
        return pl.DataFrame(data)


def _tag(e: Element) -> str:
    """The evidence tag, so a guess never reads like a fact."""
    return f" [{e['evidence']}]"


def _lines(items: list[str]) -> str:
    return "\n".join(f"• {i}" for i in items if i)


def _stage_cells(m: MapContent, stage: StageElement | None, stage_id: int | None) -> list[str]:
    tps = m.children("touchpoint", stage_id)
    ms = m.children("milestone", stage_id)
    emotions = [t["emotion"] for t in tps]
    avg = sum(emotions) / len(emotions) if emotions else None
    days = ""
    if stage and (stage["day_start"] is not None or stage["day_end"] is not None):
        days = (
            f"{stage['day_start'] if stage['day_start'] is not None else ''}–"
            f"{stage['day_end'] if stage['day_end'] is not None else ''}"
        )
    return [
        days,
        stage["goal"] if stage else "",
        stage["exit_criteria"] if stage else "",
        _lines([_milestone_text(e) + _tag(e) for e in ms]),
        _lines([_touch_text(t) + _tag(t) for t in tps]),
        f"{avg:+.1f} ({EMOTION_WORDS[round(avg)]})" if avg is not None else "",
        _lines([f"{t['name']}: {t['pain_point']}" for t in tps if t["pain_point"]]),
        _lines(
            [
                f"{s['name']}: {s['condition']} → {s['play']}".strip(" :→")
                for s in m.children("signal", stage_id)
            ]
        ),
        _lines(
            [
                f"{r['name']}: {r['trigger']} → {r['intervention']} (owner {r['owner'] or '?'}"
                f"; escalation {r['escalation'] or '?'})"
                for r in m.children("risk", stage_id)
            ]
        ),
    ]


def _milestone_text(e: MilestoneElement) -> str:
    flags = [
        f
        for f, on in (("first value", e["is_first_value"]), ("activation", e["is_activation"]))
        if on
    ]
    bits = [f"day {e['target_day']}" if e["target_day"] is not None else "", e["event"], *flags]
    return f"{e['name']} ({', '.join(b for b in bits if b)})"


def _touch_text(t: TouchpointElement) -> str:
    sla = f"SLA {t['sla_hours']:g} h" if t["sla_hours"] is not None else "no SLA"
    return f"{t['name']} ({t['channel']}, {t['owner_team'] or 'no owner'}, {sla})"


def grid(m: MapContent, reach: Overlay | None = None) -> Grid:
    """Stages as columns; goal, exit criteria, milestones, touchpoints, emotion, pain points,
    signals and risks as rows; with data, a last row of how many accounts got there."""
    columns = [s["name"] for s in m.stages]
    per_column = [_stage_cells(m, s, s["id"]) for s in m.stages]
    ids: list[int | None] = [s["id"] for s in m.stages]
    if any(e["stage_id"] is None for k in CHILD_KINDS for e in m.of(k)):
        columns.append(UNPLACED)
        per_column.append(_stage_cells(m, None, None))
        ids.append(None)
    rows = list(GRID_ROWS)
    if reach is not None:
        rows.append("Reached (data)")
        for column, stage_id in zip(per_column, ids, strict=True):
            column.append(_reach_cell(m, stage_id, reach))
    cells = [[col[r] for col in per_column] for r in range(len(rows))]
    return Grid(columns, rows, cells)


def _reach_cell(m: MapContent, stage_id: int | None, reach: Overlay) -> str:
    lines = [
        f"{e['name']}: {_reach_text(reach.milestones[e['id']])}"
        for e in m.children("milestone", stage_id)
        if e["id"] in reach.milestones
    ]
    return _lines(lines)


def grid_html(g: Grid, highlight: str | None = None) -> str:
    """The grid as an HTML table; every value is escaped (labels are hostile)."""
    head = "".join(
        f'<th class="{"wp-focus" if c == highlight else ""}">{html.escape(c)}</th>'
        for c in g.columns
    )
    body = []
    for label, row in zip(g.rows, g.cells, strict=True):
        cells = "".join(
            f'<td class="{"wp-focus" if g.columns[i] == highlight else ""}">'
            f"{html.escape(v).replace(chr(10), '<br>')}</td>"
            for i, v in enumerate(row)
        )
        body.append(f"<tr><th scope='row'>{html.escape(label)}</th>{cells}</tr>")
    return (
        '<div class="wp-grid"><table><thead><tr><th></th>'
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


SVG_COLUMN_WIDTH = 230
SVG_TEXT_WIDTH = SVG_COLUMN_WIDTH - 16
"""Pixels a line of 12 px text may take in a grid picture column (6 px padding each side)."""
_NARROW, _WIDE = set("fijlrtI.,:;'!|()[] "), set("mwMW@%")


def text_width(text: str) -> float:
    """Rough width in pixels of `text` in 12 px sans-serif: the picture is drawn without font
    metrics, so wide and narrow letters are estimated generously (never under)."""
    return sum(
        3.8 if c in _NARROW else 11.0 if c in _WIDE else 8.4 if c.isupper() else 6.8 for c in text
    )


def _wrapped(cell: str, limit: float = SVG_TEXT_WIDTH) -> list[str]:
    """Every line of a cell, wrapped to the column: a slide shows all of it, never one cut
    line; a word wider than the column is split rather than run into the next one."""
    lines: list[str] = []
    for paragraph in cell.split("\n"):
        line = ""
        for word in paragraph.split():
            while text_width(word) > limit:  # split an over-long word at the column's edge
                cut = max(
                    1, next(i for i in range(len(word), 0, -1) if text_width(word[:i]) <= limit)
                )
                if line:
                    lines.append(line)
                    line = ""
                lines.append(word[:cut])
                word = word[cut:]
            joined = f"{line} {word}" if line else word
            if line and text_width(joined) > limit:
                lines.append(line)
                joined = word
            line = joined
        lines.append(line)
    return lines


def grid_svg(g: Grid, title: str) -> str:
    """The grid as a standalone SVG picture (for slides), every cell's text wrapped in full;
    text escaped for XML."""
    col_w, head_w, line_h = SVG_COLUMN_WIDTH, 150, 16
    heads = [_wrapped(name) for name in g.columns]
    head_h = max((len(h) for h in heads), default=1) * line_h + 12
    wrapped = [[_wrapped(c) for c in row] for row in g.cells]
    heights = [max(2, max((len(c) for c in row), default=1)) * line_h + 10 for row in wrapped]
    width = head_w + col_w * max(1, len(g.columns))
    height = 32 + head_h + sum(heights)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="8" y="20" font-size="16" font-weight="bold">{xml_escape(title)}</text>',
    ]
    for i, lines in enumerate(heads):
        for n, line in enumerate(lines):
            parts.append(
                f'<text x="{head_w + i * col_w + 6}" y="{48 + n * line_h}" font-weight="bold" '
                f'fill="#0072B2">{xml_escape(line)}</text>'
            )
    y = 32 + head_h
    for label, row, h in zip(g.rows, wrapped, heights, strict=True):
        parts.append(f'<line x1="0" x2="{width}" y1="{y}" y2="{y}" stroke="#cccccc"/>')
        parts.append(f'<text x="8" y="{y + 16}" font-weight="bold">{xml_escape(label)}</text>')
        for i, lines in enumerate(row):
            for n, line in enumerate(lines):
                parts.append(
                    f'<text x="{head_w + i * col_w + 6}" y="{y + 16 + n * line_h}">'
                    f"{xml_escape(line)}</text>"
                )
        y += h
    parts.append("</svg>")
    return "".join(parts)


# ------------------------------------------------------------------ chart frames


def timeline_frame(m: MapContent) -> pl.DataFrame:
    """One row per stage with a day range, for the stage timeline."""
    rows = [
        {
            "order": i,
            "stage": s["name"],
            "day_start": s["day_start"] or 0,
            "day_end": s["day_end"] if s["day_end"] is not None else (s["day_start"] or 0),
        }
        for i, s in enumerate(m.stages)
        if s["day_start"] is not None or s["day_end"] is not None
    ]
    schema = {"order": pl.Int64, "stage": pl.String, "day_start": pl.Int64, "day_end": pl.Int64}
    return pl.DataFrame(rows, schema=schema)


def emotion_frame(m: MapContent) -> pl.DataFrame:
    """Mean touchpoint emotion per stage and role, labelled with the map's state."""
    stage_order: dict[int | None, int] = {s["id"]: i for i, s in enumerate(m.stages)}
    rows = [
        {
            "order": stage_order[t["stage_id"]],
            "stage": m.stage_name(t["stage_id"]),
            "role": ROLE_LABELS.get(t["role"], t["role"]),
            "emotion": float(t["emotion"]),
            "state": m.info.state,
            "map": m.info.name,
        }
        for t in m.of("touchpoint")
        if t["stage_id"] in stage_order
    ]
    schema = {
        "order": pl.Int64,
        "stage": pl.String,
        "role": pl.String,
        "emotion": pl.Float64,
        "state": pl.String,
        "map": pl.String,
    }
    frame = pl.DataFrame(rows, schema=schema)
    return (
        frame.group_by("order", "stage", "role", "state", "map")
        .agg(pl.col("emotion").mean(), pl.len().alias("touchpoints"))
        .sort("order", "role")
    )
