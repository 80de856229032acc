"""Deleting a workspace or pruning old data versions leaves the stored Parquet slices to the
database's ON DELETE CASCADE: no blob is read into memory first (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from core.data import store
from core.data.importing import import_files
from core.db.engine import unit_of_work
from core.db.models import DatasetVersion, TableChunk
from core.workspace.workspaces import create_workspace, delete_workspace
from tests.support.sample_files import SEGMENTS, good_sources


@contextmanager
def _blob_reads(factory: sessionmaker[Session]) -> Iterator[list[str]]:
    """The SELECT statements that read table_chunk.parquet while the block runs."""
    engine = factory.kw["bind"]
    reads: list[str] = []

    def seen(_conn, _cursor, statement, _params, _context, _many) -> None:
        text = " ".join(statement.lower().split())
        if text.startswith("select") and "table_chunk.parquet" in text:
            reads.append(text)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield reads
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def _chunks(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        return s.scalar(select(func.count()).select_from(TableChunk)) or 0


def test_pruning_old_versions_reads_no_stored_blob(factory: sessionmaker[Session]):
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Prune").id
    for _ in range(store.KEEP_VERSIONS):
        with unit_of_work(factory) as s:
            import_files(s, ws, good_sources(), SEGMENTS)
    with unit_of_work(factory) as s:
        first = min(s.scalars(select(DatasetVersion.id).where(DatasetVersion.workspace_id == ws)))
        per_version = s.scalar(
            select(func.count()).select_from(TableChunk).where(TableChunk.dataset_id == first)
        )
    before = _chunks(factory)
    with _blob_reads(factory) as reads, unit_of_work(factory) as s:
        import_files(s, ws, good_sources(), SEGMENTS)
    assert reads == []
    with unit_of_work(factory) as s:
        assert s.get(DatasetVersion, first) is None
        assert len(store.history(s, ws)) == store.KEEP_VERSIONS
    assert per_version
    assert _chunks(factory) == before  # one version's slices added, the oldest one's gone


def test_deleting_a_workspace_reads_no_stored_blob(factory: sessionmaker[Session]):
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Delete me").id
    for _ in range(2):
        with unit_of_work(factory) as s:
            import_files(s, ws, good_sources(), SEGMENTS)
    with unit_of_work(factory) as s:
        owned = s.scalar(
            select(func.count())
            .select_from(TableChunk)
            .join(DatasetVersion)
            .where(DatasetVersion.workspace_id == ws)
        )
    assert owned
    before = _chunks(factory)
    with _blob_reads(factory) as reads, unit_of_work(factory) as s:
        delete_workspace(s, ws)
    assert reads == []
    assert _chunks(factory) == before - owned
    with unit_of_work(factory) as s:
        assert (
            s.scalars(select(DatasetVersion).where(DatasetVersion.workspace_id == ws)).all() == []
        )
