"""Add, edit, delete and reorder map elements: one function per thing a person does.

Every change is checked completely before anything is written, recorded in MapChange with who,
when and the values before and after (that record is also the undo stack), and guarded by the
element's `version`: an edit names the version it started from, and a stale one is refused
with both values instead of silently overwriting a colleague in the room.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.db.models import JourneyMap, MapElement, StageChild
from core.journey.errors import ConflictError, JourneyError
from core.journey.kinds import KINDS, ElementRow, clean_value, defaults, spec
from core.journey.shapes import (
    CleanValue,
    CleanValues,
    Element,
    FieldValue,
    Placement,
    RawValues,
    field_values,
)
from core.journey.store import (
    Actor,
    child_rows,
    children_of_stage,
    collection,
    editable_map,
    find_row,
    new_row,
    next_position,
    plain,
    positioned_rows,
    record,
    row_dict,
    row_values,
    rows,
    updated_rows,
)

Checked: TypeAlias = tuple[int | None, int | None, CleanValues]
"""One bulk-editor row after checking: its id and version (None for a new row), its values."""


def _where(kind: str, values: RawValues, fallback: str = "") -> str:
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


def _check_days(values: Mapping[str, CleanValue], where: str) -> None:
    start, end = values.get("day_start"), values.get("day_end")
    if isinstance(start, int) and isinstance(end, int) and end < start:  # days are whole numbers
        raise JourneyError(f"{where}: the day range ends (day {end}) before it starts ({start}).")


def _check_unique(
    journey: JourneyMap,
    kind: str,
    values: Mapping[str, CleanValue],
    element_id: int | None,
    where: str,
) -> None:
    """Stage and milestone names are unique in a map; other names within their stage."""
    field = spec(kind).label_field
    name = str(values.get(field, "")).lower()
    for other in collection(journey, kind):
        if other.id == element_id or str(getattr(other, field)).lower() != name:
            continue
        same_place = kind in ("stage", "milestone", "opportunity") or (
            isinstance(other, StageChild) and other.stage_id == values.get("stage_id")
        )
        if same_place:
            place = (
                "in this map"
                if kind in ("stage", "milestone", "opportunity")
                else ("in that stage")
            )
            raise JourneyError(
                f"{where}: a {spec(kind).label.lower()} with that name already exists {place}."
            )


def _check_stage(journey: JourneyMap, values: Mapping[str, CleanValue], where: str) -> None:
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
        _check_days(values, where)
    if spec(kind).has_stage:
        _check_stage(journey, values, where)
    _check_unique(journey, kind, values, element_id, where)


def _fields_of(kind: str, row: ElementRow) -> dict[str, FieldValue]:
    return {k: v for k, v in row_values(kind, row).items() if k in spec(kind).field_names}


def add_element(
    session: Session, map_id: int, kind: str, values: RawValues, actor: Actor
) -> Element:
    """Create one element at the end of its kind's order; returns it as a dict."""
    journey = editable_map(session, map_id, actor)
    where = _where(kind, values)
    merged: CleanValues = {**defaults(kind), **clean(kind, values, where)}
    check_whole(journey, kind, merged, None, where)
    ident = {"position": next_position(journey, kind)} if spec(kind).has_position else {}
    row = new_row(journey, kind, merged, **ident)
    session.flush()
    after = row_dict(kind, row)
    record(session, journey, actor, "add", kind, row.id, None, after)
    return after


def _conflict(
    kind: str, row: ElementRow, mine: Mapping[str, CleanValue], expected: int
) -> ConflictError:
    theirs = _fields_of(kind, row)
    what = f"{spec(kind).label} “{getattr(row, spec(kind).label_field)}”"
    return ConflictError(what, mine, {k: theirs.get(k) for k in mine}, (expected, row.version))


def compare_and_set(
    session: Session, kind: str, row: ElementRow, values: Mapping[str, CleanValue], expected: int
) -> None:
    """One atomic UPDATE ... WHERE version = expected: a concurrent writer cannot slip between."""
    model = KINDS[kind].model
    changed = updated_rows(
        session,
        update(model)
        .where(model.id == row.id, model.version == expected)
        .values(**values, version=expected + 1)
        .execution_options(synchronize_session=False),
    )
    if changed != 1:
        session.refresh(row)
        raise _conflict(kind, row, values, expected)
    session.refresh(row)


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
    where = _where(kind, values, getattr(row, spec(kind).label_field))
    changes = clean(kind, values, where)
    if row.version != expected_version:
        raise _conflict(kind, row, changes, expected_version)
    before = row_dict(kind, row)
    merged: CleanValues = {**_fields_of(kind, row), **changes}
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
    """Remove one element; a deleted stage leaves its elements unplaced, never deleted."""
    journey = editable_map(session, map_id, actor)
    row = find_row(journey, kind, element_id)
    if expected_version is not None and row.version != expected_version:
        label = getattr(row, spec(kind).label_field)
        raise JourneyError(
            f"{spec(kind).label} “{label}” was changed by someone else since you opened it; "
            "nothing was deleted. Look at the new values and delete again if you still want to."
        )
    before: dict[str, object] = dict(row_values(kind, row))
    if kind == "stage":
        before["children"] = unplace_children(journey, element_id)
    collection(journey, kind).remove(row)
    session.flush()
    record(session, journey, actor, "delete", kind, element_id, before, None)


