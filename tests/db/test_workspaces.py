"""Workspace and segment use cases on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.db.engine import unit_of_work
from core.model.plan import MeasurementPlan
from core.workspace import workspaces
from core.workspace.workspaces import WorkspaceError


def test_create_gives_default_segments_and_plan(factory: sessionmaker[Session]):
    with unit_of_work(factory) as s:
        ws = workspaces.create_workspace(s, "  Acme   onboarding ")
    assert ws.name == "Acme onboarding"
    with unit_of_work(factory) as s:
        plan = workspaces.measurement_plan(s, ws.id)
    assert plan == MeasurementPlan()


def test_names_are_unique_ignoring_case(factory: sessionmaker[Session]):
    with unit_of_work(factory) as s:
        workspaces.create_workspace(s, "Acme")
    with pytest.raises(WorkspaceError, match="already exists"), unit_of_work(factory) as s:
        workspaces.create_workspace(s, "ACME")
    with pytest.raises(WorkspaceError, match="needs a name"), unit_of_work(factory) as s:
        workspaces.create_workspace(s, "   ")


def test_rename_and_delete(factory: sessionmaker[Session]):
    with unit_of_work(factory) as s:
        a = workspaces.create_workspace(s, "A")
        b = workspaces.create_workspace(s, "B")
    with pytest.raises(WorkspaceError, match="already exists"), unit_of_work(factory) as s:
        workspaces.rename_workspace(s, b.id, "a")
    with unit_of_work(factory) as s:
        workspaces.rename_workspace(s, b.id, "Beta")
        workspaces.delete_workspace(s, a.id)
    with unit_of_work(factory) as s:
        assert [w.name for w in workspaces.list_workspaces(s)] == ["Beta"]
        with pytest.raises(WorkspaceError, match="no longer exists"):
            workspaces.get_workspace(s, a.id)


def _rows(factory: sessionmaker[Session], ws_id: int) -> list[dict[str, object]]:
    with unit_of_work(factory) as s:
        return workspaces.segment_rows(s, ws_id)


def test_save_segments_edits_adds_and_keeps_overrides(factory: sessionmaker[Session]):
    with unit_of_work(factory) as s:
        ws = workspaces.create_workspace(s, "Acme")
    rows = _rows(factory, ws.id)
    rows[2]["ttv_target_days"] = 10
    rows.append(
        {**rows[0], "name": "Strategic", "ttv_target_days": 90, "duration_target_days": 180}
    )
    with unit_of_work(factory) as s:
        workspaces.save_segments(s, ws.id, rows)
    with unit_of_work(factory) as s:
        plan = workspaces.measurement_plan(s, ws.id)
    assert list(plan.segments) == ["Enterprise", "Mid-Market", "SMB", "Strategic"]
    assert plan.segments["SMB"].ttv_target_days == 10
    assert plan.segments["Strategic"].duration_target_days == 180


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "Enterprise"}, "appears twice"),
        ({"name": " "}, "needs a name"),
        ({"adoption_target": 1.5}, "share between 0 and 1"),
        ({"csat_target": 7}, "1-5 scale"),
        ({"ttv_target_days": "soon"}, "needs a number"),
        ({"duration_target_days": 5}, "cannot end before first value"),
    ],
)
def test_bad_segment_rows_change_nothing(
    factory: sessionmaker[Session], change: dict, message: str
):
    with unit_of_work(factory) as s:
        ws = workspaces.create_workspace(s, "Acme")
    before = _rows(factory, ws.id)
    rows = [dict(r) for r in before]
    rows[1].update(change)
    with pytest.raises(WorkspaceError, match=message), unit_of_work(factory) as s:
        workspaces.save_segments(s, ws.id, rows)
    assert _rows(factory, ws.id) == before


def test_segments_in_the_data_cannot_be_removed(factory: sessionmaker[Session]):
    with unit_of_work(factory) as s:
        ws = workspaces.create_workspace(s, "Acme")
    rows = _rows(factory, ws.id)[:2]
    with pytest.raises(WorkspaceError, match="SMB"), unit_of_work(factory) as s:
        workspaces.save_segments(s, ws.id, rows, in_use={"SMB"})
