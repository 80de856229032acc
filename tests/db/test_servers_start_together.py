"""App servers started together on one fresh PostgreSQL database (issue 17, item 2).

Each server migrates the database and creates the demo workspace on its first page
(ui.state._engine). Started at once, the second's CREATE TABLE used to fail on the first's
(a traceback on its first page); under core.db.engine.startup_lock they take turns, and the
database ends with one schema and one demo workspace. PostgreSQL only: several app servers
share a PostgreSQL database, never a SQLite file. Unreachable PostgreSQL skips locally and
fails under CI, as every PostgreSQL test does (tests/support/databases.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from core.access.guard import system_factory
from core.db.engine import make_engine, unit_of_work
from core.workspace.workspaces import list_workspaces
from tests.db.test_kills import WAIT_S, Child
from tests.support.databases import throwaway_postgresql

SERVERS = 3


@pytest.fixture
def fresh_postgresql() -> Iterator[str]:
    """An empty database of its own (not migrated), dropped at the end."""
    with throwaway_postgresql("waypoint_start") as url:
        yield url


def test_servers_started_together_take_turns(fresh_postgresql: str, monkeypatch):
    monkeypatch.setenv("WAYPOINT_DEMO_ACCOUNTS", "150")
    servers = [Child("start", fresh_postgresql) for _ in range(SERVERS)]
    try:
        for server in servers:
            server.wait_for("ready")
        for server in servers:  # all at once
            assert server.proc.stdin is not None
            server.proc.stdin.write("go\n")
            server.proc.stdin.flush()
        for server in servers:
            server.wait_for("started")
            server.proc.wait(timeout=WAIT_S)
            assert server.proc.returncode == 0, server.stderr()
    finally:
        for server in servers:
            server.close()
    engine = make_engine(fresh_postgresql)
    try:
        with unit_of_work(system_factory(engine)) as s:
            assert [w.name for w in list_workspaces(s)] == ["Demo workspace"]
            assert s.execute(text("select count(*) from alembic_version")).scalar() == 1
    finally:
        engine.dispose()
