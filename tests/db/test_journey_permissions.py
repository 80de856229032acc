"""Who may read and change journey maps, decided by who acts (the identity bound to the
session), on SQLite and PostgreSQL.

Viewers read and change nothing; an editor of another workspace reaches nothing here; a
workshop participant reaches only the map of their link, changes its elements (not the map
itself: no settings, delete, import or restore) and undoes only their own changes; owners and
editors do all of it. Every refusal is a PermissionDenied and leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core import journey as jm
from core.access.guard import bind
from core.access.identity import Access, PermissionDenied, Role
from core.db.engine import unit_of_work
from core.db.models import JourneyMap, MapChange, MapSnapshot
from core.workspace.workspaces import create_workspace

HOST = jm.Actor("Host")
# What a page hands the journey core: a name, and "facilitator" when the page thinks so.
# The checks follow the identity bound to the session, not this flag.
CLAIMS_TO_FACILITATE = jm.Actor("Someone", facilitator=True)


@dataclass(frozen=True)
class Maps:
    """Workspace W with maps A and B (B with a saved version), and another workspace."""

    ws: int
    other_ws: int
    a: int
    b: int
    snapshot_a: int
    snapshot_b: int


@pytest.fixture
def maps(factory: sessionmaker[Session]) -> Maps:
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Journeys").id
        other = create_workspace(s, "Elsewhere").id
        a = jm.create_map(s, ws, "six_stage", HOST, name="Map A").id
        b = jm.create_map(s, ws, "six_stage", HOST, name="Map B").id
        jm.create_map(s, other, "six_stage", HOST, name="Their map")
        snap_a = jm.take_snapshot(s, a, "Start of A", HOST).id
        snap_b = jm.take_snapshot(s, b, "Start of B", HOST).id
        # Something to undo on each map, made by a member.
        for map_id in (a, b):
            jm.add_element(s, map_id, "risk", {"name": "Owner's risk"}, HOST)
    return Maps(ws, other, a, b, snap_a, snap_b)


def owner(m: Maps) -> Access:
    return Access(m.ws, "Journeys", Role.OWNER, "Olga", person="olga@example.com")


def editor(m: Maps) -> Access:
    return Access(m.ws, "Journeys", Role.EDITOR, "Ed", person="ed@example.com")


def viewer(m: Maps) -> Access:
    return Access(m.ws, "Journeys", Role.VIEWER, "Vera", person="vera@example.com")


def outsider(m: Maps) -> Access:
    """An editor, but of another workspace."""
    return Access(m.other_ws, "Elsewhere", Role.EDITOR, "Otto", person="otto@example.com")


def participant(m: Maps, *, map_id: int | None = None, n: int = 1) -> Access:
    name = ("Pia", "Paul")[n - 1]
    return Access(
        m.ws, "Journeys", Role.PARTICIPANT, name, person=f"guest:{n}", map_id=map_id or m.a
    )


def guest_viewer(m: Maps) -> Access:
    return Access(m.ws, "Journeys", Role.GUEST_VIEWER, "Gus", person="guest:9", map_id=m.a)


@contextmanager
def acting_as(factory: sessionmaker[Session], access: Access) -> Iterator[Session]:
    """One unit of work on behalf of `access`, as a page's transaction() binds it."""
    with unit_of_work(factory) as s:
        bind(s, access)
        yield s


def state(factory: sessionmaker[Session], m: Maps) -> dict[str, Any]:
    """Everything a refused call could have changed, read as the system."""
    with unit_of_work(factory) as s:
        return {
            "maps": [
                (j.id, j.name, j.variant, j.state, j.version, j.locked)
                for j in s.scalars(select(JourneyMap).order_by(JourneyMap.id))
            ],
            "a": _document(s, m.a),
            "b": _document(s, m.b),
            "changes": s.scalar(select(func.count()).select_from(MapChange)),
            "undone": s.scalar(select(func.count()).where(MapChange.undone.is_(True))),
            "snapshots": s.scalar(select(func.count()).select_from(MapSnapshot)),
        }


def _document(s: Session, map_id: int) -> dict[str, Any] | None:
    """The map as a file would hold it; None once it is deleted."""
    if s.get(JourneyMap, map_id) is None:
        return None
    return jm.to_document(jm.load(s, map_id))


Call = Callable[[Session, Maps], object]


