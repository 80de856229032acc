"""Back up one workspace: every row of every table it owns, read in one consistent snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Select, func, select

from core.backup import archive, revisions
from core.backup.archive import BackupError, BackupWriter
from core.backup.schema import WorkspaceTable, reflect, workspace_tables
from core.db.engine import unavailable_as_user_error
from core.db.models import Workspace


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    workspace: str
    revision: str
    rows: dict[str, int]  # table -> rows written


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only connection that sees one state of the database across all its reads.

    PostgreSQL gives that with REPEATABLE READ; Python's sqlite3 starts no transaction for
    reads, so BEGIN is issued by hand (WAL readers then keep their snapshot)."""
    with unavailable_as_user_error(), engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        elif conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            conn.rollback()


def _id_queries(tables: list[WorkspaceTable], workspace_id: int) -> dict[str, Select[Any]]:
    """For each table, the query for the ids of its rows in this workspace."""
    found: dict[str, Select[Any]] = {}
    for t in tables:
        key = t.table.c[t.primary_key]
        if t.owner is None:
            found[t.name] = select(key).where(key == workspace_id)
        else:
            parent = found[str(t.owner_table)]
            found[t.name] = select(key).where(t.table.c[t.owner].in_(parent))
    return found


def _rows(conn: Connection, t: WorkspaceTable, ids: Select[Any]) -> Iterator[dict[str, Any]]:
    key = t.table.c[t.primary_key]
    query = select(t.table).where(key.in_(ids)).order_by(key)
    # Parquet slices can be tens of megabytes each: hold only a few at a time.
    binary = any(archive.column_kind(c) == "binary" for c in t.table.columns)
    result = conn.execution_options(yield_per=2 if binary else 500).execute(query)
    for row in result.mappings():
        yield dict(row)


def _workspace_id(conn: Connection, name: str) -> int:
    wanted = " ".join(name.split())
    found = conn.scalars(
        select(Workspace.id).where(func.lower(Workspace.name) == wanted.lower())
    ).first()
    if found is None:
        names = conn.scalars(select(Workspace.name).order_by(Workspace.name)).all()
        listed = ", ".join(f"“{n}”" for n in names) or "none yet"
        raise BackupError(f"There is no workspace called “{wanted}” here (workspaces: {listed}).")
    return int(found)


def backup_workspace(engine: Engine, name: str, out: Path) -> BackupSummary:
    """Write workspace `name` to `out` (replaced only once the new file is complete).

    A database at an older schema revision is read as it is (its tables reflected), and the
    file records that revision; restore upgrades it."""
    with snapshot(engine) as conn:
        revision = _revision(engine, conn)
        tables = workspace_tables() if revision == revisions.head(engine) else _reflected(conn)
        workspace_id = _workspace_id(conn, name)
        stored_name = conn.scalars(select(Workspace.name).where(Workspace.id == workspace_id))
        header = {
            "format": archive.FORMAT,
            "format_version": archive.FORMAT_VERSION,
            "workspace": stored_name.one(),
            "alembic_revision": revision,
            "created_at": datetime.now(UTC).isoformat(),
            "source_database": conn.dialect.name,
        }
        return _write(conn, tables, workspace_id, out, header)


def _revision(engine: Engine, conn: Connection) -> str:
    revision = revisions.current(conn)
    if revision is None:
        raise BackupError("This database holds no Waypoint workspaces yet (it has no schema).")
    if revision not in revisions.history(engine):
        raise BackupError(
            f"This database was made by a newer Waypoint (schema revision {revision}); back it "
            "up with that version."
        )
    return revision


def _reflected(conn: Connection) -> list[WorkspaceTable]:
    """The workspace's tables as an older revision made them."""
    metadata = MetaData()
    reflect(metadata, conn)
    metadata.remove(metadata.tables["alembic_version"])
    return workspace_tables(metadata)


def _write(
    conn: Connection,
    tables: list[WorkspaceTable],
    workspace_id: int,
    out: Path,
    header: dict[str, Any],
) -> BackupSummary:
    if not out.parent.is_dir():
        raise BackupError(f"There is no folder {out.parent} to write the backup in.")
    if out.is_dir():
        raise BackupError(f"{out} is a folder; name the backup file to write, e.g. {out}/ws.zip.")
    queries = _id_queries(tables, workspace_id)
    writer = BackupWriter(out, header)
    counts: dict[str, int] = {}
    try:
        for t in tables:
            kinds = {c.name: archive.column_kind(c) for c in t.table.columns}
            rows = _rows(conn, t, queries[t.name])
            counts[t.name] = writer.add_table(t.name, t.primary_key, kinds, t.references, rows)
        writer.finish()
    except BaseException:
        writer.abandon()
        raise
    return BackupSummary(out, str(header["workspace"]), str(header["alembic_revision"]), counts)
