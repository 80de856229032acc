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
