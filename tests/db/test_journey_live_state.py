"""What an open screen polls every two seconds (core.journey.room.live_state), on SQLite and
PostgreSQL: one query of the map's row, moved on by every change of the map and of the
workshop's controls, and refused to anyone outside the map. The queries of a whole poll
(live state, heartbeat, who is here) are counted against loading the map, which polls did
before."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from core import journey as jm
from core.access import links
from core.access.guard import bind
from core.access.identity import Access, PermissionDenied, Role
from core.db.engine import unit_of_work
from core.journey import presence, room, workshop
from core.journey.presence import Present
from core.workspace.workspaces import create_workspace

HOST = jm.Actor("Host")


@contextmanager
def acting_as(factory: sessionmaker[Session], access: Access) -> Iterator[Session]:
    with unit_of_work(factory) as s:
        bind(s, access)
        yield s


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block."""
    sent: list[str] = []

    def before(_conn, _cursor, statement, _params, _context, _many) -> None:  # noqa: ANN001
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def setup(factory: sessionmaker[Session]) -> tuple[int, int, Access]:
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Live").id
        map_id = jm.create_map(s, ws, "six_stage", HOST, name="Live map").id
    ana = Access(ws, "Live", Role.OWNER, "Ana", visitor="ana@example.com", person="ana@example.com")
    return ws, map_id, ana


def test_live_state_is_one_query_and_follows_every_change(factory, migrated_engine, setup):
    _, map_id, ana = setup
    with acting_as(factory, ana) as s:
        with counted(migrated_engine) as sent:
            first = room.live_state(s, map_id)
        assert len(sent) == 1, sent
        assert "journey_map" in sent[0]
    assert (first.locked, first.presenting_stage_id, first.timer_left()) == (False, None, None)
    with acting_as(factory, ana) as s:
        stage = jm.load(s, map_id).stages[1]["id"]
        workshop.present_stage(s, map_id, stage, HOST)
        workshop.set_locked(s, map_id, HOST, locked=True)
        workshop.start_timer(s, map_id, 3, HOST)
    with acting_as(factory, ana) as s:
        after = room.live_state(s, map_id)
    assert after.version == first.version + 3
    assert (after.locked, after.presenting_stage_id, after.timer_minutes) == (True, stage, 3)
    left = after.timer_left()
    assert left is not None
    assert 170 <= left <= 180
    with acting_as(factory, ana) as s:
        workshop.add_note(s, map_id, None, "idea", "A note moves it on too", HOST)
    with acting_as(factory, ana) as s:
        assert room.live_state(s, map_id).version == after.version + 1


def test_a_whole_poll_is_one_query_and_writes_at_most_every_15_s(factory, migrated_engine, setup):
    """What the live bar runs per refresh (core.journey.room.poll): the live state and the
    room in one query; the person's presence row is written on the first refresh and then at
    most every WRITE_EVERY. Before, every poll loaded the whole map."""
    _, map_id, ana = setup
    start = datetime.now(UTC).replace(tzinfo=None)
    with acting_as(factory, ana) as s, counted(migrated_engine) as first:
        found = room.poll(s, map_id, at=start)
    assert found.people == [Present("Ana", "facilitator")]  # here from her first refresh
    assert len(first) > 1, first  # the first refresh wrote her row
    with acting_as(factory, ana) as s, counted(migrated_engine) as later:
        again = room.poll(s, map_id, at=start + timedelta(seconds=5))
    assert len(later) == 1, later
    assert "journey_map" in later[0]
    assert "map_presence" in later[0]
    assert again.people == [Present("Ana", "facilitator")]
    with acting_as(factory, ana) as s, counted(migrated_engine) as due:
        room.poll(s, map_id, at=start + timedelta(seconds=20))
    assert len(due) > 1, due  # 15 s on: her row moved on
    with acting_as(factory, ana) as s, counted(migrated_engine) as load:
        jm.load(s, map_id)
    assert len(load) >= 2 * len(later), load
    print(f"\n{migrated_engine.dialect.name}: a poll {len(later)} query, jm.load {len(load)}")


