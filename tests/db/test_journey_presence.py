"""Who is in the room (core.journey.presence), on SQLite and PostgreSQL: a member and a guest
are listed by the names the room knows them by, a person's row is written at most once per
WRITE_EVERY however often their screens poll, people drop off after the window, two first
heartbeats at once leave one row, and nobody outside the map records or reads presence."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core import journey as jm
from core.access import links
from core.access.guard import bind
from core.access.identity import Access, PermissionDenied, Role
from core.db.engine import unit_of_work
from core.db.models import MapPresence
from core.journey import presence
from core.journey.presence import Present
from core.journey.store import now
from core.workspace.workspaces import create_workspace

HOST = jm.Actor("Host")
HOSTILE = "<img src=x onerror=window.__xss=1>"


@dataclass(frozen=True)
class Room:
    workspace_id: int
    map_a: int
    map_b: int


@pytest.fixture
def room(factory: sessionmaker[Session]) -> Room:
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Presence").id
        a = jm.create_map(s, ws, "six_stage", HOST, name="Map A").id
        b = jm.create_map(s, ws, "six_stage", HOST, name="Map B").id
    return Room(ws, a, b)


@contextmanager
def acting_as(factory: sessionmaker[Session], access: Access) -> Iterator[Session]:
    with unit_of_work(factory) as s:
        bind(s, access)
        yield s


def _member(room: Room, role: Role, name: str) -> Access:
    email = f"{name.lower()}@example.com"
    return Access(room.workspace_id, "Presence", role, name, visitor=email, person=email)


def _guest(factory: sessionmaker[Session], room: Room, kind: str, map_id: int, name: str) -> Access:
    """A guest who came in through a real link (participants join under `name`)."""
    with unit_of_work(factory) as s:
        made = links.create_link(s, room.workspace_id, kind, map_id=map_id)
    with unit_of_work(factory) as s:
        link, _ = links.open_link(s, made.token)
        guest = links.join(s, link, name)[0] if kind == "participant" else None
    return links.guest_access(link, guest)


def _rows(factory: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with unit_of_work(factory) as s:
        found = s.execute(select(MapPresence.person_key, MapPresence.name, MapPresence.kind))
        return sorted((r.person_key, r.name, r.kind) for r in found)


def _last_seen(factory: sessionmaker[Session], key: str):
    with unit_of_work(factory) as s:
        return s.scalar(select(MapPresence.last_seen).where(MapPresence.person_key == key))


def test_a_member_and_a_guest_are_in_the_room_by_their_names(factory, room):
    ana = _member(room, Role.OWNER, "Ana")
    pat = _guest(factory, room, "participant", room.map_a, "Pat")
    vera = _member(room, Role.VIEWER, "Vera")
    with acting_as(factory, ana) as s:
        assert presence.heartbeat(s, room.map_a)
        # The viewer herself is in the list once her own screen has polled.
        assert presence.who_is_here(s, room.map_a) == [Present("Ana", "facilitator")]
    for access in (pat, vera):
        with acting_as(factory, access) as s:
            assert presence.heartbeat(s, room.map_a)
    with acting_as(factory, pat) as s:
        here = presence.who_is_here(s, room.map_a)
    assert here == [
        Present("Ana", "facilitator"),
        Present("Pat", "participant"),
        Present("Vera", "viewer"),
    ]
    assert [p.label for p in here] == ["Ana (facilitator)", "Pat", "Vera (viewer)"]
    # Keys stay in the table; what the room reads carries names and kinds only.
    assert {k for k, _, _ in _rows(factory)} == {"ana@example.com", pat.person, "vera@example.com"}
    assert pat.person.startswith("guest:")
    with acting_as(factory, ana) as s:  # another map's room is empty
        assert presence.who_is_here(s, room.map_b) == []


def test_a_hostile_name_is_stored_and_listed_as_the_text_it_is(factory, room):
    guest = _guest(factory, room, "participant", room.map_a, HOSTILE)
    with acting_as(factory, guest) as s:
        presence.heartbeat(s, room.map_a)
        assert [p.name for p in presence.who_is_here(s, room.map_a)] == [HOSTILE]


def test_heartbeats_are_written_at_most_once_per_interval(factory, room):
    ana = _member(room, Role.EDITOR, "Ana")
    start = now()
    with acting_as(factory, ana) as s:
        assert presence.heartbeat(s, room.map_a, at=start)
    for seconds in (2, 4, 14):  # her screens poll on; nothing is written
        with acting_as(factory, ana) as s:
            assert not presence.heartbeat(s, room.map_a, at=start + timedelta(seconds=seconds))
        assert _last_seen(factory, "ana@example.com") == start
    later = start + presence.WRITE_EVERY + timedelta(seconds=1)
    with acting_as(factory, ana) as s:
        assert presence.heartbeat(s, room.map_a, at=later)
    assert _last_seen(factory, "ana@example.com") == later
    assert len(_rows(factory)) == 1


def test_the_throttle_holds_in_the_statement_itself(factory, room):
    """Two screens of one person that both read an old time write once: the second write's
    WHERE finds the row fresh (the statement, not the read before it, decides)."""
    ana = _member(room, Role.EDITOR, "Ana")
    start = now()
    with acting_as(factory, ana) as s:
        presence.heartbeat(s, room.map_a, at=start)
    due = start + presence.WRITE_EVERY + timedelta(seconds=1)
    with acting_as(factory, ana) as s:
        assert presence._upsert(
            s, room.map_a, ana, "ana@example.com", due, due - presence.WRITE_EVERY
        )
    with acting_as(factory, ana) as s:  # read before the first write landed, written after
        assert not presence._upsert(
            s, room.map_a, ana, "ana@example.com", due, due - presence.WRITE_EVERY
        )
    assert _last_seen(factory, "ana@example.com") == due


def test_people_who_left_drop_off_after_the_window(factory, room):
    ana, pat = (
        _member(room, Role.OWNER, "Ana"),
        _guest(factory, room, "participant", room.map_a, "Pat"),
    )
    start = now()
    with acting_as(factory, pat) as s:
        presence.heartbeat(s, room.map_a, at=start)
    with acting_as(factory, ana) as s:
        presence.heartbeat(s, room.map_a, at=start + timedelta(seconds=30))
    with acting_as(factory, ana) as s:
        inside = presence.who_is_here(s, room.map_a, at=start + timedelta(seconds=40))
        after = presence.who_is_here(
            s, room.map_a, at=start + presence.WINDOW + timedelta(seconds=1)
        )
        narrow = presence.who_is_here(
            s, room.map_a, timedelta(seconds=5), at=start + timedelta(seconds=33)
        )
    assert [p.name for p in inside] == ["Ana", "Pat"]
    assert [p.name for p in after] == ["Ana"]  # Pat closed her screen
    assert [p.name for p in narrow] == ["Ana"]


def test_a_returning_guest_comes_back_under_one_row(factory, room):
    pat = _guest(factory, room, "participant", room.map_a, "Pat")
    start = now()
    with acting_as(factory, pat) as s:
        presence.heartbeat(s, room.map_a, at=start - timedelta(minutes=5))
    with acting_as(factory, pat) as s:
        assert presence.who_is_here(s, room.map_a) == []
        assert presence.heartbeat(s, room.map_a, at=start)
        assert [p.name for p in presence.who_is_here(s, room.map_a)] == ["Pat"]
    assert len(_rows(factory)) == 1


def test_rows_of_people_gone_for_a_day_are_deleted_when_someone_else_comes(factory, room):
    ana, pat, sam = (
        _member(room, Role.OWNER, "Ana"),
        _guest(factory, room, "participant", room.map_a, "Pat"),
        _guest(factory, room, "participant", room.map_b, "Sam"),
    )
    start = now()
    with acting_as(factory, pat) as s:  # yesterday's workshop on map A
        presence.heartbeat(s, room.map_a, at=start - presence.KEEP - timedelta(minutes=1))
    with acting_as(factory, sam) as s:  # on map B: another room, not tidied by map A's
        presence.heartbeat(s, room.map_b, at=start - presence.KEEP - timedelta(minutes=1))
    with acting_as(factory, ana) as s:
        presence.heartbeat(s, room.map_a, at=start - presence.KEEP + timedelta(minutes=1))
    assert sorted(r[1] for r in _rows(factory)) == ["Ana", "Pat", "Sam"]  # none a day old yet
    with acting_as(factory, ana) as s:
        assert presence.heartbeat(s, room.map_a, at=start)
    assert sorted(r[1] for r in _rows(factory)) == ["Ana", "Sam"]


def test_first_heartbeats_at_once_leave_one_row_and_no_error(factory, room):
    ana = _member(room, Role.EDITOR, "Ana")
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def beat() -> None:
        try:
            barrier.wait()
            with acting_as(factory, ana) as s:
                presence.heartbeat(s, room.map_a)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=beat) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with unit_of_work(factory) as s:
        assert s.scalar(select(func.count()).select_from(MapPresence)) == 1


def test_nobody_outside_the_map_records_or_reads_presence(factory, room):
    with unit_of_work(factory) as s:
        other = create_workspace(s, "Elsewhere").id
    olga = Access(other, "Elsewhere", Role.OWNER, "Olga", person="olga@example.com")
    pat_b = _guest(factory, room, "participant", room.map_b, "Pat")  # a guest of map B only
    with acting_as(factory, _member(room, Role.OWNER, "Ana")) as s:
        presence.heartbeat(s, room.map_a)
    for access in (olga, pat_b):
        with pytest.raises(PermissionDenied), acting_as(factory, access) as s:
            presence.heartbeat(s, room.map_a)
        with pytest.raises(PermissionDenied), acting_as(factory, access) as s:
            presence.who_is_here(s, room.map_a)
    assert [name for _, name, _ in _rows(factory)] == ["Ana"]


def test_a_read_only_guest_is_a_viewer_and_the_system_is_never_in_the_room(factory, room):
    gus = _guest(factory, room, "viewer", room.map_a, "")
    with acting_as(factory, gus) as s:
        assert presence.heartbeat(s, room.map_a)
        assert [p.kind for p in presence.who_is_here(s, room.map_a)] == ["viewer"]
    with unit_of_work(factory) as s:  # the factory acts as the system
        assert not presence.heartbeat(s, room.map_a)
    assert len(_rows(factory)) == 1


def test_a_deleted_map_has_no_room(factory, room):
    ana = _member(room, Role.OWNER, "Ana")
    with acting_as(factory, ana) as s:
        presence.heartbeat(s, room.map_a)
    with unit_of_work(factory) as s:
        jm.delete_map(s, room.map_a, HOST)
    with pytest.raises(jm.JourneyError), acting_as(factory, ana) as s:
        presence.heartbeat(s, room.map_a)
    with pytest.raises(jm.JourneyError), acting_as(factory, ana) as s:
        presence.who_is_here(s, room.map_a)
    assert _rows(factory) == []
