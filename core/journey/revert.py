"""Putting elements back as a history record or a snapshot holds them: for undo and restore.

Callers hold the map's row lock (store.editable_map), so what they read is what they write on;
each write still goes through the versioned statements (store.compare_and_set, drop_row) and
moves the element to a new version, so a form opened before the undo or restore cannot save
over it unseen.

An element brought back under its old id starts at store.first_version, a version no form
opened on it before it was deleted can hold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from sqlalchemy import update
from sqlalchemy.orm import Session, object_session

from core.db.models import JourneyMap, MapElement, StickyNote
from core.journey.elements import unplace_children
from core.journey.kinds import CHILD_KINDS, CLEARED_BY_DATABASE, KINDS, ElementRow, spec
from core.journey.shapes import Element, ElementLists, FieldValue, Json, Placement, field_values
from core.journey.store import (
    child_rows,
    collection,
    compare_and_set,
    drop_row,
    fields_of,
    first_version,
    positioned_rows,
    set_fields,
)


def stored_elements(payload: Mapping[str, Json]) -> ElementLists:
    """The "elements" of a restore record or a snapshot: content().elements when taken.

    History payloads come back from JSON as store.record wrote them, and nothing but this
    package writes them: the cast names that shape.
    """
    return cast("ElementLists", payload.get("elements", {}))


def find(journey: JourneyMap, kind: str, element_id: int | None) -> ElementRow | None:
    return next((r for r in collection(journey, kind) if r.id == element_id), None)


def same_fields(kind: str, row: ElementRow | None, values: Element) -> bool:
    """Whether an element is stored with exactly these field values (id, version and place
    in the order aside)."""
    if row is None:
        return False
    given = field_values(values)
    stored = fields_of(kind, row)
    return all(
        stored.get(k) == given.get(k)
        for k in spec(kind).field_names
        if k in given and k not in CLEARED_BY_DATABASE  # the database clears those on its own
    )


def _pointing(
    journey: JourneyMap, kind: str, given: Mapping[str, FieldValue]
) -> dict[str, FieldValue]:
    """`given` with an opportunity's origin note and stage only where they still exist: the
    database cleared them when the note or stage was deleted, and a stored copy (history,
    snapshot) naming one that is gone would break the foreign key. The origin's words stay."""
    if kind != "opportunity":
        return dict(given)
    out = dict(given)
    note_id, stage_id = out.get("origin_note_id"), out.get("origin_stage_id")
    session = object_session(journey)
    if isinstance(note_id, int) and (session is None or session.get(StickyNote, note_id) is None):
        out["origin_note_id"] = None
    if isinstance(stage_id, int) and find(journey, "stage", stage_id) is None:
        out["origin_stage_id"] = None
    return out


def remove(session: Session, journey: JourneyMap, kind: str, element_id: int | None) -> None:
    row = find(journey, kind, element_id)
    if row is None:
        return
    if kind == "stage":
        unplace_children(session, journey, row.id)
    drop_row(session, journey, kind, row, row.version)


def put_back(session: Session, journey: JourneyMap, kind: str, values: Element) -> None:
    """An element's fields (and place in the order) as given; re-created if it is gone."""
    row = find(journey, kind, values["id"])
    if row is None:
        recreate(journey, kind, values)
        return
    given = _pointing(journey, kind, field_values(values))
    changed = {
        k: given[k]
        for k in spec(kind).field_names
        if k in given and fields_of(kind, row).get(k) != given[k]
    }
    if changed:
        compare_and_set(session, kind, row, changed, row.version)
    if isinstance(row, MapElement) and "position" in given:  # only placed kinds have one
        row.position = position(given)


def recreate(journey: JourneyMap, kind: str, values: Element) -> ElementRow:
    """Bring an element back under its old id, so history and links still point at it, at a
    version no earlier form of it can hold (see the module's note)."""
    s = spec(kind)
    given = _pointing(journey, kind, field_values(values))
    version = max(values.get("version", 1) + 1, first_version(journey))
    ident: dict[str, int] = {"id": values["id"], "version": version}
    if s.has_position:
        ident["position"] = position(given)
    row = s.model(**ident)
    set_fields(kind, row, {k: given[k] for k in s.field_names if k in given})
    collection(journey, kind).append(row)
    return row


def position(values: Mapping[str, FieldValue]) -> int:
    """A stored element's position (0 when it has none); positions are whole numbers."""
    found = values.get("position", 0)
    return found if isinstance(found, int) else 0


def reattach(session: Session, journey: JourneyMap, placed: Mapping[int, Placement]) -> None:
    """Hang elements back on the stages they were taken from (each to a new version)."""
    for stage_id, kinds in placed.items():
        for child_kind, ids in kinds.items():
            moved = [
                c.id
                for c in child_rows(journey, child_kind)
                if c.id in ids and c.stage_id != stage_id
            ]
            if moved:
                model = KINDS[child_kind].model
                session.execute(
                    update(model)
                    .where(model.id.in_(moved))
                    .values(stage_id=stage_id, version=model.version + 1)
                )


def set_order(journey: JourneyMap, kind: str, order: Sequence[int]) -> None:
    """Positions only: the order alone is not an edit of the elements (no new versions)."""
    by_id = {r.id: r for r in positioned_rows(journey, kind)}
    for place, element_id in enumerate(order):
        if element_id in by_id:
            by_id[element_id].position = place


def apply_kind(
    session: Session, journey: JourneyMap, kind: str, target: Sequence[Element], *, drop: bool
) -> None:
    """Make one kind's elements `target` (dicts with ids): update and re-create them, and with
    `drop` delete the elements target does not hold."""
    wanted = {values["id"] for values in target}
    if drop:
        for row in [r for r in collection(journey, kind) if r.id not in wanted]:
            remove(session, journey, kind, row.id)
    for values in target:
        put_back(session, journey, kind, values)
    session.flush()


def apply_content(session: Session, journey: JourneyMap, elements: ElementLists) -> None:
    """Make the whole map match saved content. Stages are put back first (children may hang
    from them) and the extra ones dropped last, once children are where the content puts them,
    so each element is written once."""
    stages = elements.get("stage", [])
    apply_kind(session, journey, "stage", stages, drop=False)
    for kind in (*CHILD_KINDS, "opportunity"):
        apply_kind(session, journey, kind, elements.get(kind, []), drop=True)
    wanted = {s["id"] for s in stages}
    for row in [r for r in collection(journey, "stage") if r.id not in wanted]:
        remove(session, journey, "stage", row.id)
    session.flush()


def content_matches(journey: JourneyMap, elements: ElementLists) -> bool:
    """Whether the map holds exactly these elements with these fields (versions aside)."""
    for kind in (*("stage",), *CHILD_KINDS, "opportunity"):
        target = elements.get(kind, [])
        if {r.id for r in collection(journey, kind)} != {e["id"] for e in target}:
            return False
        if not all(same_fields(kind, find(journey, kind, e["id"]), e) for e in target):
            return False
    return True
