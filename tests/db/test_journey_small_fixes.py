"""Issue 16, item 7, on SQLite and PostgreSQL: history and comparison speak in field labels,
comparison reads from the map being looked at, and the grid picture keeps every word."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core import journey as j
from core.db.engine import unit_of_work
from core.workspace.workspaces import create_workspace

ANA = j.Actor("Ana")


@pytest.fixture
def map_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Small fixes").id
        return j.create_map(s, ws, "six_stage", ANA, segment="SMB").id


def test_history_names_fields_in_words(factory, map_id):
    with unit_of_work(factory) as s:
        tp = j.load(s, map_id).of("touchpoint")[0]
        changes = {"owner_team": "Onboarding", "sla_hours": 4}
        j.edit_element(s, map_id, "touchpoint", tp["id"], changes, tp["version"], ANA)
        j.update_map(s, map_id, {"variant": "sad path"}, {"variant": "happy path"}, ANA)
        summaries = [c.summary for c in j.list_changes(s, map_id)[:2]]
    assert summaries[1].endswith("(Owner team, SLA (hours))")
    assert summaries[0].endswith("(Variant)")
    assert not any("_" in text for text in summaries)


LONG_PAIN = (
    "Admins wait three days for single sign-on because the identity team only meets on "
    "Thursdays, and nobody tells the champion who owns the ticket"
)


def test_grid_picture_wraps_every_cell_in_full(factory, map_id):
    import re
    from xml.etree import ElementTree

    from core.charts.export import svg_png
    from core.journey import views

    with unit_of_work(factory) as s:
        tp = j.load(s, map_id).of("touchpoint")[0]
        j.edit_element(s, map_id, "touchpoint", tp["id"], {"pain_point": LONG_PAIN}, 1, ANA)
        g = views.grid(j.load(s, map_id))
    svg = views.grid_svg(g, "Six-stage onboarding")
    lines = [
        t.text or "" for t in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")
    ]
    assert all(views.text_width(x) <= views.SVG_TEXT_WIDTH for x in lines[1:] if x not in g.rows)
    cell = next(c for row in g.cells for c in row if LONG_PAIN in c)
    shown = " ".join(lines)
    for word in re.findall(r"\S+", cell):
        assert word in shown  # nothing cut: every word of the cell is in the picture
    assert "…" not in shown
    png = svg_png(svg)
    assert png.startswith(b"\x89PNG")
