"""Restore one workspace from a backup, in one transaction: all of it or nothing.

Rows are inserted parents first and get new ids from the target database; every foreign key
is renumbered through the ids given so far. Ids held without a foreign key (see
core.backup.references) are renumbered once all rows are in. A link token that another
workspace of the target database already uses (restoring a copy next to its original) is
replaced by a new one, so a link to the original never opens the copy.
"""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.util.exc import CommandError
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    String,
    UniqueConstraint,
    bindparam,
    func,
    insert,
    select,
    text,
)
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError

from core.backup import revisions
from core.backup.archive import BackupError, BackupReader, batches
from core.backup.references import soft_references
from core.backup.schema import ROOT, WorkspaceTable, workspace_tables
from core.backup.upgrade import upgraded_copy
from core.db.engine import migrate, unavailable_as_user_error
from core.db.models import Workspace
from core.workspace.workspaces import MAX_NAME

BATCH = 200


@dataclass(frozen=True)
class RestoreSummary:
    workspace: str
    workspace_id: int
    revision: str  # the backup's schema revision (upgraded to head if older)
    rows: dict[str, int]
    new_tokens: int  # link tokens replaced because the target already used them


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise BackupError("The restored workspace needs a name.")
    if len(cleaned) > MAX_NAME:
        raise BackupError(f"Keep the workspace name under {MAX_NAME} characters.")
    return cleaned


def _ensure_free(conn: Connection, name: str, *, renamed: bool) -> None:
    query = select(Workspace.name).where(func.lower(Workspace.name) == name.lower())
    taken = conn.scalars(query).first()
    if taken is None:
        return
    hint = "Choose another name" if renamed else "Restore it under another name"
    raise BackupError(
        f"A workspace called “{taken}” already exists in this database; nothing was restored. "
        f"{hint} with --as NEW_NAME, or delete or rename the existing one first."
    )


def prepare_target(engine: Engine) -> None:
    """Bring the target database to this Waypoint's schema, as the app does at start."""
    try:
        migrate(engine)
    except CommandError:
        raise BackupError(
            "This database was made by a newer Waypoint (its schema revision is not one this "
            "version knows); upgrade Waypoint before restoring into it."
        ) from None


def restore_workspace(engine: Engine, path: Path, new_name: str | None = None) -> RestoreSummary:
    """Restore the backup at `path` as a new workspace (named `new_name`, else as backed up)."""
    with BackupReader(path) as reader:
        reader.verify()
        prepare_target(engine)
        known = revisions.history(engine)
        if reader.revision not in known:
            raise BackupError(
                f"{path} was made by a newer Waypoint (schema revision {reader.revision}; this "
                f"one knows up to {known[-1]}); nothing was restored. Upgrade Waypoint first."
            )
        if reader.revision == known[-1]:
            return _restore(engine, reader, new_name, reader.revision)
        with tempfile.TemporaryDirectory(prefix="waypoint-restore-") as work:
            upgraded = upgraded_copy(reader, Path(work))
            with BackupReader(upgraded, shown=path) as current:
                return _restore(engine, current, new_name, reader.revision)


def _restore(
    engine: Engine, reader: BackupReader, new_name: str | None, revision: str
) -> RestoreSummary:
    tables = workspace_tables()
    _check_tables(reader, tables)
    name = _clean_name(new_name if new_name is not None else reader.workspace)
    try:
        with unavailable_as_user_error(), engine.begin() as conn:
            _ensure_free(conn, name, renamed=new_name is not None)
            restorer = _Restorer(conn, reader, name)
            for t in tables:
                restorer.insert_table(t)
            for t in tables:
                restorer.renumber_soft(t)
            root = next(iter(restorer.ids[ROOT].values()))
    except IntegrityError as exc:
        with engine.connect() as conn:  # another restore or the app took the name meanwhile
            _ensure_free(conn, name, renamed=new_name is not None)
        rule = str(exc.orig).strip().splitlines()[0]
        raise reader.corrupt(f"its rows break a rule of the database: {rule}") from None
    rows = {t.name: len(restorer.ids[t.name]) for t in tables}
    return RestoreSummary(name, root, revision, rows, restorer.new_tokens)


def _check_tables(reader: BackupReader, tables: list[WorkspaceTable]) -> None:
    """A file at this revision must hold exactly this revision's tables and columns."""
    expected = {t.name: {c.name for c in t.table.columns} for t in tables}
    held = {name: set(entry.columns) for name, entry in reader.tables.items()}
    if expected != held:
        raise reader.corrupt(
            f"its tables do not match schema revision {reader.revision}"
            f" ({', '.join(sorted(set(expected) ^ set(held))) or 'columns differ'})"
        )
    if reader.tables[ROOT].rows != 1:
        raise reader.corrupt("it does not hold exactly one workspace")


