"""Imported data kept per workspace in the database: round trip, all-or-nothing, versions."""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.data import rollup_store, store
from core.data.importing import check_files, import_files, with_current_tables
from core.data.readers import SourceFile
from core.data.validate import ValidationFailed, load_sources
from core.db.engine import unit_of_work
from core.db.models import TableChunk
from core.model.dataset import Dataset
from core.workspace.workspaces import create_workspace
from tests.support.rollup_reference import plain_first_events
from tests.support.sample_files import EVENTS, SEGMENTS, good_sources


def _workspace(factory: sessionmaker[Session], name: str = "Acme") -> int:
    with unit_of_work(factory) as s:
        return create_workspace(s, name).id


def test_round_trip_in_slices(factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(store, "CHUNK_ROWS", 2)
    ws = _workspace(factory)
    data = load_sources(good_sources(), SEGMENTS)
    with unit_of_work(factory) as s:
        info = store.save_dataset(s, ws, data, "test files")
    with unit_of_work(factory) as s:
        assert store.active_info(s, ws) == info
        again = store.load_dataset(s, info.id)
    for table, frame in data.frames().items():
        assert again.frames()[table].equals(frame), table
    assert info.row_counts == {"accounts": 3, "users": 3, "events": 3, "touches": 1}


def test_bad_import_leaves_previous_data_untouched(factory: sessionmaker[Session]):
    ws = _workspace(factory)
    with unit_of_work(factory) as s:
        first = import_files(s, ws, good_sources(), SEGMENTS)
    bad = [SourceFile("events.csv", "events", (EVENTS + "A1,U1,login,yesterday\n").encode())]
    with unit_of_work(factory) as s:
        current = store.load_dataset(s, first.id)
    with pytest.raises(ValidationFailed) as exc, unit_of_work(factory) as s:
        import_files(s, ws, with_current_tables(bad, current), SEGMENTS)
    assert exc.value.problems.row(0, named=True)["row"] == 4
    with unit_of_work(factory) as s:
        assert store.active_info(s, ws) == first
        assert len(store.history(s, ws)) == 1


def test_partial_upload_keeps_other_tables(factory: sessionmaker[Session]):
    ws = _workspace(factory)
    with unit_of_work(factory) as s:
        first = import_files(s, ws, good_sources(), SEGMENTS)
        current = store.load_dataset(s, first.id)
    events = [
        SourceFile("events.csv", "events", b"account_id,event,timestamp\nA1,login,2026-04-01\n")
    ]
    with unit_of_work(factory) as s:
        second = import_files(s, ws, with_current_tables(events, current), SEGMENTS)
    assert second.row_counts == {"accounts": 3, "users": 3, "events": 1, "touches": 1}


def test_failure_mid_save_rolls_back(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
):
    ws = _workspace(factory)
    with unit_of_work(factory) as s:
        first = import_files(s, ws, good_sources(), SEGMENTS)

    def explode(_fraction: float, message: str) -> None:
        if message == "Saving events":
            raise RuntimeError("disk full")

    data = load_sources(good_sources(), SEGMENTS)
    with pytest.raises(RuntimeError), unit_of_work(factory) as s:
        store.save_dataset(s, ws, data, "second", on_progress=explode)
    with unit_of_work(factory) as s:
        assert store.active_info(s, ws) == first
        assert [v.id for v in store.history(s, ws)] == [first.id]


def test_versions_are_capped_and_can_be_reactivated(factory: sessionmaker[Session]):
    ws = _workspace(factory)
    other = _workspace(factory, "Other")
    data = load_sources(good_sources(), SEGMENTS)
    ids = []
    for n in range(store.KEEP_VERSIONS + 1):
        with unit_of_work(factory) as s:
            ids.append(store.save_dataset(s, ws, data, f"import {n}").id)
    with unit_of_work(factory) as s:
        kept = [v.id for v in store.history(s, ws)]
        assert kept == list(reversed(ids))[: store.KEEP_VERSIONS]
        store.activate_version(s, ws, ids[1])
    with unit_of_work(factory) as s:
        assert store.active_info(s, ws).id == ids[1]
        with pytest.raises(ValueError, match="no longer kept"):
            store.activate_version(s, other, ids[1])


def test_a_clean_upload_is_stored_from_its_file_scans_in_slices(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
):
    """The fast path hands the store scans of the files, not frames; the store reads them
    in slices and keeps exactly what the row-level check would have made, with the same
    counts, event span and rollups, and an empty table kept as one empty slice."""
    monkeypatch.setattr(store, "CHUNK_ROWS", 4)
    rows = "".join(
        f"A{1 + i % 3},U1,step_{i % 5},2026-03-{1 + i % 28:02d}T08:00:00Z\n" for i in range(30)
    )
    sources = [s for s in good_sources() if s.table not in ("events", "touches")] + [
        SourceFile(
            "events.csv", "events", ("account_id,user_id,event,timestamp\n" + rows).encode()
        ),
        SourceFile("touches.csv", "touches", b"account_id,channel,timestamp\n"),
    ]
    assert not isinstance(check_files(sources, SEGMENTS), Dataset)  # scans, not frames
    expected = load_sources(sources, SEGMENTS)
    ws = _workspace(factory)
    with unit_of_work(factory) as s:
        info = import_files(s, ws, sources, SEGMENTS)
    with unit_of_work(factory) as s:
        again = store.load_dataset(s, info.id)
        slices = dict(
            s.execute(
                select(TableChunk.table_name, func.count())
                .where(TableChunk.dataset_id == info.id)
                .group_by(TableChunk.table_name)
            ).all()
        )
        kept = rollup_store.load_rollups(s, info.id, again.accounts)
    for table, frame in expected.frames().items():
        assert again.frames()[table].equals(frame), table
    assert info.row_counts == {"accounts": 3, "users": 3, "events": 30, "touches": 0}
    assert slices["events"] >= 2
    assert slices["touches"] == 1
    times = expected.events.get_column("timestamp")
    assert (info.first_event_at, info.last_event_at) == (times.min(), times.max())
    assert kept is not None
    assert_frame_equal(kept.first_events, plain_first_events(expected), check_exact=True)
