"""History of a map: the audit trail, undo, and snapshots to browse and restore.

Undo always takes back the most recent change not yet undone (a stack), so the element is
exactly as that change left it and its `before` values can be put back as they were. Undo and
restore are recorded too: the trail says who took what back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.db.models import JourneyMap, MapChange, MapElement, MapSnapshot
from core.journey.elements import unplace_children
from core.journey.errors import JourneyError
from core.journey.kinds import CHILD_KINDS, ElementRow, spec
from core.journey.shapes import (
    Element,
    ElementLists,
    FieldValue,
    Json,
    Placement,
    field_values,
)
from core.journey.store import (
    Actor,
    child_rows,
    collection,
    content,
    editable_map,
    get_map,
    now,
    positioned_rows,
    record,
    row_values,
    set_fields,
    updated_rows,
)

UNDOABLE = ("add", "edit", "delete", "reorder", "bulk", "restore")
MAP_FIELDS = ("name", "variant", "state", "segment_id")


@dataclass(frozen=True)
class ChangeInfo:
    """One line of the history panel."""

    id: int
    at: datetime
    who: str
    action: str
    kind: str
    element_id: int | None
    summary: str
    undone: bool
    before: dict[str, Json] | None  # as stored; see _reverse for what each action keeps
    after: dict[str, Json] | None


@dataclass(frozen=True)
class SnapshotInfo:
    id: int
    at: datetime
    who: str
    label: str
    elements: int


def _label(change: MapChange) -> str:
    values: dict[str, Json] = change.after or change.before or {}
    if change.element_kind == "map":
        return "the map"
    field = spec(change.element_kind).label_field if change.element_kind != "map" else "name"
    name = values.get(field)
    noun = spec(change.element_kind).label.lower()
    if change.action in ("reorder", "bulk"):
        return spec(change.element_kind).plural.lower()
    return f"{noun} “{name}”" if name else noun


def _summary(change: MapChange) -> str:
    verbs = {
        "add": "added",
        "edit": "changed",
        "delete": "deleted",
        "reorder": "reordered",
        "bulk": "edited the table of",
        "restore": "restored",
        "undo": "undid a change to",
        "create": "created",
    }
    if change.action == "restore":
        return f"restored the version “{(change.after or {}).get('label', '')}”"
    text = f"{verbs.get(change.action, change.action)} {_label(change)}"
    if change.action == "edit" and change.before and change.after:
        fields = [
            k
            for k in change.after
            if k != "version" and change.before.get(k) != change.after.get(k)
        ]
        if fields:
            text += f" ({', '.join(fields)})"
    return text


def _info(change: MapChange) -> ChangeInfo:
    return ChangeInfo(
        change.id,
        change.at,
        change.who,
        change.action,
        change.element_kind,
        change.element_id,
        _summary(change),
        change.undone,
        change.before,
        change.after,
    )


def list_changes(session: Session, map_id: int, limit: int = 200) -> list[ChangeInfo]:
    """Newest first: who changed what, when."""
    get_map(session, map_id)
    query = (
        select(MapChange)
        .where(MapChange.map_id == map_id)
        .order_by(MapChange.id.desc())
        .limit(limit)
    )
    return [_info(c) for c in session.scalars(query)]


def _last_undoable(session: Session, map_id: int) -> MapChange | None:
    query = (
        select(MapChange)
        .where(
            MapChange.map_id == map_id,
            MapChange.undone.is_(False),
            MapChange.action.in_(UNDOABLE),
        )
        .order_by(MapChange.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def next_undo(session: Session, map_id: int) -> ChangeInfo | None:
    """What the undo button would take back, so it can say so before it is pressed."""
    change = _last_undoable(session, map_id)
    return _info(change) if change else None


def undo(session: Session, map_id: int, actor: Actor) -> ChangeInfo:
    """Take back the most recent change to the map; raises when there is nothing to undo."""
    journey = editable_map(session, map_id, actor)
    change = _last_undoable(session, map_id)
    if change is None:
        raise JourneyError("There is nothing to undo on this map.")
    claimed = updated_rows(
        session,
        update(MapChange)
        .where(MapChange.id == change.id, MapChange.undone.is_(False))
        .values(undone=True)
        .execution_options(synchronize_session=False),
    )
    if claimed != 1:  # two people pressed Undo at once: only one takes it back
        raise JourneyError("Someone else has just undone that change; look at the map again.")
    _reverse(session, journey, change)
    session.flush()
    session.refresh(change)
    record(
        session,
        journey,
        actor,
        "undo",
        change.element_kind,
        change.element_id,
        change.after,
        change.before,
    )
    return _info(change)


# A payload comes back from JSON as store.record wrote it: elements as row_values made them
# (so the element shapes hold), orders and placements as lists of ids. The casts below name
# those shapes; nothing but this package writes to the history.


def _stored_elements(payload: Mapping[str, Json]) -> ElementLists:
    """The "elements" of a restore record or a snapshot: content().elements when taken."""
    return cast("ElementLists", payload.get("elements", {}))


def _reverse(session: Session, journey: JourneyMap, change: MapChange) -> None:
    kind = change.element_kind
    before: dict[str, Json] = change.before or {}
    if kind == "map":
        if change.action == "restore":
            apply_content(session, journey, _stored_elements(before))
        else:
            _set_map_fields(journey, before)
        return
    if change.action == "add":
        _delete(journey, kind, change.element_id)
    elif change.action == "edit":
        _put_back(journey, kind, cast("Element", before))
    elif change.action == "delete":
        _recreate(journey, kind, cast("Element", before))
        session.flush()
        _reattach(journey, {change.element_id: cast("Placement", before.get("children", {}))})
    elif change.action == "reorder":
        _set_order(journey, kind, cast("list[int]", before["order"]))
    elif change.action == "bulk":
        apply_kind(session, journey, kind, cast("list[Element]", before["rows"]))
        if kind == "stage":
            session.flush()
            placed = cast("dict[str, Placement]", before.get("children", {}))
            _reattach(journey, {int(k): v for k, v in placed.items()})


def _set_map_fields(journey: JourneyMap, values: Mapping[str, Json]) -> None:
    for name in MAP_FIELDS:
        if name in values:
            setattr(journey, name, values[name])


def _delete(journey: JourneyMap, kind: str, element_id: int | None) -> None:
    row = next((r for r in collection(journey, kind) if r.id == element_id), None)
    if row is not None:
        if kind == "stage":
            unplace_children(journey, row.id)
        collection(journey, kind).remove(row)


def _put_back(journey: JourneyMap, kind: str, values: Element) -> None:
    row = next((r for r in collection(journey, kind) if r.id == values["id"]), None)
    if row is None:
        _recreate(journey, kind, values)
        return
    given = field_values(values)
    set_fields(kind, row, {k: given[k] for k in spec(kind).field_names if k in given})
    row.version += 1


def _recreate(journey: JourneyMap, kind: str, values: Element) -> ElementRow:
    """Bring an element back under its old id, so history and links still point at it."""
    s = spec(kind)
    given = field_values(values)
    ident: dict[str, int] = {"id": values["id"], "version": values.get("version", 1) + 1}
    if s.has_position:
        ident["position"] = _position(given)
    row = s.model(**ident)
    set_fields(kind, row, {k: given[k] for k in s.field_names if k in given})
    collection(journey, kind).append(row)
    return row


def _position(values: Mapping[str, FieldValue]) -> int:
    """A stored element's position (0 when it has none); positions are whole numbers."""
    position = values.get("position", 0)
    return position if isinstance(position, int) else 0


