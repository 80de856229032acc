"""Redo next to undo (issue 16, item 6), on SQLite and PostgreSQL: a person's Redo applies
again what they themselves last undid, a new change of theirs clears it, and it refuses when
someone else changed that element since; undo/redo/undo cycles end where they should."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core import journey as jm
from core.access.guard import bind
from core.access.identity import Access, Role
from core.db.engine import unit_of_work
from core.journey.history import next_redo, redo
from core.workspace.workspaces import create_workspace

HOST = jm.Actor("Host")


@pytest.fixture
def ids(factory: sessionmaker[Session]) -> tuple[int, int]:
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Redo").id
        return ws, jm.create_map(s, ws, "six_stage", HOST, name="Map").id


def editor(ws: int) -> Access:
    return Access(ws, "Redo", Role.EDITOR, "Ed", person="ed@example.com")


def owner(ws: int) -> Access:
    return Access(ws, "Redo", Role.OWNER, "Olga", person="olga@example.com")


def participant(ws: int, map_id: int, n: int = 1) -> Access:
    name = ("Pia", "Paul")[n - 1]
    return Access(ws, "Redo", Role.PARTICIPANT, name, person=f"guest:{n}", map_id=map_id)


@contextmanager
def acting_as(factory: sessionmaker[Session], access: Access) -> Iterator[Session]:
    with unit_of_work(factory) as s:
        bind(s, access)
        yield s


def actor(access: Access) -> jm.Actor:
    return jm.Actor(access.actor, facilitator=not access.is_guest)


def _risks(factory, map_id: int) -> set[str]:
    with unit_of_work(factory) as s:
        return {r["name"] for r in jm.load(s, map_id).of("risk")}


def _add(factory, access: Access, map_id: int, name: str) -> int:
    with acting_as(factory, access) as s:
        return jm.add_element(s, map_id, "risk", {"name": name}, actor(access))["id"]


def _undo(factory, access: Access, map_id: int) -> jm.ChangeInfo:
    with acting_as(factory, access) as s:
        return jm.undo(s, map_id, actor(access))


def _redo(factory, access: Access, map_id: int) -> jm.ChangeInfo:
    with acting_as(factory, access) as s:
        offered = next_redo(s, map_id)
        assert offered is not None
        return redo(s, map_id, actor(access), expected_change_id=offered.id)


def _offered(factory, access: Access, map_id: int) -> jm.ChangeInfo | None:
    with acting_as(factory, access) as s:
        return next_redo(s, map_id)


def test_redo_applies_again_the_add_a_participant_undid(factory, ids):
    ws, map_id = ids
    pia = participant(ws, map_id)
    _add(factory, pia, map_id, "Pia's risk")
    assert _offered(factory, pia, map_id) is None  # nothing undone yet
    _undo(factory, pia, map_id)
    assert "Pia's risk" not in _risks(factory, map_id)
    offered = _offered(factory, pia, map_id)
    assert offered is not None
    assert offered.summary == "added risk “Pia's risk”"
    _redo(factory, pia, map_id)
    assert "Pia's risk" in _risks(factory, map_id)
    assert _offered(factory, pia, map_id) is None
    with acting_as(factory, pia) as s:  # and the add is hers to undo again
        again = jm.next_undo(s, map_id)
    assert again is not None
    assert again.summary == "added risk “Pia's risk”"


def test_redo_is_only_for_ones_own_undo(factory, ids):
    ws, map_id = ids
    pia, paul, ed = participant(ws, map_id), participant(ws, map_id, 2), editor(ws)
    _add(factory, pia, map_id, "Pia's risk")
    _undo(factory, pia, map_id)
    assert _offered(factory, paul, map_id) is None
    assert _offered(factory, ed, map_id) is None  # the facilitator's Redo offers nothing
    for who in (paul, ed):
        with pytest.raises(jm.JourneyError, match="nothing of yours to redo"):
            with acting_as(factory, who) as s:
                redo(s, map_id, actor(who))
    assert "Pia's risk" not in _risks(factory, map_id)


def test_a_new_change_of_ones_own_clears_redo_but_others_changes_do_not(factory, ids):
    ws, map_id = ids
    pia, paul = participant(ws, map_id), participant(ws, map_id, 2)
    _add(factory, pia, map_id, "First")
    _undo(factory, pia, map_id)
    _add(factory, paul, map_id, "Paul's")  # someone else's change leaves her redo
    assert _offered(factory, pia, map_id) is not None
    _add(factory, pia, map_id, "Second")  # her own new change clears it
    assert _offered(factory, pia, map_id) is None
    with pytest.raises(jm.JourneyError, match="nothing of yours to redo"):
        with acting_as(factory, pia) as s:
            redo(s, map_id, actor(pia))
    assert "First" not in _risks(factory, map_id)


def test_redo_refuses_when_someone_else_changed_the_element_since(factory, ids):
    ws, map_id = ids
    pia, ed = participant(ws, map_id), editor(ws)
    with acting_as(factory, pia) as s:
        tp = jm.load(s, map_id).of("touchpoint")[0]
        jm.edit_element(
            s, map_id, "touchpoint", tp["id"], {"owner_team": "Pia's team"}, tp["version"],
            actor(pia),
        )  # fmt: skip
    _undo(factory, pia, map_id)
    with acting_as(factory, ed) as s:
        now = jm.load(s, map_id).find("touchpoint", tp["id"])
        assert now is not None
        jm.edit_element(
            s, map_id, "touchpoint", tp["id"], {"owner_team": "Ed's team"}, now["version"],
            actor(ed),
        )  # fmt: skip
    with pytest.raises(jm.JourneyError, match="Nothing was redone: since you undid it, Ed"):
        with acting_as(factory, pia) as s:
            redo(s, map_id, actor(pia))
    with unit_of_work(factory) as s:
        stored = jm.load(s, map_id).find("touchpoint", tp["id"])
    assert stored is not None
    assert stored["owner_team"] == "Ed's team"  # nothing overwritten


def test_undo_redo_undo_cycles_and_two_undos_redone_in_order(factory, ids):
    ws, map_id = ids
    ed = editor(ws)
    _add(factory, ed, map_id, "A")
    _add(factory, ed, map_id, "B")
    for _ in range(3):  # undo, redo, undo, redo ... of the same change
        _undo(factory, ed, map_id)
        assert "B" not in _risks(factory, map_id)
        _redo(factory, ed, map_id)
        assert "B" in _risks(factory, map_id)
    _undo(factory, ed, map_id)  # B
    _undo(factory, ed, map_id)  # A
    assert not {"A", "B"} & _risks(factory, map_id)
    first = _redo(factory, ed, map_id)
    assert first.summary == "added risk “A”"  # the last undone comes back first
    assert "A" in _risks(factory, map_id)
    assert "B" not in _risks(factory, map_id)
    second = _redo(factory, ed, map_id)
    assert second.summary == "added risk “B”"
    assert {"A", "B"} <= _risks(factory, map_id)
    assert _offered(factory, ed, map_id) is None
    assert _undo(factory, ed, map_id).summary == "added risk “B”"
    assert "B" not in _risks(factory, map_id)


def test_redo_of_an_edit_a_delete_and_a_table_save(factory, ids):
    ws, map_id = ids
    olga = owner(ws)
    with acting_as(factory, olga) as s:
        risk = jm.load(s, map_id).of("risk")[0]
        jm.edit_element(s, map_id, "risk", risk["id"], {"owner": "Olga"}, risk["version"], HOST)
    _undo(factory, olga, map_id)
    _redo(factory, olga, map_id)
    with unit_of_work(factory) as s:
        edited = jm.load(s, map_id).find("risk", risk["id"])
        assert edited is not None
        assert edited["owner"] == "Olga"
    with acting_as(factory, olga) as s:
        jm.delete_element(s, map_id, "risk", risk["id"], HOST, edited["version"])
    _undo(factory, olga, map_id)
    assert risk["name"] in _risks(factory, map_id)
    _redo(factory, olga, map_id)
    assert risk["name"] not in _risks(factory, map_id)
    with acting_as(factory, olga) as s:
        content = jm.load(s, map_id)
        rows = [dict(r) for r in content.of("risk")]
        rows[0]["owner"] = "Table"
        edit = jm.table_edit("risk", content.of("risk"), rows + [{"name": "From table"}])
        jm.save_table(s, map_id, "risk", edit, HOST)
    _undo(factory, olga, map_id)
    assert "From table" not in _risks(factory, map_id)
    _redo(factory, olga, map_id)
    with unit_of_work(factory) as s:
        risks = jm.load(s, map_id).of("risk")
    assert "From table" in {r["name"] for r in risks}
    assert risks[0]["owner"] == "Table"


def test_history_says_who_redid(factory, ids):
    ws, map_id = ids
    ed = editor(ws)
    _add(factory, ed, map_id, "Logged")
    _undo(factory, ed, map_id)
    _redo(factory, ed, map_id)
    with unit_of_work(factory) as s:
        latest = jm.list_changes(s, map_id)[0]
    assert (latest.who, latest.action) == ("Ed", "redo")
    assert latest.summary == "redid a change to risk “Logged”"