def refused(factory: sessionmaker[Session], m: Maps, access: Access, call: Call) -> None:
    """`call` as `access` raises PermissionDenied, and nothing at all changed."""
    before = state(factory, m)
    with pytest.raises(PermissionDenied), acting_as(factory, access) as s:
        call(s, m)
    assert state(factory, m) == before


def _first(s: Session, map_id: int, kind: str) -> dict[str, Any]:
    """An element of the map, read as the system would have shown it to the page."""
    return dict(jm.load(s, map_id).of(kind)[0])


def _system_element(factory: sessionmaker[Session], map_id: int, kind: str) -> dict[str, Any]:
    with unit_of_work(factory) as s:
        return _first(s, map_id, kind)


# Each change of a map's elements, on map `which` ("a" or "b"), as a page would call it. The
# element it touches is read first as the system, so a refusal is the call's own check.
def _element_changes(factory: sessionmaker[Session], which: str) -> dict[str, Call]:
    def on(m: Maps) -> int:
        return m.a if which == "a" else m.b

    def add(s: Session, m: Maps) -> object:
        return jm.add_element(s, on(m), "risk", {"name": "New risk"}, CLAIMS_TO_FACILITATE)

    def edit(s: Session, m: Maps) -> object:
        tp = _system_element(factory, on(m), "touchpoint")
        values = {"owner_team": "Mine"}
        return jm.edit_element(
            s, on(m), "touchpoint", tp["id"], values, tp["version"], CLAIMS_TO_FACILITATE
        )

    def delete(s: Session, m: Maps) -> object:
        tp = _system_element(factory, on(m), "touchpoint")
        return jm.delete_element(s, on(m), "touchpoint", tp["id"], CLAIMS_TO_FACILITATE)

    def reorder(s: Session, m: Maps) -> object:
        with unit_of_work(factory) as seen:
            order = [st["id"] for st in jm.load(seen, on(m)).stages]
        return jm.reorder(s, on(m), "stage", list(reversed(order)), CLAIMS_TO_FACILITATE, order)

    def move(s: Session, m: Maps) -> object:
        stage = _system_element(factory, on(m), "stage")
        return jm.move_element(s, on(m), "stage", stage["id"], 1, CLAIMS_TO_FACILITATE)

    def table(s: Session, m: Maps) -> object:
        edit = jm.TableEdit(added=({"name": "From the table"},))
        return jm.save_table(s, on(m), "risk", edit, CLAIMS_TO_FACILITATE)

    def whole_table(s: Session, m: Maps) -> object:
        with unit_of_work(factory) as seen:
            loaded = jm.load(seen, on(m)).of("risk")
        given = [*(dict(r) for r in loaded), {"name": "Typed in"}]
        return jm.save_kind(s, on(m), "risk", given, CLAIMS_TO_FACILITATE, loaded=loaded)

    def snapshot(s: Session, m: Maps) -> object:
        return jm.take_snapshot(s, on(m), "Mine", CLAIMS_TO_FACILITATE)

    def undo(s: Session, m: Maps) -> object:
        return jm.undo(s, on(m), CLAIMS_TO_FACILITATE)

    return {
        "add": add,
        "edit": edit,
        "delete": delete,
        "reorder": reorder,
        "move": move,
        "save_table": table,
        "save_kind": whole_table,
        "take_snapshot": snapshot,
        "undo": undo,
    }


ELEMENT_CHANGES = (
    "add",
    "edit",
    "delete",
    "reorder",
    "move",
    "save_table",
    "save_kind",
    "take_snapshot",
    "undo",
)


# Changes of a map itself, on map A (or of the workspace's maps).
DOCUMENT: dict[str, Any] = {  # a map file as jm.from_json reads it
    "schema": "waypoint.journey-map",
    "schema_version": 1,
    "map": {"name": "From a file", "state": "current"},
    "stages": [{"name": "Kickoff"}],
}


def _import(s: Session, m: Maps) -> object:
    return jm.build_map(s, m.ws, DOCUMENT, CLAIMS_TO_FACILITATE, name="Imported")


