"""Ids kept where no foreign key can see them, and how restore renumbers them.

Foreign keys are found in the metadata (core.backup.schema). A few columns hold ids without
one: the stage a workshop presents, the element a map change touched, the elements inside a
change's before/after and a snapshot's content (undo and restore put elements back under those
ids), a converted sticky note's "kind:id" and the "kind:id" an opportunity came from. Each is
listed here with the function that renumbers it. An id with no row in the backup (an element
deleted long ago that undo or a snapshot could bring back) gets a fresh id of its table, so
bringing it back can never take an id another row of the target database holds.

Every JSON column, and every whole-number column named *_id that is not a foreign key, must be
either listed here or named in ID_FREE (tests/db/test_backup.py checks this), so a column added
later cannot carry stale ids through a restore unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core.journey.kinds import KINDS

# (table, old id) -> the id that row has (or is given) in the target database.
Lookup = Callable[[str, int], int]
Remap = Callable[[Mapping[str, Any], Any, Lookup], Any]

# Columns that hold no ids of ours (JSON of settings, counts and mappings; ids from the
# customer's data, which are text).
ID_FREE: frozenset[tuple[str, str]] = frozenset(
    {
        ("workspace", "settings"),
        ("segment", "event_lists"),
        ("dataset_version", "row_counts"),
        ("column_mapping", "mapping"),
        ("plan_version", "plan"),
    }
)


@dataclass(frozen=True)
class SoftReference:
    table: str
    column: str
    remap: Remap


def kind_table(kind: str) -> str | None:
    """The table of a journey element kind as map changes name it ("map" is the map)."""
    if kind == "map":
        return "journey_map"
    spec = KINDS.get(kind)
    return spec.model.__tablename__ if spec is not None else None


def _one(table: str | None, value: Any, look: Lookup) -> Any:
    if table is None or not isinstance(value, int) or isinstance(value, bool):
        return value
    return look(table, value)


def _many(table: str | None, values: Any, look: Lookup) -> Any:
    if not isinstance(values, list):
        return values
    return [_one(table, v, look) for v in values]


def _placement(placed: Any, look: Lookup) -> Any:
    """Child kind -> ids of the elements that hung from one stage."""
    if not isinstance(placed, dict):
        return placed
    return {kind: _many(kind_table(kind), ids, look) for kind, ids in placed.items()}


def _children(placed: Any, look: Lookup) -> Any:
    """A deleted stage's placement, or (bulk saves) stage id as text -> placement."""
    if not isinstance(placed, dict):
        return placed
    if all(kind_table(k) is not None for k in placed):
        return _placement(placed, look)
    return {
        (str(look("stage", int(k))) if k.isdigit() else k): _placement(v, look)
        for k, v in placed.items()
    }


def _element(kind: str, values: Any, look: Lookup) -> Any:
    """A map element or the map's settings as history and snapshots store them."""
    if not isinstance(values, dict):
        return values
    out = dict(values)
    if "id" in out:
        out["id"] = _one(kind_table(kind), out["id"], look)
    if "stage_id" in out:
        out["stage_id"] = _one("stage", out["stage_id"], look)
    if "segment_id" in out:
        out["segment_id"] = _one("segment", out["segment_id"], look)
    if "origin_stage_id" in out:
        out["origin_stage_id"] = _one("stage", out["origin_stage_id"], look)
    if "origin_note_id" in out:
        out["origin_note_id"] = _one("sticky_note", out["origin_note_id"], look)
    if "origin_element" in out:
        out["origin_element"] = _converted(out, out["origin_element"], look)
    return out


def _elements(lists: Any, look: Lookup) -> Any:
    if not isinstance(lists, dict):
        return lists
    return {
        kind: [_element(kind, e, look) for e in items] if isinstance(items, list) else items
        for kind, items in lists.items()
    }


def payload(kind: str, value: Any, look: Lookup) -> Any:
    """A change's before or after: an element, an order, table rows, or whole-map contents."""
    if not isinstance(value, dict):
        return value
    out = _element(kind, value, look)
    table = kind_table(kind)
    for key in ("order", "added", "deleted"):
        if key in out:
            out[key] = _many(table, out[key], look)
    if "rows" in out and isinstance(out["rows"], list):
        out["rows"] = [_element(kind, r, look) for r in out["rows"]]
    if "children" in out:
        out["children"] = _children(out["children"], look)
    if "elements" in out:
        out["elements"] = _elements(out["elements"], look)
    if "snapshot_id" in out:
        out["snapshot_id"] = _one("map_snapshot", out["snapshot_id"], look)
    return out


def _converted(_row: Mapping[str, Any], value: Any, look: Lookup) -> Any:
    """A "kind:id" reference: a converted note's element, an opportunity's origin element
    (empty when there is none)."""
    if not isinstance(value, str) or ":" not in value:
        return value
    kind, _, ident = value.partition(":")
    table = kind_table(kind)
    if table is None or not ident.isdigit():
        return value
    return f"{kind}:{look(table, int(ident))}"


def _change_payload(row: Mapping[str, Any], value: Any, look: Lookup) -> Any:
    return payload(str(row.get("element_kind", "")), value, look)


SOFT_REFERENCES: tuple[SoftReference, ...] = (
    SoftReference("journey_map", "presenting_stage_id", lambda _r, v, k: _one("stage", v, k)),
    SoftReference(
        "map_change",
        "element_id",
        lambda row, v, k: _one(kind_table(str(row.get("element_kind", ""))), v, k),
    ),
    SoftReference("map_change", "before", _change_payload),
    SoftReference("map_change", "after", _change_payload),
    SoftReference("map_snapshot", "content", lambda _r, v, k: payload("map", v, k)),
    SoftReference("sticky_note", "converted_to", _converted),
    SoftReference("opportunity", "origin_element", _converted),
)


def soft_references(table: str) -> list[SoftReference]:
    return [ref for ref in SOFT_REFERENCES if ref.table == table]
