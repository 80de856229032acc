"""Workspace and segment use cases on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.access.guard import bind
from core.access.identity import Access, PermissionDenied
from core.access.roles import Role
from core.db.engine import session_factory, unit_of_work
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


# ------------------------------------------------------------------ who may (issue 12)


def _as(ws_id: int, role: Role) -> Access:
    return Access(ws_id, "Acme", role, f"An {role}", person=f"{role}@x.com")


def _state(factory: sessionmaker[Session], ws_id: int) -> tuple[object, ...]:
    with unit_of_work(factory) as s:
        info = workspaces.get_workspace(s, ws_id)
        return info.name, info.as_of, workspaces.segment_rows(s, ws_id)


def _attempt(factory: sessionmaker[Session], access: Access, action: Any) -> None:
    with unit_of_work(factory) as s:
        bind(s, access)
        action(s)


def _changes(ws_id: int, rows: list[dict[str, object]]) -> list[tuple[str, Any]]:
    edited = [dict(r) for r in rows]
    edited[0]["ttv_target_days"] = 3
    return [
        ("rename", lambda s: workspaces.rename_workspace(s, ws_id, "Renamed")),
        ("delete", lambda s: workspaces.delete_workspace(s, ws_id)),
        ("as of", lambda s: workspaces.set_as_of(s, ws_id, date(2026, 1, 1))),
        ("segments", lambda s: workspaces.save_segments(s, ws_id, edited)),
    ]


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_only_owners_rename_delete_or_change_settings(factory: sessionmaker[Session], role: Role):
    with unit_of_work(factory) as s:
        ws = workspaces.create_workspace(s, "Acme").id
    before = _state(factory, ws)
    for what, change in _changes(ws, _rows(factory, ws)):
        with pytest.raises(PermissionDenied, match=f"As an? {role}") as refused:
            _attempt(factory, _as(ws, role), change)
        assert "owners" in str(refused.value), what
        assert _state(factory, ws) == before, what
    with unit_of_work(factory) as s:  # but they read it
        bind(s, _as(ws, role))
        assert workspaces.get_workspace(s, ws).name == "Acme"
        assert list(workspaces.measurement_plan(s, ws).segments) == [
            "Enterprise",
            "Mid-Market",
            "SMB",
        ]
        assert len(workspaces.segment_rows(s, ws)) == 3
    for what, change in _changes(ws, _rows(factory, ws)):
        with unit_of_work(factory) as s:
            bind(s, _as(ws, Role.OWNER))
            change(s)
        if what == "delete":
            break
        assert _state(factory, ws) != before, what
    with unit_of_work(factory) as s:
        assert workspaces.list_workspaces(s) == []


def test_another_workspace_guests_and_nobody_reach_nothing(
    factory: sessionmaker[Session], migrated_engine: Engine
):
    with unit_of_work(factory) as s:
        ws = workspaces.create_workspace(s, "Acme").id
        other = workspaces.create_workspace(s, "Other").id
    before = _state(factory, ws)
    strangers = [
        (_as(other, Role.OWNER), "not one of yours", "not one of yours"),
        (Access(ws, "Acme", Role.PARTICIPANT, "Gus", map_id=1), "one thing", "cannot"),
        (Access(ws, "Acme", Role.GUEST_VIEWER, "Guest", map_id=1), "one thing", "cannot"),
        (Access(ws, "Acme", Role.RESPONDENT, "Rita", round_id=1), "cannot see", "cannot"),
    ]
    reads = [
        lambda s: workspaces.get_workspace(s, ws),
        lambda s: workspaces.measurement_plan(s, ws),
        lambda s: workspaces.segment_rows(s, ws),
    ]
    changes = [change for _, change in _changes(ws, _rows(factory, ws))]
    for access, read_refused, change_refused in strangers:
        for attempt in reads:
            with pytest.raises(PermissionDenied, match=read_refused):
                _attempt(factory, access, attempt)
        for attempt in changes:
            with pytest.raises(PermissionDenied, match=change_refused):
                _attempt(factory, access, attempt)
    nobody = session_factory(migrated_engine)  # a session nobody was bound to
    for attempt in reads:
        with (
            pytest.raises(PermissionDenied, match="Nobody is signed in"),
            unit_of_work(nobody) as s,
        ):
            attempt(s)
    with pytest.raises(PermissionDenied, match="Nobody"), unit_of_work(nobody) as s:
        workspaces.list_workspaces(s)
    with pytest.raises(PermissionDenied, match="Nobody"), unit_of_work(nobody) as s:
        workspaces.create_workspace(s, "Sneaky")
    assert _state(factory, ws) == before
    with unit_of_work(factory) as s:
        assert [w.name for w in workspaces.list_workspaces(s)] == ["Acme", "Other"]