MAP_CHANGES: dict[str, Call] = {
    "create_map": lambda s, m: jm.create_map(
        s, m.ws, "blank", CLAIMS_TO_FACILITATE, name="Brand new"
    ),
    "duplicate_map": lambda s, m: jm.duplicate_map(s, m.a, "Copy of A", CLAIMS_TO_FACILITATE),
    "update_map": lambda s, m: jm.update_map(
        s, m.a, {"name": "Renamed"}, {"name": "Map A"}, CLAIMS_TO_FACILITATE
    ),
    "delete_map": lambda s, m: jm.delete_map(s, m.a, CLAIMS_TO_FACILITATE),
    "import_map": _import,
    "restore_snapshot": lambda s, m: jm.restore_snapshot(
        s, m.a, m.snapshot_a, CLAIMS_TO_FACILITATE
    ),
}

# Reads of map A (or of the workspace's maps).
READS: dict[str, Call] = {
    "load": lambda s, m: jm.load(s, m.a),
    "map_revision": lambda s, m: jm.map_revision(s, m.a),
    "list_changes": lambda s, m: jm.list_changes(s, m.a),
    "next_undo": lambda s, m: jm.next_undo(s, m.a),
    "list_snapshots": lambda s, m: jm.list_snapshots(s, m.a),
    "snapshot_elements": lambda s, m: jm.snapshot_elements(s, m.a, m.snapshot_a),
    "list_maps": lambda s, m: jm.list_maps(s, m.ws),
    "journey_events": lambda s, m: jm.journey_events(s, m.ws),
}
WORKSPACE_READS = ("list_maps", "journey_events")


# ------------------------------------------------------------------ viewers


@pytest.mark.parametrize("change", ELEMENT_CHANGES)
def test_a_viewer_changes_no_element(factory, maps, change):
    refused(factory, maps, viewer(maps), _element_changes(factory, "a")[change])


@pytest.mark.parametrize("change", list(MAP_CHANGES))
def test_a_viewer_makes_changes_and_deletes_no_map(factory, maps, change):
    refused(factory, maps, viewer(maps), MAP_CHANGES[change])


def test_a_viewer_reads_every_map(factory, maps):
    with acting_as(factory, viewer(maps)) as s:
        for read in READS.values():
            read(s, maps)
        assert [i.name for i in jm.list_maps(s, maps.ws)] == ["Map A", "Map B"]


def test_a_viewer_is_told_their_role_and_what_they_cannot_do(factory, maps):
    with pytest.raises(PermissionDenied, match="viewer") as refusal:
        with acting_as(factory, viewer(maps)) as s:
            jm.add_element(s, maps.a, "risk", {"name": "Nope"}, CLAIMS_TO_FACILITATE)
    assert "change the elements of this journey map" in str(refusal.value)


@pytest.mark.parametrize("change", ["add", "edit", "take_snapshot"])
def test_a_read_only_guest_changes_nothing_on_their_own_map(factory, maps, change):
    refused(factory, maps, guest_viewer(maps), _element_changes(factory, "a")[change])


def test_a_read_only_guest_reads_their_own_map_only(factory, maps):
    with acting_as(factory, guest_viewer(maps)) as s:
        assert jm.load(s, maps.a).info.name == "Map A"
    refused(factory, maps, guest_viewer(maps), lambda s, m: jm.load(s, m.b))
    refused(factory, maps, guest_viewer(maps), lambda s, m: jm.list_maps(s, m.ws))


# ------------------------------------------------------------------ another workspace


@pytest.mark.parametrize("read", list(READS))
def test_an_editor_of_another_workspace_reads_nothing_here(factory, maps, read):
    refused(factory, maps, outsider(maps), READS[read])


@pytest.mark.parametrize("change", ELEMENT_CHANGES)
def test_an_editor_of_another_workspace_changes_no_element_here(factory, maps, change):
    refused(factory, maps, outsider(maps), _element_changes(factory, "a")[change])


@pytest.mark.parametrize("change", list(MAP_CHANGES))
def test_an_editor_of_another_workspace_manages_no_map_here(factory, maps, change):
    refused(factory, maps, outsider(maps), MAP_CHANGES[change])


def test_the_refusal_from_another_workspace_says_it_is_not_theirs(factory, maps):
    with pytest.raises(PermissionDenied, match="not one of yours"):
        with acting_as(factory, outsider(maps)) as s:
            jm.load(s, maps.a)


# ------------------------------------------------------------------ participants


MAP_READS = [r for r in READS if r not in WORKSPACE_READS]


