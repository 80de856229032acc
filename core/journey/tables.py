"""Rows for the bulk editors: stages shown by name, and the edited rows turned back into the
form the core takes (a typed stage name must be one of the map's stages): edited_table gives
the difference from the loaded table that save_table stores."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from core.journey.bulk import TableEdit, table_edit
from core.journey.errors import JourneyError
from core.journey.kinds import spec
from core.journey.shapes import CleanValue, RawValues, field_values
from core.journey.store import MapContent


def editor_columns(kind: str) -> list[str]:
    names = ["stage" if n == "stage_id" else n for n in spec(kind).field_names]
    return ["id", "version", *names]


def editor_rows(content: MapContent, kind: str) -> list[dict[str, CleanValue]]:
    """One row per element: hidden id and version, then the fields, the stage by its name, a
    date as a date."""
    s = spec(kind)
    rows = []
    for e in content.of(kind):
        values = field_values(e)
        row: dict[str, CleanValue] = {"id": e["id"], "version": e["version"]}
        for name in s.field_names:
            if name == "stage_id":
                row["stage"] = content.stage_name(values["stage_id"]) or None
            elif s.field(name).type == "date":
                text = values[name]
                row[name] = date.fromisoformat(text) if isinstance(text, str) and text else None
            else:
                row[name] = values[name]
        rows.append(row)
    return rows


def from_editor(
    content: MapContent, kind: str, records: Sequence[RawValues]
) -> list[dict[str, object]]:
    """Edited rows (blank cells as None) back to save_kind's form, stage names to ids."""
    by_name = {s["name"].lower(): s["id"] for s in content.stages}
    rows = []
    for number, record in enumerate(records, start=1):
        row = dict(record)
        if "stage" in row:
            name = row.pop("stage")
            if name is None or not str(name).strip():
                row["stage_id"] = None
            elif str(name).strip().lower() in by_name:
                row["stage_id"] = by_name[str(name).strip().lower()]
            else:
                raise JourneyError(
                    f"{spec(kind).plural}, row {number}: stage “{name}” is not one of the "
                    "map's stages."
                )
        for key, value in row.items():
            if isinstance(value, datetime):
                row[key] = value.date()
        rows.append(row)
    return rows


def edited_table(loaded: MapContent, kind: str, records: Sequence[RawValues]) -> TableEdit:
    """What one person changed in a bulk table, for save_table: the edited rows (blank cells
    as None) against the table as they loaded it, stage names read as that table showed them
    (a stage renamed since does not turn every row into a change)."""
    return table_edit(kind, loaded.of(kind), from_editor(loaded, kind, records))
