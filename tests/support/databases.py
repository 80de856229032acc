"""Database fixtures: a real database on SQLite and, whenever reachable, on PostgreSQL.

Each test run creates its own PostgreSQL database and drops it at the end, so runs never
see each other's rows. Under CI (CI=true) an unreachable PostgreSQL fails the run instead of
skipping: CI must prove both backends. Lanes that need a database import these fixtures in
their conftest.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from core.access.guard import system_factory
from core.db.engine import make_engine, migrate
from core.db.models import Base

PG_ADMIN_URL = os.environ.get(
    "WAYPOINT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_admin() -> Engine | None:
    engine = create_engine(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception:  # noqa: BLE001 - any failure means the server is not usable here
        engine.dispose()
        return None
    return engine


@contextmanager
def throwaway_postgresql(
    prefix: str = "waypoint_test", *, needed_by: str = "the PostgreSQL tests"
) -> Iterator[str]:
    """A new, empty database on the test server, dropped (with any open connections) at the
    end. An unreachable server skips the test locally and fails it under CI."""
    admin = _pg_admin()
    if admin is None:
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}"
        if IN_CI:
            pytest.fail(f"{message} (CI must run {needed_by})")
        pytest.skip(message)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A fresh database for this run."""
    with throwaway_postgresql() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'waypoint.db'}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    url = request.getfixturevalue(f"{request.param}_url")
    engine = make_engine(url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(migrated_engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory on a migrated database that is emptied after each test."""
    yield system_factory(migrated_engine)
    with migrated_engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def backend(migrated_engine: Engine) -> str:
    return migrated_engine.dialect.name
