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

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.guard import acting, require
from core.access.identity import PermissionDenied
from core.access.roles import Action
from core.db.models import JourneyMap
from core.journey.errors import JourneyError
from core.journey.store import GONE
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


def live_state(session: Session, map_id: int) -> LiveState:
    """The map's live state, if the acting identity may read the map: one query of the map's
    own row (by its key), the workspace read with it so who acts is checked like get_map
    does, before anything is returned."""
    row = session.execute(
        select(
            JourneyMap.workspace_id,
            JourneyMap.version,
            JourneyMap.locked,
            JourneyMap.presenting_stage_id,
            JourneyMap.timer_started_at,
            JourneyMap.timer_minutes,
        ).where(JourneyMap.id == map_id)
    ).first()
    if row is None:
        raise JourneyError(GONE)
    require(session, Action.READ, row.workspace_id, map_id=map_id)
    return LiveState(
        version=row.version,
        locked=bool(row.locked),
        presenting_stage_id=row.presenting_stage_id,
        timer_started_at=row.timer_started_at,
        timer_minutes=int(row.timer_minutes or 0),
    )


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