def _reattach(journey: JourneyMap, placed: Mapping[int | None, Placement]) -> None:
    for stage_id, kinds in placed.items():
        for child_kind, ids in kinds.items():
            for child in child_rows(journey, child_kind):
                if child.id in ids and child.stage_id != stage_id:
                    child.stage_id = stage_id
                    child.version += 1


def _set_order(journey: JourneyMap, kind: str, order: Sequence[int]) -> None:
    by_id = {r.id: r for r in positioned_rows(journey, kind)}
    for position, element_id in enumerate(order):
        if element_id in by_id:
            by_id[element_id].position = position


def apply_kind(session: Session, journey: JourneyMap, kind: str, target: Sequence[Element]) -> None:
    """Make one kind's elements exactly `target` (dicts with ids): update, re-create, delete."""
    existing = {r.id: r for r in collection(journey, kind)}
    wanted = {row["id"] for row in target}
    for element_id, old in existing.items():
        if element_id not in wanted:
            if kind == "stage":
                unplace_children(journey, element_id)
            collection(journey, kind).remove(old)
    for values in target:
        row = existing.get(values["id"])
        if row is None:
            _recreate(journey, kind, values)
            continue
        current = row_values(kind, row)
        diff = {
            k: v
            for k, v in field_values(values).items()
            if k not in ("id", "version") and current.get(k) != v
        }
        if diff:
            set_fields(kind, row, {k: v for k, v in diff.items() if k != "position"})
            if "position" in diff and isinstance(row, MapElement):  # only placed kinds have one
                row.position = _position(diff)
            row.version += 1
    session.flush()


def apply_content(session: Session, journey: JourneyMap, elements: ElementLists) -> None:
    """Make the whole map match saved content: stages first, then what hangs from them."""
    stage_rows = elements.get("stage", [])
    apply_kind(session, journey, "stage", stage_rows)
    for kind in (*CHILD_KINDS, "opportunity"):
        apply_kind(session, journey, kind, elements.get(kind, []))


# ------------------------------------------------------------------ snapshots


def take_snapshot(session: Session, map_id: int, label: str, actor: Actor) -> SnapshotInfo:
    """Freeze the whole map under a label, to come back to later."""
    journey = get_map(session, map_id)
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
    count = sum(len(v) for v in _stored_elements(snap.content).values())
    return SnapshotInfo(snap.id, snap.at, snap.who, snap.label, count)


def list_snapshots(session: Session, map_id: int) -> list[SnapshotInfo]:
    get_map(session, map_id)
    query = select(MapSnapshot).where(MapSnapshot.map_id == map_id).order_by(MapSnapshot.id.desc())
    return [_snapshot_info(s) for s in session.scalars(query)]


def snapshot_elements(session: Session, map_id: int, snapshot_id: int) -> ElementLists:
    """The elements as they were in a snapshot, to browse before restoring."""
    return _stored_elements(_get_snapshot(session, map_id, snapshot_id).content)


def _get_snapshot(session: Session, map_id: int, snapshot_id: int) -> MapSnapshot:
    snap = session.get(MapSnapshot, snapshot_id)
    if snap is None or snap.map_id != map_id:
        raise JourneyError("That saved version no longer exists.")
    return snap


def restore_snapshot(session: Session, map_id: int, snapshot_id: int, actor: Actor) -> None:
    """Bring the map back to a saved version; the current state is saved first, and one undo
    takes the restore back."""
    journey = editable_map(session, map_id, actor)
    snap = _get_snapshot(session, map_id, snapshot_id)
    before = content(session, journey).elements
    apply_content(session, journey, _stored_elements(snap.content))
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


def map_settings(journey: JourneyMap) -> dict[str, FieldValue]:
    return {"id": journey.id, **{k: getattr(journey, k) for k in MAP_FIELDS}}