class _Restorer:
    """The inserts of one restore and the ids they were given (table -> old id -> new id)."""

    def __init__(self, conn: Connection, reader: BackupReader, name: str) -> None:
        self.conn = conn
        self.reader = reader
        self.name = name
        self.ids: dict[str, dict[int, int]] = {}
        self.fresh: dict[str, dict[int, int]] = {}  # ids of rows the backup does not hold
        self.next_free: dict[str, int] = {}
        self.keys = {t.name: t.table.c[t.primary_key] for t in workspace_tables()}
        self.new_tokens = 0

    def insert_table(self, t: WorkspaceTable) -> None:
        key = t.table.c[t.primary_key]
        given = self.ids.setdefault(t.name, {})
        statement = insert(t.table).returning(key, sort_by_parameter_order=True)
        for batch in batches(self.reader.rows(t.name)):
            old = [int(row.pop(t.primary_key)) for row in batch]
            for row in batch:
                self._renumber_keys(t, row)
            self._free_tokens(t, batch)
            new = self.conn.execute(statement, batch).scalars().all()
            given.update(zip(old, new, strict=True))

    def _renumber_keys(self, t: WorkspaceTable, row: dict[str, Any]) -> None:
        if t.name == ROOT:
            row["name"] = self.name
        for column, table in t.references.items():
            if row[column] is None:
                continue
            found = self.ids[table].get(int(row[column]))
            if found is None:
                raise self.reader.corrupt(
                    f"a row of {t.name} refers to a row of {table} it does not hold"
                )
            row[column] = found

    def _free_tokens(self, t: WorkspaceTable, batch: list[dict[str, Any]]) -> None:
        """Give a new value to any link token the target database already holds."""
        for column in _link_tokens(t):
            values = [row[column.name] for row in batch if row[column.name]]
            if not values:
                continue
            taken = set(self.conn.scalars(select(column).where(column.in_(values))))
            for row in batch:
                if row[column.name] in taken:
                    size = max(16, len(row[column.name]))
                    row[column.name] = secrets.token_urlsafe(size)[:size]
                    self.new_tokens += 1

    def look(self, table: str, old: int) -> int:
        """The id `old` of `table` has in the target; a fresh one if the backup lacks it."""
        found = self.ids.get(table, {}).get(old)
        if found is not None:
            return found
        fresh = self.fresh.setdefault(table, {})
        if old not in fresh:
            fresh[old] = self._allocate(table)
        return fresh[old]

    def _allocate(self, table: str) -> int:
        """An id no row of `table` holds or will be given: the sequence's next value on
        PostgreSQL; past the largest id elsewhere (where a deleted id may be reused anyway)."""
        key = self.keys[table]
        if self.conn.dialect.name == "postgresql":
            sequence = text("SELECT nextval(pg_get_serial_sequence(:t, :c))")
            return int(self.conn.execute(sequence, {"t": table, "c": key.name}).scalar_one())
        if table not in self.next_free:
            self.next_free[table] = int(self.conn.scalar(select(func.max(key))) or 0)
        self.next_free[table] += 1
        return self.next_free[table]

    def renumber_soft(self, t: WorkspaceTable) -> None:
        refs = soft_references(t.name)
        new_ids = sorted(self.ids[t.name].values())
        if not refs or not new_ids:
            return
        key = t.table.c[t.primary_key]
        for start in range(0, len(new_ids), BATCH):
            wanted = new_ids[start : start + BATCH]
            query = select(t.table).where(key.in_(wanted)).order_by(key)
            changed = []
            for found in self.conn.execute(query).mappings():
                row = dict(found)
                values = {ref.column: ref.remap(row, row[ref.column], self.look) for ref in refs}
                if any(values[c] != row[c] for c in values):
                    params = {f"v_{c}": v for c, v in values.items()}
                    changed.append({"k_id": row[t.primary_key], **params})
            if changed:
                self.conn.execute(self._soft_update(t), changed)

    def _soft_update(self, t: WorkspaceTable) -> Any:
        columns = {
            ref.column: bindparam(f"v_{ref.column}", type_=t.table.c[ref.column].type)
            for ref in soft_references(t.name)
        }
        key = t.table.c[t.primary_key]
        return sql_update(t.table).where(key == bindparam("k_id")).values(columns)


def _link_tokens(t: WorkspaceTable) -> list[Column[Any]]:
    """Text columns that open something by link: unique on their own across the database (a
    round's or a respondent's token), or named *token and not unique only together with other
    columns (a map's read-only token, unlike a voter's token, which is unique per note). The
    workspace's name is checked apart, with its own message."""
    together = {
        name
        for c in t.table.constraints
        if isinstance(c, UniqueConstraint) and len(c.columns) > 1
        for name in c.columns.keys()
    }
    found = []
    for column in t.table.columns:
        if not isinstance(column.type, String) or (t.name == ROOT and column.name == "name"):
            continue
        alone = column.unique or any(
            set(c.columns.keys()) == {column.name}
            for c in t.table.constraints
            if isinstance(c, UniqueConstraint)
        )
        if alone or (column.name.endswith("token") and column.name not in together):
            found.append(column)
    return found
