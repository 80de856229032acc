"""Add, edit, delete and reorder map elements: one function per thing a person does.

Every change is checked completely before anything is written, recorded in MapChange with who,
when and the values before and after (that record is also the undo stack), and guarded by the
element's `version`: an edit or a delete names the version it started from, and a stale one is
refused with both values instead of silently overwriting a colleague in the room. The check and
the write are one statement (store.compare_and_set, store.drop_row), under the map's row lock
(store.editable_map); bulk table saves live in bulk.py.

Who acts is checked there too: changing elements needs Action.EDIT_MAP_CONTENT on this map
(owners, editors, and a workshop participant on the map its link names, while the map is not
locked); viewers and read-only guests change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.db.models import JourneyMap
from core.journey.errors import ConflictError, JourneyError
from core.journey.kinds import KINDS, ElementRow, clean_value, defaults, spec
from core.journey.shapes import (
    CleanValue,
    CleanValues,
    Element,
    Placement,
    RawValues,
    field_values,
)
from core.journey.store import (
    Actor,
    children_of_stage,
    collection,
    compare_and_set,
    conflict,
    drop_row,
    editable_map,
    fields_of,
    find_row,
    first_version,
    label_of,
    new_row,
    next_position,
    plain,
    positioned_rows,
    record,
    row_dict,
    row_values,
    rows,
)


def where_of(kind: str, values: RawValues, fallback: str = "") -> str:
    label = spec(kind).label
    name = values.get(spec(kind).label_field) or fallback
    return f"{label} “{name}”" if name else f"The new {label.lower()}"


def clean(kind: str, values: RawValues, where: str) -> CleanValues:
    """Typed values for the fields given; unknown fields are refused, not ignored."""
    s = spec(kind)
    unknown = sorted(set(values) - set(s.field_names))
    if unknown:
        raise JourneyError(f"{where}: unknown field(s) {', '.join(unknown)}.")
    return {name: clean_value(s.field(name), value, where) for name, value in values.items()}


def check_days(values: Mapping[str, CleanValue], where: str) -> None:
    start, end = values.get("day_start"), values.get("day_end")
    if isinstance(start, int) and isinstance(end, int) and end < start:  # days are whole numbers
        raise JourneyError(f"{where}: the day range ends (day {end}) before it starts ({start}).")


PER_STAGE_NAMES = ("touchpoint", "signal", "risk")


def name_key(kind: str, values: Mapping[str, CleanValue]) -> tuple[str, object]:
    """What must be unique: stage, milestone and opportunity names in the map, the others'
    names within their stage."""
    name = str(values.get(spec(kind).label_field, "")).lower()
    return name, values.get("stage_id") if kind in PER_STAGE_NAMES else None


def _check_unique(
    journey: JourneyMap,
    kind: str,
    values: Mapping[str, CleanValue],
    element_id: int | None,
    where: str,
) -> None:
    key = name_key(kind, values)
    for other in collection(journey, kind):
        if other.id == element_id or name_key(kind, fields_of(kind, other)) != key:
            continue
        place = "in that stage" if kind in PER_STAGE_NAMES else "in this map"
        raise JourneyError(
            f"{where}: a {spec(kind).label.lower()} with that name already exists {place}."
        )


def check_stage(journey: JourneyMap, values: Mapping[str, CleanValue], where: str) -> None:
    stage_id = values.get("stage_id")
    if stage_id is not None and stage_id not in {s.id for s in journey.stages}:
        raise JourneyError(f"{where}: the chosen stage is not part of this map.")


def check_whole(
    journey: JourneyMap,
    kind: str,
    values: Mapping[str, CleanValue],
    element_id: int | None,
    where: str,
) -> None:
    """Rules across fields and elements, on the complete values the element would have."""
    if kind == "stage":
        check_days(values, where)
    if spec(kind).has_stage:
        check_stage(journey, values, where)
    _check_unique(journey, kind, values, element_id, where)


def add_element(
    session: Session, map_id: int, kind: str, values: RawValues, actor: Actor
) -> Element:
    """Create one element at the end of its kind's order; returns it as a dict."""
    journey = editable_map(session, map_id, actor)
    where = where_of(kind, values)
    merged: CleanValues = {**defaults(kind), **clean(kind, values, where)}
    check_whole(journey, kind, merged, None, where)
    ident = {"position": next_position(journey, kind)} if spec(kind).has_position else {}
    row = new_row(journey, kind, merged, version=first_version(journey), **ident)
    session.flush()
    after = row_dict(kind, row)
    record(session, journey, actor, "add", kind, row.id, None, after)
    return after


