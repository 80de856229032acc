"""Making a map from a template writes its rows in bulk, and reading maps costs a fixed number
of statements, on SQLite and PostgreSQL (issue 16, item 2: page work per action cut).

Counted, not timed: the statements the database receives while the use case runs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from core import journey as j
from core.db.engine import unit_of_work
from core.db.models import MapChange
from core.journey.kinds import CHILD_KINDS, KINDS
from core.journey.templates import TEMPLATES
from core.workspace.workspaces import create_workspace, measurement_plan

ANA = j.Actor("Ana")


@pytest.fixture
def ws_id(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        return create_workspace(s, "Bulk").id


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every statement sent to the database inside the block, as sent."""
    sent: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001 - SQLAlchemy's hook
        sent.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def _inserts(sent: list[str]) -> Counter[str]:
    return Counter(s.split()[2].strip('"') for s in sent if s.startswith("INSERT INTO"))


FILLED = sorted(k for k in TEMPLATES if TEMPLATES[k].data["stages"])


@pytest.mark.parametrize("key", FILLED)
def test_a_template_map_is_written_in_bulk(factory, migrated_engine, backend, ws_id, key):
    """No statement per row where the database can take them all at once (PostgreSQL: one
    INSERT per table); SQLite's driver gives new keys back one row at a time, so there it is
    one INSERT per row and no other statement per row."""
    with statements(migrated_engine) as sent, unit_of_work(factory) as s:
        info = j.create_map(s, ws_id, key, ANA)
    with unit_of_work(factory) as s:
        m = j.load(s, info.id)
        history = s.query(MapChange).filter_by(map_id=info.id).all()
    inserts = _inserts(sent)
    rows = 0
    for kind in ("stage", *CHILD_KINDS):
        table = KINDS[kind].model.__tablename__
        assert len(m.of(kind)) > 1, kind  # the template fills every kind
        rows += len(m.of(kind))
        expected = 1 if backend == "postgresql" else len(m.of(kind))
        assert inserts[table] == expected, (table, inserts)
    assert inserts["journey_map"] == 1
    assert inserts["map_change"] == 1
    assert len(sent) < rows + 20 if backend == "sqlite" else len(sent) < 20, sent
    assert [(c.action, c.element_kind) for c in history] == [("create", "map")]


def test_a_template_map_can_be_edited_and_undone_at_once(factory, ws_id):
    """Rows written in bulk are ordinary rows: versioned, editable, and the edit undoes."""
    with unit_of_work(factory) as s:
        info = j.create_map(s, ws_id, "six_stage", ANA)
        stage = j.load(s, info.id).stages[0]
    with unit_of_work(factory) as s:
        j.edit_element(s, info.id, "stage", stage["id"], {"goal": "Ours"}, stage["version"], ANA)
    with unit_of_work(factory) as s:
        j.undo(s, info.id, ANA)
    with unit_of_work(factory) as s:
        assert j.load(s, info.id).stages[0]["goal"] == stage["goal"]


def test_listing_maps_reads_them_in_one_statement_however_many(factory, migrated_engine, ws_id):
    """The map picker and the comparisons list the workspace's maps on every run: one read
    of the maps with their segments' names, not one more per map."""
    with unit_of_work(factory) as s:
        segments = list(measurement_plan(s, ws_id).segments)
        j.create_map(s, ws_id, "six_stage", ANA, name="First", segment=segments[0])

    def reads() -> int:
        with statements(migrated_engine) as sent, unit_of_work(factory) as s:
            found = j.list_maps(s, ws_id)
        assert all(m.segment in (None, *segments) for m in found)
        return len(sent)

    one = reads()
    with unit_of_work(factory) as s:
        for number, segment in enumerate([None, *segments[1:3]]):
            j.create_map(s, ws_id, "five_phase", ANA, name=f"More {number}", segment=segment)
    with unit_of_work(factory) as s:
        listed = {m.name: m.segment for m in j.list_maps(s, ws_id)}
    assert listed["First"] == segments[0]
    assert listed["More 0"] is None
    assert listed["More 1"] == segments[1]
    assert reads() == one
