"""Saved mappings: a preset and its field choices, kept per workspace under a name.

Next month's export from the same tool has the same fields, so the mapping chosen once loads
it with one click. Saving under an existing name replaces that mapping (the user is asked
first, on the page). Saving or deleting one is part of importing (IMPORT_DATA: owners);
members of the workspace may read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.access.guard import require
from core.access.roles import Action
from core.common.errors import UserError
from core.data.presets import PRESET_NAMES, UnknownPreset, get_preset
from core.db.models import ColumnMapping, Workspace
from core.model.contract import TABLES

MAX_NAME = 80
MAX_SOURCE = 300


class MappingError(UserError):
    """A mapping that cannot be saved or found as asked; the message says why."""


@dataclass(frozen=True)
class SavedMapping:
    """A plain copy of a stored mapping (never the ORM row)."""

    id: int
    name: str
    preset: str
    target_table: str
    fields: dict[str, str]
    join: dict[str, str] | None
    created_at: datetime


def _info(row: ColumnMapping) -> SavedMapping:
    data: dict[str, Any] = row.mapping or {}
    return SavedMapping(
        row.id,
        row.name,
        row.preset,
        row.target_table,
        dict(data.get("fields", {})),
        dict(data["join"]) if data.get("join") else None,
        row.created_at,
    )


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise MappingError("Give the mapping a name, e.g. “Segment monthly export”.")
    if len(cleaned) > MAX_NAME:
        raise MappingError(f"Keep the mapping name under {MAX_NAME} characters.")
    return cleaned


def _clean_fields(preset: str, table: str, fields: dict[str, str | None]) -> dict[str, str]:
    try:
        known = {f.name for f in get_preset(preset, table).fields}
    except UnknownPreset as exc:
        raise MappingError(f"{str(exc).capitalize()}.") from exc
    cleaned = {}
    for name, source in fields.items():
        if name not in known:
            raise MappingError(f"The {preset} preset has no field called “{name}”.")
        if source and source.strip():
            if len(source) > MAX_SOURCE:
                raise MappingError(f"The source for {name} is too long to be a field name.")
            cleaned[name] = source.strip()
    return cleaned


def _clean_join(join: dict[str, str] | None) -> dict[str, str] | None:
    if not join:
        return None
    if not join.get("key_column"):
        raise MappingError("Name the column that holds the export's account ids for the join.")
    return {k: str(v).strip() for k, v in join.items() if v and str(v).strip()}


def _find(session: Session, workspace_id: int, name: str) -> ColumnMapping | None:
    query = select(ColumnMapping).where(
        ColumnMapping.workspace_id == workspace_id,
        func.lower(ColumnMapping.name) == name.lower(),
    )
    return session.scalars(query).first()


def _get(session: Session, workspace_id: int, mapping_id: int) -> ColumnMapping:
    row = session.get(ColumnMapping, mapping_id)
    if row is None or row.workspace_id != workspace_id:
        raise MappingError("That saved mapping no longer exists; it may have been deleted.")
    return row


def list_mappings(session: Session, workspace_id: int) -> list[SavedMapping]:
    require(session, Action.READ, workspace_id)
    rows = session.scalars(
        select(ColumnMapping)
        .where(ColumnMapping.workspace_id == workspace_id)
        .order_by(func.lower(ColumnMapping.name))
    )
    return [_info(r) for r in rows]


def get_mapping(session: Session, workspace_id: int, mapping_id: int) -> SavedMapping:
    require(session, Action.READ, workspace_id)
    return _info(_get(session, workspace_id, mapping_id))


def mapping_named(session: Session, workspace_id: int, name: str) -> SavedMapping:
    """For the command line's --mapping NAME."""
    require(session, Action.READ, workspace_id)
    row = _find(session, workspace_id, " ".join(name.split()))
    if row is None:
        raise MappingError(f"This workspace has no saved mapping called “{name}”.")
    return _info(row)


def save_mapping(
    session: Session,
    workspace_id: int,
    name: str,
    preset: str,
    fields: dict[str, str | None],
    *,
    target_table: str | None = None,
    join: dict[str, str] | None = None,
) -> SavedMapping:
    """Save (or replace, by name) a mapping for this workspace."""
    require(session, Action.IMPORT_DATA, workspace_id)
    if session.get(Workspace, workspace_id) is None:
        raise MappingError("That workspace no longer exists; it may have been deleted.")
    name = _clean_name(name)
    if preset not in PRESET_NAMES:
        raise MappingError(f"Unknown preset “{preset}” (use one of {', '.join(PRESET_NAMES)}).")
    if preset == "csv" and target_table is None:
        raise MappingError("Choose the table a generic file feeds before saving its mapping.")
    table = target_table or get_preset(preset).tables[0]
    if table not in TABLES:
        raise MappingError(f"Unknown table “{table}” (use one of {', '.join(TABLES)}).")
    data: dict[str, Any] = {"fields": _clean_fields(preset, table, fields)}
    if (cleaned_join := _clean_join(join)) is not None:
        data["join"] = cleaned_join
    row = _find(session, workspace_id, name)
    if row is None:
        row = ColumnMapping(workspace_id=workspace_id, name=name)
        session.add(row)
    row.preset, row.target_table, row.mapping = preset, table, data
    session.flush()
    return _info(row)


def delete_mapping(session: Session, workspace_id: int, mapping_id: int) -> None:
    require(session, Action.IMPORT_DATA, workspace_id)
    session.delete(_get(session, workspace_id, mapping_id))