def edit_element(
    session: Session,
    map_id: int,
    kind: str,
    element_id: int,
    values: RawValues,
    expected_version: int,
    actor: Actor,
) -> Element:
    """Change some fields of one element, if nobody saved it since `expected_version`."""
    journey = editable_map(session, map_id, actor)
    row = find_row(journey, kind, element_id)
    where = where_of(kind, values, getattr(row, spec(kind).label_field))
    changes = clean(kind, values, where)
    if row.version != expected_version:
        raise conflict(kind, row, changes, expected_version)
    before = row_dict(kind, row)
    merged: CleanValues = {**fields_of(kind, row), **changes}
    check_whole(journey, kind, merged, element_id, where)
    if all(field_values(before).get(k) == plain(v) for k, v in changes.items()):
        return before
    compare_and_set(session, kind, row, changes, expected_version)
    after = row_dict(kind, row)
    record(session, journey, actor, "edit", kind, element_id, before, after)
    return after


def delete_element(
    session: Session,
    map_id: int,
    kind: str,
    element_id: int,
    actor: Actor,
    expected_version: int | None = None,
) -> None:
    """Remove one element; a deleted stage leaves its elements unplaced, never deleted.

    `expected_version` is the version the person saw; if someone changed the element since,
    nothing is deleted. None deletes whatever is stored (for callers that showed no version).
    """
    journey = editable_map(session, map_id, actor)
    row = find_row(journey, kind, element_id)
    base = row.version if expected_version is None else expected_version
    if row.version != base:
        raise changed_since(kind, row, base)
    before: dict[str, object] = dict(row_values(kind, row))
    if kind == "stage":
        before["children"] = unplace_children(session, journey, element_id)
    if not drop_row(session, journey, kind, row, base):
        raise changed_since(kind, row, base)
    record(session, journey, actor, "delete", kind, element_id, before, None)


def changed_since(kind: str, row: ElementRow, base: int) -> ConflictError:
    """A delete that met a newer version: their values, nothing of ours to weigh against."""
    return ConflictError(
        label_of(kind, row),
        {},
        fields_of(kind, row),
        (base, row.version),
        message=(
            f"{label_of(kind, row)} was changed by someone else since you opened it; nothing "
            "was deleted. Look at the new values and delete again if you still want to."
        ),
    )


def _order(journey: JourneyMap, kind: str) -> list[int]:
    return [r.id for r in rows(journey, kind)]


def reorder(
    session: Session,
    map_id: int,
    kind: str,
    ordered_ids: Sequence[int],
    actor: Actor,
    expected_order: Sequence[int] | None = None,
) -> None:
    """Put a kind's elements in the given order (all of them, each once).

    `expected_order` is the order the person saw; if someone reordered meanwhile, nothing
    moves. move_element passes none: it moves one step from whatever order is stored.
    """
    if not spec(kind).has_position:
        raise JourneyError(f"{spec(kind).plural} have no order to change.")
    journey = editable_map(session, map_id, actor)
    before = _order(journey, kind)
    stale = expected_order is not None and list(expected_order) != before
    if stale or sorted(before) != sorted(ordered_ids):
        raise JourneyError(
            f"The map changed while you were reordering {spec(kind).plural.lower()}; "
            "nothing was moved. Try again on the refreshed map."
        )
    if before == list(ordered_ids):
        return
    _apply_order(journey, kind, ordered_ids)
    record(
        session,
        journey,
        actor,
        "reorder",
        kind,
        None,
        {"order": before},
        {"order": list(ordered_ids)},
    )


def _apply_order(journey: JourneyMap, kind: str, ordered_ids: Sequence[int]) -> None:
    by_id = {r.id: r for r in positioned_rows(journey, kind)}
    for position, element_id in enumerate(ordered_ids):
        row = by_id.get(element_id)
        if row is not None and row.position != position:
            row.position = position


def move_element(
    session: Session, map_id: int, kind: str, element_id: int, offset: int, actor: Actor
) -> None:
    """Move one element earlier (negative offset) or later; at the ends it stays put."""
    journey = editable_map(session, map_id, actor)
    order = _order(journey, kind)
    if element_id not in order:
        find_row(journey, kind, element_id)
    index = order.index(element_id)
    target = max(0, min(len(order) - 1, index + offset))
    if target == index:
        return
    order.insert(target, order.pop(index))
    reorder(session, map_id, kind, order, actor)


def unplace_children(session: Session, journey: JourneyMap, stage_id: int) -> Placement:
    """Detach a stage's elements before it goes (each moves to a new version, in SQL);
    returns their ids so undo can re-attach them."""
    placed = children_of_stage(journey, stage_id)
    for child_kind, ids in placed.items():
        if ids:
            model = KINDS[child_kind].model
            session.execute(
                update(model)
                .where(model.id.in_(ids))
                .values(stage_id=None, version=model.version + 1)
            )
    if journey.presenting_stage_id == stage_id:
        journey.presenting_stage_id = None
    return placed


def optional_int(value: object) -> int | None:
    """A whole number from an editor cell or a stored value; None for an empty cell."""
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return None
    return int(value)  # type: ignore[call-overload]  # any typed-in object: int() decides
