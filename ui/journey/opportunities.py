"""The Opportunities tab: the value/effort matrix, where each opportunity came from (the note
and stage, kinds.ORIGIN_FIELDS) with the stages' side of it, and the table to edit them in."""

from __future__ import annotations

import html

import polars as pl
import streamlit as st

from core import journey as jm
from core.access.identity import Access
from core.charts import journey as charts
from core.journey import workshop
from core.journey.kinds import EVIDENCE_LABELS
from core.journey.shapes import field_values
from core.journey.words import plural
from ui.charts import draw_chart
from ui.journey.bulk import bulk
from ui.state import transaction

PREFIX = "opps"
KINDS = ("opportunity",)
"""The prefix of the opportunities table's keys and the one kind it holds (ui.journey.bulk)."""

TABLE_CSS = """<style>
.wp-origins {border-collapse: collapse; width: 100%;}
.wp-origins th, .wp-origins td {border: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left;}
</style>"""


def value_effort(content: jm.MapContent) -> None:
    """The opportunities on the value/effort matrix (drawn while their tab is open)."""
    items = content.of("opportunity")
    if not items:
        return
    frame = pl.DataFrame(
        [
            {
                "title": o["title"],
                "value": o["value"],
                "effort": o["effort"],
                "status": o["status"],
                "evidence": EVIDENCE_LABELS[o["evidence"]],
                "owner": o["owner"],
            }
            for o in items
        ]
    )
    draw_chart(charts.value_effort_matrix(frame))


def opportunities(content: jm.MapContent, access: Access, *, editable: bool) -> None:
    """Where each opportunity came from, and the table to edit them."""
    if content.of("opportunity"):
        origins(content)
    else:
        st.caption("No opportunities yet: add them below, or turn a sticky note into one.")
    if editable:
        bulk(content, access, KINDS, prefix=PREFIX)


def origins(content: jm.MapContent) -> None:
    """Where the opportunities came from, both ways: each opportunity's note and stage, and
    for each stage the opportunities its notes became. Tables, so every typed word stays text."""
    traced = [o for o in content.opportunities if _converted(o)]
    if not traced:
        return
    with transaction() as s:
        kinds = workshop.note_kinds(s, content.info.id)
    rows = []
    for o in traced:
        found = workshop.origin(content, o, kinds)
        rows.append({"Opportunity": o["title"], "Where it came from": found.words if found else ""})
    st.markdown("**Where they came from**")
    _text_table("opps_origins", rows)
    by_stage = workshop.opportunities_by_stage(content)
    if by_stage:
        stage_rows = [
            {
                "Stage": s["name"],
                "Its notes became": plural(len(by_stage[s["id"]]), "opportunity"),
                "Opportunities": "; ".join(o["title"] for o in by_stage[s["id"]]),
            }
            for s in content.stages
            if s["id"] in by_stage
        ]
        _text_table("opps_by_stage", stage_rows)


def _text_table(key: str, rows: list[dict[str, str]]) -> None:
    """A small read-only table as plain HTML, every cell escaped (titles and notes are typed
    by participants), so the words show in full on a projector and in the page's text."""
    head = "".join(f"<th>{html.escape(name)}</th>" for name in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row.values()) + "</tr>"
        for row in rows
    )
    with st.container(key=key):
        st.html(f'<table class="wp-origins"><tr>{head}</tr>{body}</table>{TABLE_CSS}')


def _converted(o: jm.OpportunityElement) -> bool:
    values = field_values(o)
    return any(values.get(f) for f in ("origin_note_id", "origin_text", "origin_element"))
