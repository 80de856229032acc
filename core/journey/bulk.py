"""Bulk table saves as differences: what one person changed in the table they loaded.

A table save sends the rows this person changed (each with the version the table showed), the
rows they added and the ids of the rows they deleted (each with its version). Rows someone else
added since the table was loaded are left alone: a row is deleted only because this person
deleted it, never because it was not in their table.

The rule when someone else was quicker: if any row this person changed or deleted was changed
or deleted by someone else since the table was loaded, the WHOLE save is refused with a
TableConflictError that lists every such row with both values, and nothing is written (the page
says "nothing was saved", shows the rows, and offers to reload). A row this person deleted that
someone else deleted too is not a conflict: both wanted it gone. The save is one change in the
history, so one undo takes it back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.db.models import JourneyMap
from core.journey.elements import (
    check_days,
    check_stage,
    clean,
    name_key,
    optional_int,
    unplace_children,
    where_of,
)
from core.journey.errors import JourneyError, RowConflict, TableConflictError
from core.journey.kinds import ElementRow, defaults, spec
from core.journey.shapes import CleanValues, Element, Placement, RawValues
from core.journey.store import (
    Actor,
    collection,
    compare_and_set,
    drop_row,
    editable_map,
    fields_of,
    first_version,
    label_of,
    new_row,
    next_position,
    plain,
    record,
    row_dict,
)


@dataclass(frozen=True)
class ChangedRow:
    """A row this person changed: its id, the version their table showed, the changed fields."""

    id: int
    version: int
    values: RawValues


@dataclass(frozen=True)
class DeletedRow:
    """A row this person deleted, with the version their table showed."""

    id: int
    version: int


@dataclass(frozen=True)
class TableEdit:
    """One person's edit of one kind's table, relative to the table they loaded."""

    changed: tuple[ChangedRow, ...] = ()
    added: tuple[RawValues, ...] = ()
    deleted: tuple[DeletedRow, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.changed or self.added or self.deleted)


@dataclass(frozen=True)
class TableSaved:
    """What a table save stored: the changed and added elements as now stored, deleted ids."""

    changed: tuple[Element, ...] = ()
    added: tuple[Element, ...] = ()
    deleted: tuple[int, ...] = ()

    @property
    def count(self) -> int:
        return len(self.changed) + len(self.added) + len(self.deleted)


def table_edit(
    kind: str, loaded: Sequence[Mapping[str, object]], edited: Sequence[RawValues]
) -> TableEdit:
    """The difference between a table as loaded (element dicts: id, version and fields) and as
    edited (rows with an id are loaded rows, rows without one were added; a loaded row missing
    from the edited table was deleted). Typed-in values are checked here, row by row."""
    s = spec(kind)
    by_id = {_id(r["id"]): r for r in loaded}
    changed: list[ChangedRow] = []
    added: list[RawValues] = []
    kept: set[int] = set()
    for number, raw in enumerate(edited, start=1):
        where = f"{s.plural}, row {number}"
        element_id = optional_int(raw.get("id"))
        given = {k: raw.get(k) for k in s.field_names if k in raw}
        if element_id is None:
            added.append(given)
            continue
        base = by_id.get(element_id)
        if base is None or element_id in kept:
            raise JourneyError(f"{where}: this row is not in the table you loaded; reload it.")
        kept.add(element_id)
        mine = clean(kind, given, where)
        diff = {k: v for k, v in mine.items() if plain(v) != base.get(k)}
        if diff:
            changed.append(ChangedRow(element_id, _version(raw, base), diff))
    deleted = [DeletedRow(i, _id(r["version"])) for i, r in by_id.items() if i not in kept]
    return TableEdit(tuple(changed), tuple(added), tuple(deleted))


def _id(value: object) -> int:
    found = optional_int(value)
    if found is None:
        raise JourneyError("A loaded row has no id or version; reload the table.")
    return found


def _version(raw: RawValues, base: Mapping[str, object]) -> int:
    """The version the edited row carries (the table's hidden column), else the loaded one."""
    given = optional_int(raw.get("version"))
    return given if given is not None else _id(base["version"])


# ------------------------------------------------------------------ saving


@dataclass(frozen=True)
class _Checked:
    """A table edit after every check: rows as stored now, values as they will be written."""

    changes: list[tuple[ElementRow, CleanValues, int]]
    additions: list[CleanValues]
    deletions: list[tuple[ElementRow, int]]


def save_table(
    session: Session, map_id: int, kind: str, edit: TableEdit, actor: Actor
) -> TableSaved:
    """Store one person's table edit as one change (see the module's rule on conflicts)."""
    journey = editable_map(session, map_id, actor)
    existing = {r.id: r for r in collection(journey, kind)}
    conflicts = _conflicts(kind, existing, edit)
    if conflicts:
        raise TableConflictError(spec(kind).plural, conflicts)
    checked = _check(journey, kind, existing, edit)
    before: list[Element] = []
    children: dict[str, Placement] = {}
    # Added rows go in before any row is deleted: SQLite gives a new row the highest id plus
    # one, which must not be the id of a row this same save deletes.
    added = _add(session, journey, kind, checked.additions)
    changed = _change(session, kind, checked.changes, before)
    deleted = _delete(session, journey, kind, checked.deletions, before, children)
    saved = TableSaved(tuple(changed), tuple(added), tuple(deleted))
    if saved.count:
        after = {
            "rows": [*changed, *added],
            "added": [e["id"] for e in added],
            "deleted": list(deleted),
        }
        record(
            session,
            journey,
            actor,
            "bulk",
            kind,
            None,
            {"rows": before, "children": children},
            after,
        )
    return saved


def _conflicts(kind: str, existing: Mapping[int, ElementRow], edit: TableEdit) -> list[RowConflict]:
    found: list[RowConflict] = []
    for change in edit.changed:
        row = existing.get(change.id)
        label = f"{spec(kind).label} #{change.id}"
        mine = {k: plain(v) for k, v in clean(kind, change.values, label).items()}
        if row is None:
            found.append(RowConflict(kind, change.id, label, mine, None, change.version, None))
        elif row.version != change.version:
            stored = fields_of(kind, row)
            theirs = {k: stored.get(k) for k in mine}
            what = label_of(kind, row)
            found.append(RowConflict(kind, row.id, what, mine, theirs, change.version, row.version))
    for gone in edit.deleted:
        row = existing.get(gone.id)
        if row is not None and row.version != gone.version:
            what = label_of(kind, row)
            stored = fields_of(kind, row)
            found.append(RowConflict(kind, row.id, what, None, stored, gone.version, row.version))
    return found


def _check(
    journey: JourneyMap, kind: str, existing: Mapping[int, ElementRow], edit: TableEdit
) -> _Checked:
    """Every value and every rule across rows, on the table as it would be after the save."""
    changes = []
    for change in edit.changed:
        row = existing[change.id]
        where = where_of(kind, change.values, getattr(row, spec(kind).label_field))
        changed = clean(kind, change.values, where)
        _check_row(journey, kind, {**fields_of(kind, row), **changed}, where)
        changes.append((row, changed, change.version))
    additions = []
    for raw in edit.added:
        where = where_of(kind, raw)
        values: CleanValues = {**defaults(kind), **clean(kind, raw, where)}
        _check_row(journey, kind, values, where)
        additions.append(values)
    deletions = [(existing[d.id], d.version) for d in edit.deleted if d.id in existing]
    checked = _Checked(changes, additions, deletions)
    _check_names(kind, existing, checked)
    return checked


def _check_row(journey: JourneyMap, kind: str, values: CleanValues, where: str) -> None:
    if kind == "stage":
        check_days(values, where)
    if spec(kind).has_stage:
        check_stage(journey, values, where)


def _check_names(kind: str, existing: Mapping[int, ElementRow], checked: _Checked) -> None:
    """Names stay unique (per map, or per stage for touchpoints, signals and risks) in the
    table as it will be: stored rows, minus the deleted, with the changes and additions."""
    gone = {row.id for row, _ in checked.deletions}
    edited = {row.id: values for row, values, _ in checked.changes}
    final: list[tuple[int | None, CleanValues]] = [
        (i, {**fields_of(kind, row), **edited.get(i, {})})
        for i, row in existing.items()
        if i not in gone
    ]
    final += [(None, values) for values in checked.additions]
    taken: dict[tuple[str, object], int | None] = {}
    for element_id, values in final:
        key = name_key(kind, values)
        if key in taken and (element_id in edited or element_id is None or taken[key] in edited):
            where = where_of(kind, values)
            raise JourneyError(
                f"{where}: a {spec(kind).label.lower()} with that name already exists "
                + ("in that stage." if key[1] is not None else "in this map.")
            )
        taken.setdefault(key, element_id)


def _delete(
    session: Session,
    journey: JourneyMap,
    kind: str,
    deletions: list[tuple[ElementRow, int]],
    before: list[Element],
    children: dict[str, Placement],
) -> list[int]:
    deleted = []
    for row, version in deletions:
        before.append(row_dict(kind, row))
        if kind == "stage":
            children[str(row.id)] = unplace_children(session, journey, row.id)
        if not drop_row(session, journey, kind, row, version):  # cannot happen under the lock
            raise JourneyError(f"{label_of(kind, row)} changed while saving; nothing was saved.")
        deleted.append(row.id)
    return deleted


def _change(
    session: Session,
    kind: str,
    changes: list[tuple[ElementRow, CleanValues, int]],
    before: list[Element],
) -> list[Element]:
    stored = []
    for row, values, version in changes:
        if all(plain(v) == fields_of(kind, row).get(k) for k, v in values.items()):
            continue  # typed in again as it was: nothing to write
        before.append(row_dict(kind, row))
        compare_and_set(session, kind, row, values, version)
        stored.append(row_dict(kind, row))
    return stored


def _add(
    session: Session, journey: JourneyMap, kind: str, additions: list[CleanValues]
) -> list[Element]:
    added = []
    for values in additions:
        ident = {"position": next_position(journey, kind)} if spec(kind).has_position else {}
        row = new_row(journey, kind, values, version=first_version(journey), **ident)
        session.flush()
        added.append(row_dict(kind, row))
    return added


# ------------------------------------------------------------------ the whole-table form


def save_kind(
    session: Session,
    map_id: int,
    kind: str,
    given: Sequence[RawValues],
    actor: Actor,
    *,
    loaded: Sequence[Mapping[str, object]],
) -> int:
    """Save a whole edited table (rows with an id and version, new rows without an id) as the
    difference from `loaded`, the table as this person loaded it; returns how many rows changed.
    Problems are named by row number, as the person sees the table."""
    journey = editable_map(session, map_id, actor)
    _check_whole_table(journey, kind, given)
    return save_table(session, map_id, kind, table_edit(kind, loaded, given), actor).count


def _check_whole_table(journey: JourneyMap, kind: str, given: Sequence[RawValues]) -> None:
    """The row-numbered checks of a whole table: every row's values, repeated names, rows that
    were deleted meanwhile."""
    s = spec(kind)
    existing = {r.id: r for r in collection(journey, kind)}
    names: dict[tuple[str, object], int] = {}
    for number, raw in enumerate(given, start=1):
        where = f"{s.plural}, row {number}"
        element_id = optional_int(raw.get("id"))
        values = clean(kind, {k: raw.get(k) for k in s.field_names if k in raw}, where)
        if element_id is not None:
            if element_id not in existing:
                raise JourneyError(f"{where}: this element was deleted by someone else meanwhile.")
            values = {**fields_of(kind, existing[element_id]), **values}
        else:
            values = {**defaults(kind), **values}
        _check_row(journey, kind, values, where)
        key = name_key(kind, values)
        if key in names:
            raise JourneyError(f"{where}: the name repeats row {names[key]}.")
        names[key] = number