def test_the_poll_agrees_with_live_state_and_the_room_list(factory, setup):
    """poll answers what live_state, heartbeat and who_is_here answered one by one: the
    same revision and controls, the same people in the same order, a guest by the name she
    joined with, someone gone quiet for longer than the window left out."""
    ws, map_id, ana = setup
    with unit_of_work(factory) as s:
        made = links.create_link(s, ws, "participant", map_id=map_id)
    with unit_of_work(factory) as s:
        link, _ = links.open_link(s, made.token)
        pat = links.guest_access(link, links.join(s, link, "Pat")[0])
    bob = Access(
        ws, "Live", Role.EDITOR, "Bob", visitor="bob@example.com", person="bob@example.com"
    )
    start = datetime.now(UTC).replace(tzinfo=None)
    with acting_as(factory, bob) as s:
        presence.heartbeat(s, map_id, at=start - timedelta(minutes=5))  # long gone
    with acting_as(factory, pat) as s:
        presence.heartbeat(s, map_id, at=start)
    with acting_as(factory, ana) as s:
        workshop.start_timer(s, map_id, 3, HOST)
    with acting_as(factory, ana) as s:
        found = room.poll(s, map_id, at=start + timedelta(seconds=1))
    with acting_as(factory, ana) as s:
        assert found.state == room.live_state(s, map_id)
        assert found.people == presence.who_is_here(s, map_id, at=start + timedelta(seconds=1))
    assert [p.label for p in found.people] == ["Ana (facilitator)", "Pat"]


def test_live_state_is_refused_outside_the_map(factory, setup):
    ws, map_id, _ = setup
    with unit_of_work(factory) as s:
        other = create_workspace(s, "Elsewhere").id
        map_b = jm.create_map(s, ws, "six_stage", HOST, name="Map B").id
        made = links.create_link(s, ws, "participant", map_id=map_b)
    with unit_of_work(factory) as s:
        link, _ = links.open_link(s, made.token)
        pat_b = links.guest_access(link, links.join(s, link, "Pat")[0])
    olga = Access(other, "Elsewhere", Role.OWNER, "Olga", person="olga@example.com")
    for access in (olga, pat_b):
        with pytest.raises(PermissionDenied), acting_as(factory, access) as s:
            room.live_state(s, map_id)
        with pytest.raises(PermissionDenied), acting_as(factory, access) as s:
            room.poll(s, map_id)
    with unit_of_work(factory) as s:  # a refused poll wrote nobody into the room
        assert presence.who_is_here(s, map_id) == []
    with acting_as(factory, pat_b) as s:  # her own map answers
        assert room.live_state(s, map_b).version >= 1
        assert [p.name for p in room.poll(s, map_b).people] == ["Pat"]
    with pytest.raises(jm.JourneyError), unit_of_work(factory) as s:
        room.live_state(s, 10**9)
    with pytest.raises(jm.JourneyError), unit_of_work(factory) as s:
        room.poll(s, 10**9)


def test_the_watchers_read_is_one_query_for_every_open_map(factory, migrated_engine, setup):
    """core.journey.room.revisions: the server's watcher (ui/journey/push.py) reads the
    revision of every open map at once; a deleted map is left out."""
    ws, map_id, ana = setup
    with unit_of_work(factory) as s:
        other = jm.create_map(s, ws, "six_stage", HOST, name="Other map").id
        gone = jm.create_map(s, ws, "six_stage", HOST, name="Gone map").id
    with acting_as(factory, ana) as s:
        workshop.add_note(s, map_id, None, "idea", "Moves the first map on", HOST)
        jm.delete_map(s, gone, HOST)
    with unit_of_work(factory) as s:
        with counted(migrated_engine) as sent:
            found = room.revisions(s, [map_id, other, gone])
        assert len(sent) == 1, sent
        assert found == {
            map_id: room.live_state(s, map_id).version,
            other: room.live_state(s, other).version,
        }
        assert found[map_id] > found[other]
        assert room.revisions(s, []) == {}


def test_only_the_server_itself_reads_every_maps_revision(factory, setup):
    _, map_id, ana = setup
    with acting_as(factory, ana) as s, pytest.raises(PermissionDenied):
        room.revisions(s, [map_id])