def _order(journey: JourneyMap, kind: str) -> list[int]:
    return [r.id for r in rows(journey, kind)]


def reorder(
    session: Session, map_id: int, kind: str, ordered_ids: Sequence[int], actor: Actor
) -> None:
    """Put a kind's elements in the given order (all of them, each once)."""
    if not spec(kind).has_position:
        raise JourneyError(f"{spec(kind).plural} have no order to change.")
    journey = editable_map(session, map_id, actor)
    before = _order(journey, kind)
    if sorted(before) != sorted(ordered_ids):
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


def unplace_children(journey: JourneyMap, stage_id: int) -> Placement:
    """Detach a stage's elements before it goes; returns their ids so undo can re-attach."""
    placed = children_of_stage(journey, stage_id)
    for child_kind, ids in placed.items():
        for child in child_rows(journey, child_kind):
            if child.id in ids:
                child.stage_id = None
                child.version += 1
    if journey.presenting_stage_id == stage_id:
        journey.presenting_stage_id = None
    return placed


# ------------------------------------------------------------------ bulk editing


def _bulk_rows(journey: JourneyMap, kind: str, given: Sequence[RawValues]) -> list[Checked]:
    """(id, version, complete values) per row, every row checked before anything is written."""
    s = spec(kind)
    existing = {r.id: r for r in collection(journey, kind)}
    checked: list[Checked] = []
    names: dict[tuple[str, CleanValue], int] = {}
    for number, raw in enumerate(given, start=1):
        where = f"{s.plural}, row {number}"
        element_id = _optional_int(raw.get("id"))
        values = clean(kind, {k: raw.get(k) for k in s.field_names if k in raw}, where)
        if element_id is not None:
            if element_id not in existing:
                raise JourneyError(f"{where}: this element was deleted by someone else meanwhile.")
            values = {**_fields_of(kind, existing[element_id]), **values}
        else:
            values = {**defaults(kind), **values}
        if kind == "stage":
            _check_days(values, where)
        if s.has_stage:
            _check_stage(journey, values, where)
        scope = values.get("stage_id") if kind in ("touchpoint", "signal", "risk") else None
        key = (str(values[s.label_field]).lower(), scope)
        if key in names:
            raise JourneyError(f"{where}: the name repeats row {names[key]}.")
        names[key] = number
        checked.append((element_id, _optional_int(raw.get("version")), values))
    return checked


def _optional_int(value: object) -> int | None:
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return None
    return int(value)  # type: ignore[call-overload]  # any typed-in object: int() decides


def save_kind(
    session: Session, map_id: int, kind: str, given: Sequence[RawValues], actor: Actor
) -> int:
    """Replace all elements of one kind by the edited table: rows with an id are updated,
    rows without one are added, missing rows are deleted; returns how many rows changed.

    The whole table is one change, so one undo takes it all back.
    """
    journey = editable_map(session, map_id, actor)
    checked = _bulk_rows(journey, kind, given)
    existing = {r.id: r for r in collection(journey, kind)}
    for element_id, version, values in checked:
        row = existing.get(element_id) if element_id is not None else None
        if row is not None and version is not None and row.version != version:
            mine = {k: v for k, v in values.items() if plain(v) != row_values(kind, row).get(k)}
            raise _conflict(kind, row, mine or values, version)
    before = [row_dict(kind, r) for r in rows(journey, kind)]
    changed = _apply_bulk(journey, kind, checked, existing)
    if not changed:
        return 0
    session.flush()
    after = [row_dict(kind, r) for r in rows(journey, kind)]
    record(
        session, journey, actor, "bulk", kind, None, {"rows": before, **changed[1]}, {"rows": after}
    )
    return changed[0]


def _apply_bulk(
    journey: JourneyMap,
    kind: str,
    checked: list[Checked],
    existing: dict[int, ElementRow],
) -> tuple[int, dict[str, object]] | None:
    """Write the checked rows; returns how many changed and what undo needs besides the rows
    ("children": what hung from each removed stage, "moved": the order alone changed)."""
    count = 0
    extra: dict[str, object] = {}
    kept = {element_id for element_id, _, _ in checked if element_id is not None}
    removed = [r for i, r in existing.items() if i not in kept]
    if kind == "stage" and removed:
        extra["children"] = {str(r.id): unplace_children(journey, r.id) for r in removed}
    for row in removed:
        collection(journey, kind).remove(row)
        count += 1
    for position, (element_id, _, values) in enumerate(checked):
        pos = {"position": position} if spec(kind).has_position else {}
        if element_id is None:
            new_row(journey, kind, values, **pos)
            count += 1
            continue
        row = existing[element_id]
        old = row_values(kind, row)
        updates = {k: v for k, v in values.items() if old.get(k) != plain(v)}
        if pos and isinstance(row, MapElement) and row.position != pos["position"]:
            row.position = pos["position"]  # order alone is not an edit: no version bump
            extra["moved"] = True
        if updates:
            for name, value in updates.items():
                setattr(row, name, value)
            row.version += 1
            count += 1
    return (count, extra) if count or extra else None
