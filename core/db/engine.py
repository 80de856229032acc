"""Engine creation and schema migration, shared by the app, the tests and scripts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_WAIT_MS = 30_000  # how long a SQLite writer waits for the lock before giving up


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    """SQLite ignores foreign keys unless asked, and WAL lets readers and a writer coexist.

    The driver's own transaction handling is switched off (isolation_level None) so that
    `_begin_immediate` decides how each transaction starts.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_WAIT_MS}")
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    """Every SQLite transaction takes the write lock when it starts.

    A transaction that reads first and writes later (check a version, then update) would
    otherwise fail at once with "database is locked" when another writer committed in
    between, since SQLite cannot upgrade a stale read snapshot; taking the lock up front makes
    concurrent writers queue (up to SQLITE_WAIT_MS) and keeps read-check-write sequences
    atomic. Transactions are short, so readers barely notice.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_WAIT_MS / 1000}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest revision; safe to call at every start."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One user action, one transaction: committed when the block ends, rolled back on error."""
    with factory() as session, session.begin():
        yield session
