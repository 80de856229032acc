"""The rollups of a data version (core.data.rollups) live and die with it, on both databases:
written at import in the same transaction, pruned with the version, and built on first use
(once) for a version imported before they existed, also when a page first opens it."""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core.access.identity import Access
from core.access.roles import Role
from core.data import rollup_store, rollups, store
from core.data.rollups import ROLLUP_MARK, ROLLUP_TABLES, rollups_of
from core.db.engine import unit_of_work
from core.db.models import DatasetVersion, TableChunk
from core.workspace.demo_workspace import demo_dataset
from core.workspace.workspaces import create_workspace
from tests.support.apptest import (
    app,  # noqa: F401 - fixture
    workspace_id_named,
)
from ui.engine_tables import _rollups

DEMO = demo_dataset(accounts=60, seed=3)


def _workspace(factory: sessionmaker[Session], name: str = "Acme") -> int:
    with unit_of_work(factory) as s:
        return create_workspace(s, name).id


def _chunks(factory: sessionmaker[Session], dataset_id: int) -> dict[str, int]:
    with unit_of_work(factory) as s:
        rows = s.execute(
            select(TableChunk.table_name, func.count())
            .where(TableChunk.dataset_id == dataset_id)
            .group_by(TableChunk.table_name)
        ).all()
    return {name: count for name, count in rows}


def _drop_rollups(factory: sessionmaker[Session], dataset_id: int) -> None:
    """Make a version look as one stored before rollups existed."""
    with unit_of_work(factory) as s:
        s.execute(
            delete(TableChunk).where(
                TableChunk.dataset_id == dataset_id,
                TableChunk.table_name.in_([*ROLLUP_TABLES, ROLLUP_MARK]),
            )
        )


def _same_as_computed(found: rollups.EventRollups | None) -> None:
    assert found is not None
    expected = rollups_of(DEMO)
    for name in ("first_events", "event_names", "starts"):
        assert_frame_equal(getattr(found, name), getattr(expected, name), check_exact=True)


def test_rollups_are_written_with_the_import(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(rollup_store, "CHUNK_ROWS", 100)  # several slices of first_events
    ws = _workspace(factory)
    with unit_of_work(factory) as s:
        info = store.save_dataset(s, ws, DEMO, "demo")
    chunks = _chunks(factory, info.id)
    expected = rollups_of(DEMO)
    assert chunks[ROLLUP_MARK] == 1
    assert chunks["first_events"] == -(-expected.first_events.height // 100)
    assert chunks["event_names"] == 1
    with unit_of_work(factory) as s:
        _same_as_computed(rollup_store.load_rollups(s, info.id, DEMO.accounts))
        assert store.load_dataset(s, info.id).events.equals(DEMO.events)  # tables untouched


def test_rollups_are_pruned_with_their_version(factory: sessionmaker[Session]):
    ws = _workspace(factory)
    ids = []
    for n in range(store.KEEP_VERSIONS + 1):
        with unit_of_work(factory) as s:
            ids.append(store.save_dataset(s, ws, DEMO, f"import {n}").id)
    assert _chunks(factory, ids[0]) == {}
    assert _chunks(factory, ids[-1])[ROLLUP_MARK] == 1
    with unit_of_work(factory) as s:
        assert s.get(DatasetVersion, ids[0]) is None


def test_an_older_version_gets_its_rollups_on_first_use_once(factory: sessionmaker[Session]):
    ws = _workspace(factory)
    with unit_of_work(factory) as s:
        info = store.save_dataset(s, ws, DEMO, "demo")
    _drop_rollups(factory, info.id)
    with unit_of_work(factory) as s:
        assert rollup_store.load_rollups(s, info.id, DEMO.accounts) is None
        rollup_store.ensure_rollups(s, info.id, DEMO)
    with unit_of_work(factory) as s:
        rollup_store.ensure_rollups(s, info.id, DEMO)  # a second server: nothing written twice
        _same_as_computed(rollup_store.load_rollups(s, info.id, DEMO.accounts))
    chunks = _chunks(factory, info.id)
    assert chunks[ROLLUP_MARK] == 1
    assert chunks["event_names"] == 1


def test_a_viewer_opening_an_older_version_builds_them_and_others_are_refused(
    factory: sessionmaker[Session],
):
    from core.access.guard import bind
    from core.access.identity import PermissionDenied

    ws = _workspace(factory)
    other = _workspace(factory, "Other")
    with unit_of_work(factory) as s:
        info = store.save_dataset(s, ws, DEMO, "demo")
    _drop_rollups(factory, info.id)
    with unit_of_work(factory) as s:
        bind(s, Access(workspace_id=other, workspace_name="Other", role=Role.OWNER, actor="o"))
        with pytest.raises(PermissionDenied):
            rollup_store.ensure_rollups(s, info.id, DEMO)
    assert ROLLUP_MARK not in _chunks(factory, info.id)
    with unit_of_work(factory) as s:
        bind(s, Access(workspace_id=ws, workspace_name="Acme", role=Role.VIEWER, actor="v"))
        rollup_store.ensure_rollups(s, info.id, DEMO)
        _same_as_computed(rollup_store.load_rollups(s, info.id, DEMO.accounts))


def test_the_scorecards_page_builds_the_rollups_of_an_older_version(
    app: AppTest,  # noqa: F811 - fixture
    factory: sessionmaker[Session],
):
    ws = workspace_id_named(factory, "Demo workspace")
    with unit_of_work(factory) as s:
        dataset_id = store.active_info(s, ws).id  # type: ignore[union-attr]
    _drop_rollups(factory, dataset_id)
    _rollups.clear()  # Home decoded them when the app opened: as after a restart of the server
    app.switch_page("pages/scorecards.py").run()
    assert not app.exception
    assert _chunks(factory, dataset_id)[ROLLUP_MARK] == 1
    app.switch_page("pages/at_risk.py").run()
    assert not app.exception
    assert _chunks(factory, dataset_id)[ROLLUP_MARK] == 1


def test_rollups_of_an_earlier_format_are_built_again_once(factory: sessionmaker[Session]):
    """A version whose rollups predate the per-name counts (marked `rollups:1`) gets them
    built again on first use, the old chunks removed: nothing is read twice."""
    ws = _workspace(factory)
    with unit_of_work(factory) as s:
        info = store.save_dataset(s, ws, DEMO, "demo")
    fresh = _chunks(factory, info.id)
    with unit_of_work(factory) as s:
        s.execute(
            update(TableChunk)
            .where(TableChunk.dataset_id == info.id, TableChunk.table_name == ROLLUP_MARK)
            .values(table_name="rollups:1")
        )
    with unit_of_work(factory) as s:
        assert rollup_store.load_rollups(s, info.id, DEMO.accounts) is None
        rollup_store.ensure_rollups(s, info.id, DEMO)
    with unit_of_work(factory) as s:
        rollup_store.ensure_rollups(s, info.id, DEMO)
        _same_as_computed(rollup_store.load_rollups(s, info.id, DEMO.accounts))
    assert _chunks(factory, info.id) == fresh
