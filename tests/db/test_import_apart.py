"""The Data page's imports hold no database transaction while they validate (issue 14).

Validating a large upload takes seconds to minutes. Held inside a transaction, that kept a
pooled connection checked out, ran into PostgreSQL's idle-in-transaction limit and, on
SQLite, a snapshot that another session's write moves past. These tests stop an import in the
middle of its check (from its own progress callback), look at the database from outside,
save a risk state from another session, and let the import finish as the one active version.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from core.at_risk.risk_states import get_risk_state, set_risk_state
from core.data import store
from core.data.importing import OpenTransaction, import_apart, import_preset_apart
from core.data.presets import get_preset
from core.data.presets.convert import run_preset
from core.data.presets.guess import as_mapping, guess_mapping
from core.data.presets.sources import sample
from core.data.readers import SourceFile
from core.db.engine import unit_of_work
from core.workspace.workspaces import create_workspace
from tests.support.sample_files import SEGMENTS, good_sources

FIXTURES = Path(__file__).parents[1] / "fixtures" / "presets"
QUICK_S = 5.0  # a write that waited for a lock would wait the busy/lock timeout (10 s)


def _idle_in_transaction(engine: Engine) -> int:
    """Connections of this database that sit inside an open transaction (PostgreSQL)."""
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    return int(found)


class MidCheck:
    """A progress callback that, at the first message of the check, looks from outside and
    writes from another session; what it saw is kept for the test to assert on."""

    def __init__(self, engine: Engine, factory: sessionmaker[Session], ws: int) -> None:
        self.engine, self.factory, self.ws = engine, factory, ws
        self.checked_out: int | None = None
        self.idle_in_transaction = 0
        self.write_s: float | None = None

    def __call__(self, fraction: float, message: str) -> None:
        if self.checked_out is not None or message.startswith("Saving"):
            return
        self.checked_out = self.engine.pool.checkedout()
        if self.engine.dialect.name == "postgresql":
            self.idle_in_transaction = _idle_in_transaction(self.engine)
        start = time.monotonic()
        with unit_of_work(self.factory) as s:
            set_risk_state(s, self.ws, "A1", "plan_in_place", "called", base_version=None)
        self.write_s = time.monotonic() - start


def _setup(
    migrated_engine: Engine, factory: sessionmaker[Session]
) -> tuple[int, MidCheck, OpenTransaction]:
    with unit_of_work(factory) as s:
        ws = create_workspace(s, "Acme").id
    return ws, MidCheck(migrated_engine, factory, ws), lambda: unit_of_work(factory)


def _assert_nothing_held(seen: MidCheck, factory: sessionmaker[Session], ws: int) -> None:
    assert seen.checked_out == 0, "a connection was held while the import validated"
    assert seen.idle_in_transaction == 0
    assert seen.write_s is not None
    assert seen.write_s < QUICK_S
    with unit_of_work(factory) as s:
        saved = get_risk_state(s, ws, "A1")
    assert saved is not None
    assert saved.state == "plan_in_place"


def test_file_import_validates_outside_a_transaction(
    migrated_engine: Engine, factory: sessionmaker[Session]
):
    ws, seen, open_transaction = _setup(migrated_engine, factory)
    info = import_apart(open_transaction, ws, good_sources(), SEGMENTS, seen)
    _assert_nothing_held(seen, factory, ws)
    with unit_of_work(factory) as s:
        assert store.active_info(s, ws) == info
        assert len(store.history(s, ws)) == 1


def test_preset_import_validates_outside_a_transaction(
    migrated_engine: Engine, factory: sessionmaker[Session]
):
    ws, seen, open_transaction = _setup(migrated_engine, factory)
    source = SourceFile("hubspot-companies.csv", "events", FIXTURES / "hubspot-companies.csv")
    preset = get_preset("hubspot")
    result = run_preset(preset, [source], as_mapping(guess_mapping(preset, sample(source))))
    outcome = import_preset_apart(open_transaction, ws, preset, result, None, SEGMENTS, seen)
    _assert_nothing_held(seen, factory, ws)
    assert outcome.info.row_counts["accounts"] == 3
    with unit_of_work(factory) as s:
        assert store.active_info(s, ws) == outcome.info
