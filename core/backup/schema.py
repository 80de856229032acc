"""Which tables make up a workspace, read from the ORM metadata rather than listed by hand.

A table belongs to a workspace when it owns a row of a table that does: it has a foreign key
to `workspace`, or to a table already found, that is NOT NULL or deletes with its parent
(ON DELETE CASCADE). Tables only pointing at a workspace's rows through a nullable, SET NULL
key are not owned by it and are left out. `Base.metadata.sorted_tables` lists parents before
children, so one pass finds them all, in an order rows can be inserted in. A table added by a
new migration and model is carried by the next backup without any change here, unless it is
named in NOT_KEPT.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

from sqlalchemy import Column, Connection, Engine, ForeignKey, MetaData, Table
from sqlalchemy.exc import SAWarning

from core.db.models import Base

ROOT = "workspace"
NOT_KEPT = frozenset({"map_presence"})
"""Workspace tables a backup leaves out: who had a map open a minute ago is not the
workspace's content, and its rows name people by their sign-in keys."""


@dataclass(frozen=True)
class WorkspaceTable:
    """One table of a workspace: how its rows are found and which of its columns hold ids."""

    table: Table
    primary_key: str
    # The column naming the parent row that owns each row; None for the workspace itself.
    owner: str | None
    owner_table: str | None
    # Every foreign-key column pointing into the workspace's tables -> the table it points at.
    references: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.table.name


def _owning(fk: ForeignKey) -> bool:
    column = fk.parent
    return not column.nullable or (fk.ondelete or "").upper() == "CASCADE"


def _single_key(table: Table) -> str:
    keys: list[Column[object]] = list(table.primary_key.columns)
    if len(keys) != 1:
        raise RuntimeError(f"table {table.name} needs a single-column primary key to be backed up")
    return keys[0].name


def workspace_tables(metadata: MetaData = Base.metadata) -> list[WorkspaceTable]:
    """The workspace's tables, parents before children (the order to insert them in)."""
    found: dict[str, WorkspaceTable] = {}
    for table in metadata.sorted_tables:
        if table.name in NOT_KEPT:
            continue
        if table.name == ROOT:
            found[ROOT] = WorkspaceTable(table, _single_key(table), None, None)
            continue
        inside = [fk for fk in table.foreign_keys if fk.column.table.name in found]
        owners = sorted(
            (fk for fk in inside if _owning(fk)),
            key=lambda fk: (fk.column.table.name != ROOT, list(table.columns).index(fk.parent)),
        )
        if not owners:
            continue
        refs = {fk.parent.name: fk.column.table.name for fk in inside}
        for fk in inside:
            if fk.column.name != found[fk.column.table.name].primary_key:
                raise RuntimeError(f"{table.name}.{fk.parent.name} must point at an id column")
        owner = owners[0]
        found[table.name] = WorkspaceTable(
            table, _single_key(table), owner.parent.name, owner.column.table.name, refs
        )
    return list(found.values())


def reflect(metadata: MetaData, bind: Connection | Engine) -> None:
    """Read the tables as an older revision made them. Expression indexes (respondent names
    ignoring case) cannot be reflected and need not be: only columns and keys are used."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
        metadata.reflect(bind)