def test_a_participant_reads_the_map_of_their_link(factory, maps):
    with acting_as(factory, participant(maps)) as s:
        for read in MAP_READS:
            READS[read](s, maps)


@pytest.mark.parametrize("read", MAP_READS)
def test_a_participant_of_map_b_reads_nothing_of_map_a(factory, maps, read):
    refused(factory, maps, participant(maps, map_id=maps.b), READS[read])


@pytest.mark.parametrize("read", WORKSPACE_READS)
def test_a_participant_reads_nothing_workspace_wide(factory, maps, read):
    refused(factory, maps, participant(maps), READS[read])


@pytest.mark.parametrize("change", ELEMENT_CHANGES)
def test_a_participant_of_map_a_changes_no_element_of_map_b(factory, maps, change):
    refused(factory, maps, participant(maps), _element_changes(factory, "b")[change])


@pytest.mark.parametrize("change", [c for c in ELEMENT_CHANGES if c != "undo"])
def test_a_participant_changes_the_elements_of_their_map(factory, maps, change):
    before = state(factory, maps)
    with acting_as(factory, participant(maps)) as s:
        _element_changes(factory, "a")[change](s, maps)
    after = state(factory, maps)
    assert after != before
    assert after["b"] == before["b"]


@pytest.mark.parametrize("change", list(MAP_CHANGES))
def test_a_participant_manages_no_map(factory, maps, change):
    """Delete, restore, settings, duplicate, create and import: not even on their own map."""
    refused(factory, maps, participant(maps), MAP_CHANGES[change])


def test_the_lock_stops_a_participant_whatever_the_page_claims(factory, maps):
    with unit_of_work(factory) as s:
        s.get(JourneyMap, maps.a).locked = True
    with pytest.raises(jm.LockedError), acting_as(factory, participant(maps)) as s:
        jm.add_element(s, maps.a, "risk", {"name": "While locked"}, CLAIMS_TO_FACILITATE)
    with acting_as(factory, editor(maps)) as s:  # who facilitates passes the lock
        jm.add_element(s, maps.a, "risk", {"name": "By the editor"}, CLAIMS_TO_FACILITATE)
    with unit_of_work(factory) as s:
        names = {r["name"] for r in jm.load(s, maps.a).of("risk")}
    assert "By the editor" in names
    assert "While locked" not in names


# ------------------------------------------------------------------ who made a change, undo


def _add_risk(factory: sessionmaker[Session], access: Access, map_id: int, name: str) -> int:
    with acting_as(factory, access) as s:
        return jm.add_element(s, map_id, "risk", {"name": name}, jm.Actor(access.actor))["id"]


def _risks(factory: sessionmaker[Session], map_id: int) -> set[str]:
    with unit_of_work(factory) as s:
        return {r["name"] for r in jm.load(s, map_id).of("risk")}


def _change_of(factory: sessionmaker[Session], map_id: int, element_id: int) -> MapChange:
    with unit_of_work(factory) as s:
        change = s.scalars(
            select(MapChange).where(MapChange.map_id == map_id, MapChange.element_id == element_id)
        ).one()
        s.expunge(change)
        return change


def test_each_change_records_who_made_it(factory, maps):
    by_editor = _add_risk(factory, editor(maps), maps.a, "Ed's risk")
    by_pia = _add_risk(factory, participant(maps), maps.a, "Pia's risk")
    assert _change_of(factory, maps.a, by_editor).actor_key == "ed@example.com"
    assert _change_of(factory, maps.a, by_pia).actor_key == "guest:1"
    with unit_of_work(factory) as s:  # scripts and the demo act as the system
        keys = s.scalars(select(MapChange.actor_key).where(MapChange.action == "create")).all()
    assert set(keys) == {"system"}


