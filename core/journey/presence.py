"""Who is in the room: the people who have a map open now, by the name the room knows them by.

Every open screen calls `heartbeat` as it polls (core.journey.room), and `who_is_here` lists
the people whose screen did so within the last WINDOW. The rows live in the database
(map_presence, one per person and map), so every app server sees the same room. A person is
who the session acts for (core.access.guard.acting): a member by their key and signed-in
name, a participant by their own guest key and the name they joined with; read-only guests
of one link share the link's key, so they count as one. Keys are never shown.

Writes are throttled in the statement itself: a person's row is written at most once every
WRITE_EVERY, however many screens or servers poll for them. The write is one INSERT ... ON
CONFLICT (map_id, person_key) DO UPDATE ... WHERE last_seen < cutoff, which SQLite and
PostgreSQL both run atomically: two first heartbeats at once leave one row, never an error,
and nothing is read first and written later. (A SAVEPOINT around a plain INSERT would do on
PostgreSQL, but on SQLite one opened before the transaction's first write commits on
release; see core.access.members.) A screen that already wrote recently reads one row and
writes nothing, so most polls take no write lock at all. A write also deletes the map's rows
of people not seen for KEEP (a day), so names do not pile up after the workshop.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, and_, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.access.guard import acting, require
from core.access.identity import Access, Role
from core.access.roles import Action
from core.db.models import JourneyMap, MapPresence
from core.journey.errors import JourneyError
from core.journey.store import GONE, now

WRITE_EVERY = timedelta(seconds=15)
"""A person's row is written at most this often (their screens poll every second)."""
WINDOW = timedelta(seconds=45)
"""Someone whose screen has not polled for this long has left the room."""
KEEP = timedelta(days=1)
"""A row older than this is deleted: who came to a workshop (guests' names included) is not
kept once the day is over, and the table holds only the rooms of the last day."""
KEY_CHARS = 200
NAME_CHARS = 200

FACILITATOR = "facilitator"
PARTICIPANT = "participant"
VIEWER = "viewer"
_ORDER = {FACILITATOR: 0, PARTICIPANT: 1, VIEWER: 2}
_TABLE = cast("Table", MapPresence.__table__)  # the Core table: the upsert returns no ORM rows


@dataclass(frozen=True)
class Present:
    """Someone in the room: the name they are known by and how they take part."""

    name: str
    kind: str

    @property
    def label(self) -> str:
        """The name as the room list shows it: "Ana (facilitator)", "Pat", "Vera (viewer)"."""
        return self.name if self.kind == PARTICIPANT else f"{self.name} ({self.kind})"


def heartbeat(
    session: Session, map_id: int, *, every: timedelta = WRITE_EVERY, at: datetime | None = None
) -> bool:
    """Record that the acting person has this map open now, if they may read it; returns
    whether a row was written (at most once per `every` for a person, across all their
    screens). The system (scripts, the demo) is never in a room."""
    access = acting(session)
    key = person_key(access)
    seen = session.execute(
        select(JourneyMap.workspace_id, MapPresence.last_seen)
        .select_from(JourneyMap)
        .outerjoin(
            MapPresence,
            and_(MapPresence.map_id == JourneyMap.id, MapPresence.person_key == key),
        )
        .where(JourneyMap.id == map_id)
    ).first()
    if seen is None:
        raise JourneyError(GONE)
    require(session, Action.READ, seen.workspace_id, map_id=map_id)
    return record_seen(session, map_id, access, seen.last_seen, at or now(), every=every)


def record_seen(
    session: Session,
    map_id: int,
    access: Access,
    last_seen: datetime | None,
    moment: datetime,
    *,
    every: timedelta = WRITE_EVERY,
) -> bool:
    """The heartbeat's write, for a caller that has already checked who acts and read the
    person's row (`last_seen`, None when there is none): written only when that is older
    than `every`, and the statement checks it again, so two screens at once write once."""
    key = person_key(access)
    if access.is_system or not key:
        return False
    if last_seen is not None and last_seen > moment - every:
        return False
    written = _upsert(session, map_id, access, key, moment, cutoff=moment - every)
    if written:  # at most once per `every` for a person: cheap enough to tidy the map's room
        _forget_before(session, map_id, moment - KEEP)
    return written


def who_is_here(
    session: Session, map_id: int, within: timedelta = WINDOW, *, at: datetime | None = None
) -> list[Present]:
    """Everyone whose screen showed this map within `within`, the reader included once their
    screen has polled: facilitators first, then participants, then viewers, each by name."""
    moment = at or now()
    rows = session.execute(
        select(JourneyMap.workspace_id, MapPresence.name, MapPresence.kind)
        .select_from(JourneyMap)
        .outerjoin(
            MapPresence,
            and_(MapPresence.map_id == JourneyMap.id, MapPresence.last_seen >= moment - within),
        )
        .where(JourneyMap.id == map_id)
    ).all()
    if not rows:
        raise JourneyError(GONE)
    require(session, Action.READ, rows[0].workspace_id, map_id=map_id)
    return in_room_order([Present(r.name, r.kind) for r in rows if r.name is not None])


def in_room_order(people: list[Present]) -> list[Present]:
    """Facilitators first, then participants, then viewers, each by name."""
    return sorted(people, key=lambda p: (_ORDER.get(p.kind, 3), p.name.casefold(), p.name))


def as_present(access: Access) -> Present:
    """How the room lists the acting person."""
    return Present(_name(access), _kind(access))


def _upsert(
    session: Session, map_id: int, access: Access, key: str, moment: datetime, cutoff: datetime
) -> bool:
    """Insert the person's row, or move its time on if it is older than `cutoff`: one
    statement, so concurrent heartbeats neither fail on the unique key nor write twice."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {
        "map_id": map_id,
        "person_key": key,
        "name": _name(access),
        "kind": _kind(access),
        "last_seen": moment,
    }
    statement = insert(_TABLE).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[MapPresence.map_id, MapPresence.person_key],
        set_={
            "name": statement.excluded.name,
            "kind": statement.excluded.kind,
            "last_seen": statement.excluded.last_seen,
        },
        where=MapPresence.last_seen < cutoff,
    )
    try:  # a row comes back only when one was inserted or moved on
        written = session.execute(statement.returning(MapPresence.id)).first()
    except IntegrityError:  # the map was deleted since it was read: its rows cascade away
        raise JourneyError(GONE) from None
    return written is not None


def _forget_before(session: Session, map_id: int, cutoff: datetime) -> None:
    """Delete the map's rows of people last seen before `cutoff` (one indexed statement)."""
    session.execute(
        delete(MapPresence).where(MapPresence.map_id == map_id, MapPresence.last_seen < cutoff)
    )


def person_key(access: Access) -> str:
    """Who the row is for: the person's key (an e-mail, `local`, `guest:<id>`), hashed when
    longer than the column."""
    key = access.person or access.visitor
    if len(key) <= KEY_CHARS:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def _name(access: Access) -> str:
    return (" ".join(access.actor.split())[:NAME_CHARS]) or "Someone"


def _kind(access: Access) -> str:
    if access.facilitates:
        return FACILITATOR
    return PARTICIPANT if access.role is Role.PARTICIPANT else VIEWER
