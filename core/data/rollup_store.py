"""The rollups of a data version (core.data.rollups) kept in the database with it.

They are written as more `table_chunk` rows of the version (the rollup table names, free text
of the same column), in the same transaction as its tables, so they are pruned with it. A
version stored before rollups existed gets them built from its events on first use, and
stored. The format marker (`ROLLUP_MARK`) is written last: a version without it has no usable
rollups. A version whose rollups are of an earlier format (`rollups:1` had no counts) gets
them built again on first use, the old ones removed in the same transaction.
"""

from __future__ import annotations

import io

import polars as pl
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from core.access.guard import require
from core.access.roles import Action
from core.data.rollups import (
    EVENT_NAMES,
    FIRST_EVENTS,
    FIRST_SCHEMA,
    NAMES_SCHEMA,
    ROLLUP_MARK,
    ROLLUP_TABLES,
    STARTS_SCHEMA,
    EventRollups,
    compute_rollups,
    slice_blob,
    starts_of,
)
from core.db.models import DatasetVersion, TableChunk
from core.model.dataset import Dataset

CHUNK_ROWS = 1_000_000


def write_rollups(session: Session, dataset_id: int, rollups: dict[str, pl.DataFrame]) -> None:
    """Add the rollup chunks of a version (compute_rollups; the caller's transaction commits
    them, with the version's tables at import)."""
    for table, frame in rollups.items():
        for seq, start in enumerate(range(0, max(frame.height, 1), CHUNK_ROWS)):
            part = frame.slice(start, CHUNK_ROWS)
            chunk = TableChunk(
                dataset_id=dataset_id,
                table_name=table,
                seq=seq,
                rows=part.height,
                parquet=slice_blob(part),
            )
            session.add(chunk)
            session.flush()
            session.expunge(chunk)  # written; do not hold the blobs
    mark = TableChunk(dataset_id=dataset_id, table_name=ROLLUP_MARK, seq=0, rows=0, parquet=b"")
    session.add(mark)
    session.flush()


def has_rollups(session: Session, dataset_id: int) -> bool:
    found = session.scalars(
        select(TableChunk.id)
        .where(TableChunk.dataset_id == dataset_id, TableChunk.table_name == ROLLUP_MARK)
        .limit(1)
    ).first()
    return found is not None


def _read(session: Session, dataset_id: int, table: str, schema: pl.Schema) -> pl.DataFrame:
    blobs = session.scalars(
        select(TableChunk.parquet)
        .where(TableChunk.dataset_id == dataset_id, TableChunk.table_name == table)
        .order_by(TableChunk.seq)
    )
    parts = [pl.read_parquet(io.BytesIO(blob)) for blob in blobs]
    frame = pl.concat(parts) if parts else pl.DataFrame(schema=schema)
    return frame.cast(dict(schema))  # type: ignore[arg-type]


def _version(session: Session, dataset_id: int) -> DatasetVersion:
    from core.data.store import StoreError  # the store imports this module

    version = session.get(DatasetVersion, dataset_id)
    if version is None:
        raise StoreError("That import is no longer kept; reload the page.")
    return version


def ensure_rollups(session: Session, dataset_id: int, dataset: Dataset) -> None:
    """Build and store the rollups of a version stored before they existed, or before their
    current format (READ in its workspace: they are derived from data the reader may already
    see). The version's row is locked first, so two servers doing this at once store them
    once; rollups of an earlier format are removed in the same transaction."""
    version = _version(session, dataset_id)
    require(session, Action.READ, version.workspace_id)
    if has_rollups(session, dataset_id):
        return
    session.execute(
        update(DatasetVersion)
        .where(DatasetVersion.id == dataset_id)
        .values(source=DatasetVersion.source)
        .execution_options(synchronize_session=False)
    )
    if not has_rollups(session, dataset_id):
        session.execute(
            delete(TableChunk).where(
                TableChunk.dataset_id == dataset_id,
                or_(
                    TableChunk.table_name.in_(ROLLUP_TABLES),
                    TableChunk.table_name.like("rollups:%"),
                ),
            )
        )
        write_rollups(session, dataset_id, compute_rollups(dataset))


def load_rollups(session: Session, dataset_id: int, accounts: pl.DataFrame) -> EventRollups | None:
    """The stored rollups of a version, decoded (None when it has none yet: see
    ensure_rollups). `accounts` is the version's accounts table (for the start dates)."""
    version = _version(session, dataset_id)
    require(session, Action.READ, version.workspace_id)
    if not has_rollups(session, dataset_id):
        return None
    return EventRollups(
        first_events=_read(session, dataset_id, FIRST_EVENTS, FIRST_SCHEMA),
        event_names=_read(session, dataset_id, EVENT_NAMES, NAMES_SCHEMA),
        starts=starts_of(accounts.lazy()).collect().cast(dict(STARTS_SCHEMA)),  # type: ignore[arg-type]
    )