def test_a_participant_undoes_only_their_own_change(factory, maps):
    pia, paul = participant(maps), participant(maps, n=2)
    mine = _add_risk(factory, pia, maps.a, "Pia's risk")
    _add_risk(factory, paul, maps.a, "Paul's risk")  # the most recent change is Paul's
    pauls = _change_of(factory, maps.a, _risk_id(factory, maps.a, "Paul's risk"))

    with acting_as(factory, pia) as s:  # her undo button offers her own change
        offered = jm.next_undo(s, maps.a)
    assert offered is not None
    assert offered.who == "Pia"
    assert offered.id == _change_of(factory, maps.a, mine).id
    with acting_as(factory, editor(maps)) as s:  # an editor's offers the latest, Paul's
        latest = jm.next_undo(s, maps.a)
    assert latest is not None
    assert latest.id == pauls.id

    # Naming Paul's change is refused, and nothing is undone.
    refused(factory, maps, pia, lambda s, m: jm.undo(s, m.a, jm.Actor("Pia"), pauls.id))

    with acting_as(factory, pia) as s:
        taken = jm.undo(s, maps.a, jm.Actor("Pia"), expected_change_id=offered.id)
    assert taken.id == offered.id
    assert _risks(factory, maps.a) >= {"Paul's risk"}
    assert "Pia's risk" not in _risks(factory, maps.a)

    with acting_as(factory, pia) as s:  # nothing of hers is left to undo
        assert jm.next_undo(s, maps.a) is None
    with pytest.raises(jm.JourneyError, match="no change of yours"):
        with acting_as(factory, pia) as s:
            jm.undo(s, maps.a, jm.Actor("Pia"))
    assert "Paul's risk" in _risks(factory, maps.a)


def test_a_participant_cannot_undo_a_members_change(factory, maps):
    """The fixture's last change on map A is the owner's risk: not Pia's to take back."""
    with unit_of_work(factory) as s:
        latest = jm.next_undo(s, maps.a)
    assert latest is not None
    assert latest.who == "Host"
    with acting_as(factory, participant(maps)) as s:
        assert jm.next_undo(s, maps.a) is None
    refused(
        factory, maps, participant(maps), lambda s, m: jm.undo(s, m.a, jm.Actor("Pia"), latest.id)
    )


def test_owners_and_editors_undo_anyones_change(factory, maps):
    _add_risk(factory, participant(maps), maps.a, "Pia's risk")
    with acting_as(factory, editor(maps)) as s:
        pending = jm.next_undo(s, maps.a)
        assert pending is not None
        assert pending.who == "Pia"
        jm.undo(s, maps.a, jm.Actor("Ed"), expected_change_id=pending.id)
    with acting_as(factory, owner(maps)) as s:
        pending = jm.next_undo(s, maps.a)
        assert pending is not None
        assert pending.who == "Host"
        jm.undo(s, maps.a, jm.Actor("Olga"), expected_change_id=pending.id)
    assert not {"Pia's risk", "Owner's risk"} & _risks(factory, maps.a)


def _risk_id(factory: sessionmaker[Session], map_id: int, name: str) -> int:
    with unit_of_work(factory) as s:
        return next(r["id"] for r in jm.load(s, map_id).of("risk") if r["name"] == name)


# ------------------------------------------------------------------ owners and editors


@pytest.mark.parametrize("change", ELEMENT_CHANGES)
def test_an_editor_changes_elements(factory, maps, change):
    before = state(factory, maps)
    with acting_as(factory, editor(maps)) as s:
        _element_changes(factory, "a")[change](s, maps)
    after = state(factory, maps)
    if change == "take_snapshot":
        assert after["snapshots"] == before["snapshots"] + 1
    else:
        assert after["a"] != before["a"]
    assert after["b"] == before["b"]


@pytest.mark.parametrize("change", list(MAP_CHANGES))
def test_an_editor_manages_maps(factory, maps, change):
    before = state(factory, maps)
    with acting_as(factory, editor(maps)) as s:
        MAP_CHANGES[change](s, maps)
    assert state(factory, maps) != before


def test_an_owner_reads_changes_and_manages_maps(factory, maps):
    """Every use case in turn, ending with the delete; each one changes what it should."""
    with acting_as(factory, owner(maps)) as s:
        for read in READS.values():
            read(s, maps)
    changes = _element_changes(factory, "a")
    last = "delete_map"
    for name in [*ELEMENT_CHANGES, *(c for c in MAP_CHANGES if c != last), last]:
        before = state(factory, maps)
        with acting_as(factory, owner(maps)) as s:
            (changes.get(name) or MAP_CHANGES[name])(s, maps)
        assert state(factory, maps) != before, name
    with unit_of_work(factory) as s:
        names = [i.name for i in jm.list_maps(s, maps.ws)]
    assert names == ["Brand new", "Copy of A", "Imported", "Map B"]
