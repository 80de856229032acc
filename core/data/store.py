"""Keeping a workspace's imported data in the database, as slices of Parquet.

Parquet in the database (rather than files beside the app) means the data lives wherever
the workspace lives, SQLite or PostgreSQL, and survives a restart or a redeploy. A new import
is written in full and switched on in the same transaction that switches the old one off,
so a failed or half-finished import can never leave a workspace with mixed data.

Several imports may finish at once: the switch locks the workspace row first, so switches run
one after another and the last to finish is the one active, and a partial unique index keeps
the database itself from ever holding two active versions of one workspace.

Who acts is checked first (core.access.guard): storing or switching data needs IMPORT_DATA
(owners), reading it READ (members of the workspace).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import polars as pl
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.access.guard import require
from core.access.roles import Action
from core.common.errors import UserError
from core.common.progress import ProgressFn
from core.data.rollup_store import write_rollups
from core.data.rollups import compute_rollups, event_span, slice_blob
from core.db.models import DatasetVersion, TableChunk, Workspace
from core.model.contract import TABLES, empty, schema
from core.model.dataset import CountedTables, Dataset

CHUNK_ROWS = 1_000_000
KEEP_VERSIONS = 3
MAX_IMPORTER = 200


@dataclass(frozen=True)
class DatasetInfo:
    """What is loaded in a workspace, without the data itself."""

    id: int
    source: str
    created_at: datetime
    row_counts: dict[str, int]
    first_event_at: datetime | None
    last_event_at: datetime | None
    imported_by: str = ""
    """The name of who imported it (the signed-in person; "Waypoint" for the demo/scripts)."""


def _info(version: DatasetVersion) -> DatasetInfo:
    return DatasetInfo(
        version.id,
        version.source,
        version.created_at,
        {k: int(v) for k, v in version.row_counts.items()},
        version.first_event_at,
        version.last_event_at,
        version.imported_by or "",
    )


def save_dataset(
    session: Session,
    workspace_id: int,
    dataset: CountedTables,
    source: str,
    on_progress: ProgressFn | None = None,
) -> DatasetInfo:
    """Store validated tables and make them the workspace's active data, with their rollups
    (core.data.rollups) in the same transaction.

    The tables may be frames in memory (a Dataset) or the scans of files the fast check
    proved clean: those are read in streaming slices of CHUNK_ROWS, each written and let go,
    so an import holds one slice of a large table at a time, never the whole of it."""
    who = require(session, Action.IMPORT_DATA, workspace_id)
    report = on_progress or (lambda _f, _m: None)
    report(0.0, "Summing up the events")
    rollups = compute_rollups(dataset)
    first, last = event_span(rollups)
    version = DatasetVersion(
        workspace_id=workspace_id,
        source=source,
        imported_by=who.actor.strip()[:MAX_IMPORTER],
        row_counts={t: dataset.row_count(t) for t in TABLES},
        first_event_at=first,
        last_event_at=last,
    )
    session.add(version)
    session.flush()
    total = sum(max(1, dataset.row_count(t)) for t in TABLES)
    done = 0
    for table in TABLES:
        for seq, part in enumerate(_slices(dataset, table)):
            chunk = TableChunk(
                dataset_id=version.id,
                table_name=table,
                seq=seq,
                rows=len(part),
                parquet=slice_blob(part),
            )
            session.add(chunk)
            session.flush()
            session.expunge(chunk)  # the blob is written; do not hold every slice in memory
            done += max(1, len(part))
            report(min(done / total, 1.0), f"Saving {table}")
    report(1.0, "Saving the rollups")
    write_rollups(session, version.id, rollups)
    _lock_workspace(session, workspace_id)
    _activate(session, workspace_id, version)
    return _info(version)


def _slices(dataset: CountedTables, table: str) -> Iterator[pl.DataFrame]:
    """A table in slices of about CHUNK_ROWS rows, in its order; at least one (an empty
    table is stored as one empty slice, which keeps its schema). A frame in memory is cut
    without copying; a scan is read by the streaming engine one batch at a time."""
    if isinstance(dataset, Dataset):
        frame = getattr(dataset, table)
        for start in range(0, max(len(frame), 1), CHUNK_ROWS):
            yield frame.slice(start, CHUNK_ROWS)
        return
    empty_table = True
    for batch in dataset.lazy(table).collect_batches(chunk_size=CHUNK_ROWS):
        if len(batch):
            empty_table = False
            yield batch
    if empty_table:
        yield empty(table)


def _lock_workspace(session: Session, workspace_id: int) -> None:
    """Hold the workspace's row until the transaction ends: data switches queue behind it.

    A write that changes nothing locks the row on PostgreSQL (without blocking inserts that
    only check the workspace exists) and holds SQLite's write lock, however the transaction
    began."""
    locked = session.execute(
        update(Workspace)
        .where(Workspace.id == workspace_id)
        .values(name=Workspace.name)
        .returning(Workspace.id)
        .execution_options(synchronize_session=False)
    ).first()
    if locked is None:
        raise StoreError("That workspace no longer exists; it may have been deleted.")


def _activate(session: Session, workspace_id: int, version: DatasetVersion) -> None:
    """Make `version` the only active one (the caller holds the workspace lock), then drop the
    versions beyond the last KEEP_VERSIONS. Off first, then on: the unique index of active
    versions is checked at each statement."""
    session.execute(
        update(DatasetVersion)
        .where(DatasetVersion.workspace_id == workspace_id, DatasetVersion.id != version.id)
        .values(is_active=False)
    )
    version.is_active = True
    session.flush()
    old = session.scalars(
        select(DatasetVersion)
        .where(DatasetVersion.workspace_id == workspace_id, DatasetVersion.id != version.id)
        .order_by(DatasetVersion.id.desc())
        .offset(KEEP_VERSIONS - 1)
    ).all()
    for stale in old:
        session.delete(stale)


def active_info(session: Session, workspace_id: int) -> DatasetInfo | None:
    """The workspace's active import; the unique index allows one, and the order makes the
    answer the newest even on a database that has not been migrated yet."""
    require(session, Action.READ, workspace_id)
    version = session.scalars(
        select(DatasetVersion)
        .where(DatasetVersion.workspace_id == workspace_id, DatasetVersion.is_active)
        .order_by(DatasetVersion.id.desc())
        .limit(1)
    ).first()
    return _info(version) if version else None


def history(session: Session, workspace_id: int) -> list[DatasetInfo]:
    require(session, Action.READ, workspace_id)
    versions = session.scalars(
        select(DatasetVersion)
        .where(DatasetVersion.workspace_id == workspace_id)
        .order_by(DatasetVersion.id.desc())
    )
    return [_info(v) for v in versions]


class StoreError(UserError):
    """A stored data version that cannot be used as asked."""


def activate_version(session: Session, workspace_id: int, dataset_id: int) -> None:
    """Go back to an earlier import (the last few are kept)."""
    require(session, Action.IMPORT_DATA, workspace_id)
    _lock_workspace(session, workspace_id)
    version = session.get(DatasetVersion, dataset_id, populate_existing=True)
    if version is None or version.workspace_id != workspace_id:
        raise StoreError("That import is no longer kept; choose another one from the history.")
    _activate(session, workspace_id, version)


def load_dataset(session: Session, dataset_id: int) -> Dataset:
    """Read a stored dataset back, one table at a time, in the normalised schemas (READ in
    the workspace the version belongs to)."""
    version = session.get(DatasetVersion, dataset_id)
    if version is None:
        raise StoreError("That import is no longer kept; reload the page.")
    require(session, Action.READ, version.workspace_id)
    frames = {}
    for table in TABLES:
        blobs = session.scalars(
            select(TableChunk.parquet)
            .where(TableChunk.dataset_id == dataset_id, TableChunk.table_name == table)
            .order_by(TableChunk.seq)
        )
        parts = [pl.read_parquet(io.BytesIO(blob)) for blob in blobs]
        frame = pl.concat(parts) if parts else empty(table)
        frames[table] = frame.cast(schema(table))
    return Dataset(**frames)
