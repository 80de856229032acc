"""What every open screen of a map polls: the map's revision and the workshop's state, in one
small query.

A screen in a live workshop asks every second whether anything changed (and is woken at once
by the server's watcher, which reads every open map's revision with `revisions`). Loading the
whole map for that (core.journey.store.load: the map, then each kind of element) cost about
eight queries per screen and poll; fifteen screens made that sixty queries a second for
nothing. The journey map's row carries what a poll needs: its revision (`version`, moved on
by every change of the map, notes, dots, lock, timer and presented stage included, see
store.bump) and the workshop controls. A screen reloads the map only when the revision moved.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, or_, select
from sqlalchemy.orm import Session

from core.access.guard import acting, require
from core.access.identity import PermissionDenied
from core.access.roles import Action
from core.db.models import JourneyMap, MapPresence
from core.journey import presence
from core.journey.errors import JourneyError
from core.journey.presence import Present
from core.journey.store import GONE, now
from core.journey.workshop import timer_left


@dataclass(frozen=True)
class LiveState:
    """A map's revision and the workshop controls every screen shows, as stored now."""

    version: int
    locked: bool
    presenting_stage_id: int | None
    timer_started_at: datetime | None
    timer_minutes: int

    def timer_left(self, at: datetime | None = None) -> int | None:
        """Seconds left on the facilitator's timer (0 once over), None when none runs."""
        return timer_left(self.timer_started_at, self.timer_minutes, at)


_STATE_COLUMNS = (
    JourneyMap.workspace_id,
    JourneyMap.version,
    JourneyMap.locked,
    JourneyMap.presenting_stage_id,
    JourneyMap.timer_started_at,
    JourneyMap.timer_minutes,
)
"""The map's row as a live state reads it (the workspace, for the access check)."""


def _state(row: Row[*tuple[Any, ...]]) -> LiveState:
    return LiveState(
        version=row.version,
        locked=bool(row.locked),
        presenting_stage_id=row.presenting_stage_id,
        timer_started_at=row.timer_started_at,
        timer_minutes=int(row.timer_minutes or 0),
    )


def live_state(session: Session, map_id: int) -> LiveState:
    """The map's live state, if the acting identity may read the map: one query of the map's
    own row (by its key), the workspace read with it so who acts is checked like get_map
    does, before anything is returned."""
    row = session.execute(select(*_STATE_COLUMNS).where(JourneyMap.id == map_id)).first()
    if row is None:
        raise JourneyError(GONE)
    require(session, Action.READ, row.workspace_id, map_id=map_id)
    return _state(row)


@dataclass(frozen=True)
class Poll:
    """What a screen's live refresh shows: the map's live state and who is in the room."""

    state: LiveState
    people: list[Present]


def poll(session: Session, map_id: int, *, at: datetime | None = None) -> Poll:
    """A screen's whole live refresh in one query: the map's row (its live state), joined to
    the room's rows seen within presence.WINDOW and the reader's own row however old. The
    reader's row is then written only when presence.WRITE_EVERY has passed since it was
    (presence.record_seen), so most refreshes write nothing. Refused, like live_state, to
    anyone who may not read the map."""
    access = acting(session)
    key = presence.person_key(access)
    moment = at or now()
    since = moment - presence.WINDOW
    rows = _room_rows(session, map_id, key, since)
    if not rows:
        raise JourneyError(GONE)
    require(session, Action.READ, rows[0].workspace_id, map_id=map_id)
    mine = next((r.last_seen for r in rows if key and r.person_key == key), None)
    wrote = presence.record_seen(session, map_id, access, mine, moment)
    here = [r for r in rows if r.name is not None and r.last_seen >= since]
    people = [Present(r.name, r.kind) for r in here]
    if wrote and not any(r.person_key == key for r in here):
        people.append(presence.as_present(access))  # their first refresh: they are here now
    return Poll(_state(rows[0]), presence.in_room_order(people))


def _room_rows(
    session: Session, map_id: int, key: str, since: datetime
) -> Sequence[Row[*tuple[Any, ...]]]:
    """The map's row once per person seen since `since` (and once for the reader however
    old their row), or once with no person; none when the map is gone."""
    return session.execute(
        select(
            *_STATE_COLUMNS,
            MapPresence.person_key,
            MapPresence.name,
            MapPresence.kind,
            MapPresence.last_seen,
        )
        .select_from(JourneyMap)
        .outerjoin(
            MapPresence,
            and_(
                MapPresence.map_id == JourneyMap.id,
                or_(MapPresence.last_seen >= since, MapPresence.person_key == key),
            ),
        )
        .where(JourneyMap.id == map_id)
    ).all()


def revisions(session: Session, map_ids: Collection[int]) -> dict[int, int]:
    """The revision of each of these maps now (a deleted one is left out), in one query.

    Only the system may ask: this answers for maps of any workspace, and serves the server's
    own watcher (ui/journey/push.py), which wakes a screen whose map moved on. It returns
    numbers and never content; the screen it wakes reads the map with its own person's access.
    """
    if not acting(session).is_system:
        raise PermissionDenied("Only the server itself watches every open map.")
    if not map_ids:
        return {}
    rows = session.execute(
        select(JourneyMap.id, JourneyMap.version).where(JourneyMap.id.in_(sorted(map_ids)))
    )
    return {int(row.id): int(row.version) for row in rows}
