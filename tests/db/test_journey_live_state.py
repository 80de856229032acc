"""What an open screen polls every two seconds (core.journey.room.live_state), on SQLite and
PostgreSQL: one query of the map's row, moved on by every change of the map and of the
workshop's controls, and refused to anyone outside the map. The queries of a whole poll
(live state, heartbeat, who is here) are counted against loading the map, which polls did
before."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from core import journey as jm
from core.access import links
from core.access.guard import bind
from core.access.identity import Access, PermissionDenied, Role
from core.db.engine import unit_of_work
from core.journey import presence, room, workshop
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


def test_a_whole_poll_costs_far_fewer_queries_than_loading_the_map(factory, migrated_engine, setup):
    """What the live bar runs per poll: live state, heartbeat (written at most every 15 s)
    and the room list; before, every poll loaded the whole map."""
    _, map_id, ana = setup
    with acting_as(factory, ana) as s:
        presence.heartbeat(s, map_id)  # the first poll wrote the row
    with acting_as(factory, ana) as s, counted(migrated_engine) as poll:
        room.live_state(s, map_id)
        assert not presence.heartbeat(s, map_id)
        presence.who_is_here(s, map_id)
    with acting_as(factory, ana) as s, counted(migrated_engine) as load:
        jm.load(s, map_id)
    assert len(poll) == 3, poll
    assert len(load) >= 2 * len(poll), load
    print(f"\n{migrated_engine.dialect.name}: a poll {len(poll)} queries, jm.load {len(load)}")


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
    with acting_as(factory, pat_b) as s:  # her own map answers
        assert room.live_state(s, map_b).version >= 1
    with pytest.raises(jm.JourneyError), unit_of_work(factory) as s:
        room.live_state(s, 10**9)


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
