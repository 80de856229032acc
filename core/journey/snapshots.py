"""Snapshots of a map: freeze it under a label, browse earlier versions, restore one.

A restore replaces the whole map, so it is the one change that could silently take back what
others did a moment ago. The page therefore names the revision the person was looking at
(`base_revision`): if any change was stored since, nothing is restored and the message lists
those changes. One undo takes a restore back.

Saving a version is a change of the map's content (participants may, while the map is not
locked); restoring one replaces the whole map, so only who may manage maps may
(Action.EDIT_JOURNEYS). Reading versions needs a read of the map.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.roles import Action
from core.db.models import MapChange, MapSnapshot
from core.journey.errors import JourneyError
from core.journey.history import describe
from core.journey.revert import apply_content, stored_elements
from core.journey.shapes import ElementLists
from core.journey.store import Actor, content, editable_map, get_map, map_for_update, now, record


@dataclass(frozen=True)
class SnapshotInfo:
    id: int
    at: datetime
    who: str
    label: str
    elements: int


def take_snapshot(session: Session, map_id: int, label: str, actor: Actor) -> SnapshotInfo:
    """Freeze the whole map under a label, to come back to later. The map is locked while it is
    read, so the snapshot is one state of it, not kinds read on either side of a change."""
    journey = map_for_update(session, map_id, Action.EDIT_MAP_CONTENT)
    label = " ".join(label.split())[:120] or f"Version {journey.version}"
    elements = content(session, journey).elements
    snap = MapSnapshot(
        map_id=map_id,
        at=now(),
        who=actor.label,
        label=label,
        content={"version": journey.version, "elements": elements},
    )
    session.add(snap)
    session.flush()
    return _snapshot_info(snap)


def _snapshot_info(snap: MapSnapshot) -> SnapshotInfo:
    count = sum(len(v) for v in stored_elements(snap.content).values())
    return SnapshotInfo(snap.id, snap.at, snap.who, snap.label, count)


def list_snapshots(session: Session, map_id: int) -> list[SnapshotInfo]:
    get_map(session, map_id)
    query = select(MapSnapshot).where(MapSnapshot.map_id == map_id).order_by(MapSnapshot.id.desc())
    return [_snapshot_info(s) for s in session.scalars(query)]


def snapshot_elements(session: Session, map_id: int, snapshot_id: int) -> ElementLists:
    """The elements as they were in a snapshot, to browse before restoring."""
    get_map(session, map_id)
    return stored_elements(_get_snapshot(session, map_id, snapshot_id).content)


def _get_snapshot(session: Session, map_id: int, snapshot_id: int) -> MapSnapshot:
    snap = session.get(MapSnapshot, snapshot_id)
    if snap is None or snap.map_id != map_id:
        raise JourneyError("That saved version no longer exists.")
    return snap


def restore_snapshot(
    session: Session,
    map_id: int,
    snapshot_id: int,
    actor: Actor,
    base_revision: int | None = None,
) -> None:
    """Bring the map back to a saved version; the current state is kept in the history, and
    one undo takes the restore back.

    `base_revision` is the map's revision the person was looking at when they chose to
    restore (MapInfo.version); a change stored after it refuses the restore. None restores
    over whatever is stored (callers that showed nothing).
    """
    journey = editable_map(session, map_id, actor, Action.EDIT_JOURNEYS)
    if base_revision is not None:
        _nothing_since(session, map_id, base_revision)
    snap = _get_snapshot(session, map_id, snapshot_id)
    before = content(session, journey).elements
    apply_content(session, journey, stored_elements(snap.content))
    session.flush()
    session.expire(journey)
    after = content(session, journey).elements
    record(
        session,
        journey,
        actor,
        "restore",
        "map",
        None,
        {"elements": before},
        {"elements": after, "label": snap.label, "snapshot_id": snap.id},
    )


def _nothing_since(session: Session, map_id: int, revision: int) -> None:
    newer = session.scalars(
        select(MapChange)
        .where(MapChange.map_id == map_id, MapChange.revision > revision)
        .order_by(MapChange.id)
    ).all()
    if newer:
        listed = "; ".join(f"{c.who} {describe(c)}" for c in newer[:3])
        more = f" (and {len(newer) - 3} more)" if len(newer) > 3 else ""
        raise JourneyError(
            f"Nothing was restored: the map changed since you looked at it ({listed}{more}). "
            "Look at it again and restore if you still want to."
        )
