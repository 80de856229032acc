"""Engine creation and schema migration, shared by the app, the tests and scripts.

A database that stops answering must cost a page seconds, not minutes, and must never show
its host, port or name: PostgreSQL connections give up after CONNECT_TIMEOUT_S and stop any
statement after STATEMENT_TIMEOUT_MS (waiting for a lock, LOCK_TIMEOUT_MS), SQLite waits
BUSY_TIMEOUT_MS for another writer, and `unit_of_work` turns a database that refuses, times
out or stays locked into one `DatabaseUnavailable` with a plain sentence.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from core.common.errors import UserError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 30_000
LOCK_TIMEOUT_MS = 10_000
IDLE_IN_TRANSACTION_MS = 120_000
BUSY_TIMEOUT_MS = 10_000
POOL_TIMEOUT_S = 10
STARTUP_LOCK_KEY = 7_301_017  # any number, the same in every Waypoint process
STARTUP_WAIT = "5min"

UNAVAILABLE = (
    "The database is not answering right now, so nothing was loaded or saved. "
    "Try again in a minute; if it keeps happening, tell whoever runs Waypoint."
)
TOO_SLOW = (
    "The database took too long to answer, so the request was stopped and nothing was "
    "saved. Try again in a minute; if it keeps happening, tell whoever runs Waypoint."
)
BUSY = "The database is busy with another change, so nothing was saved. Try again in a moment."


class DatabaseUnavailable(UserError):
    """The database refused, did not answer in time, or stayed locked; the message says so
    without host, port or database name, and nothing of the action was saved."""


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    """SQLite ignores foreign keys unless asked, and WAL lets readers and a writer coexist.

    Transactions begin deferred, so readers never queue behind a writer. A use case that reads
    and then writes takes its lock with a first write (core.journey.store.map_for_update,
    core.data.store) so that it waits for another writer instead of failing: SQLite cannot
    upgrade a read snapshot that another writer has moved past. Starting every transaction
    with BEGIN IMMEDIATE would do the same for all of them, but was measured to cut 20
    editors' throughput about fourfold (every read then queues for the lock).
    """
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]  # a DB-API connection
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _never_recreate(engine: Engine) -> None:
    """Once the engine has opened its SQLite file, later connections open it without creating
    it (mode=rw). Otherwise a file moved or deleted while the app runs would come back as a new
    empty database on the next connection: every page would fail on a missing table with a
    traceback, and a stray empty file would sit where the data was. Now it is an outage, the
    one clear message of DatabaseUnavailable."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    uri = f"file:{quote(str(Path(database).resolve()))}?mode=rw"
    opened = False

    def open_existing(_dialect: object, _record: object, cargs: list, cparams: dict) -> None:
        if opened:
            cargs[:] = [uri]
            cparams["uri"] = True

    def mark_opened(_connection: object, _record: object) -> None:
        nonlocal opened
        opened = True

    event.listen(engine, "do_connect", open_existing)
    event.listen(engine, "connect", mark_opened)


def _postgresql_limits(dbapi_connection: object, _record: object) -> None:
    """Per-connection limits, set with SET (not a startup option) so poolers accept them."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]  # a DB-API connection
    cursor.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
    cursor.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
    cursor.execute(f"SET idle_in_transaction_session_timeout = {IDLE_IN_TRANSACTION_MS}")
    cursor.close()
    dbapi_connection.commit()  # type: ignore[attr-defined]  # keep the SETs out of a transaction


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        timeout = BUSY_TIMEOUT_MS / 1000
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": timeout})
        event.listen(engine, "connect", _sqlite_pragmas)
        _never_recreate(engine)
        return engine
    connect_args: dict[str, object] = {}
    if url.startswith("postgresql"):
        connect_args = {
            "connect_timeout": CONNECT_TIMEOUT_S,
            # A peer that vanishes mid-query is noticed within about a minute.
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 10,
            "keepalives_count": 3,
        }
    engine = create_engine(
        url, pool_pre_ping=True, pool_timeout=POOL_TIMEOUT_S, connect_args=connect_args
    )
    if url.startswith("postgresql"):
        event.listen(engine, "connect", _postgresql_limits)
    return engine


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Inside the block, no other app server on this PostgreSQL database is starting up.

    App servers started together on one database must migrate it and create the demo
    workspace one after the other: without this, the second's CREATE TABLE failed on the
    first's (a traceback on its first page), and both could find no workspace and build a
    demo. The lock belongs to a connection of its own, held for the block; a first start
    builds the demo data, so that connection may wait minutes (STARTUP_WAIT); it goes back to
    the pool with the usual limits. On SQLite (one app server) it does nothing.
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    with unavailable_as_user_error(), engine.connect() as conn:
        conn.execute(text(f"SET lock_timeout = '{STARTUP_WAIT}'"))
        conn.execute(text(f"SET statement_timeout = '{STARTUP_WAIT}'"))
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK_KEY})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK_KEY})
            conn.execute(text(f"SET lock_timeout = {LOCK_TIMEOUT_MS}"))
            conn.execute(text(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}"))
            conn.commit()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest revision; safe to call at every start."""
    config = alembic_config(engine)
    with unavailable_as_user_error(), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def session_factory(engine: Engine, info: dict[str, object] | None = None) -> sessionmaker[Session]:
    """Sessions on `engine`; `info` seeds each session's info (core.access.guard binds who
    acts there)."""
    return sessionmaker(engine, expire_on_commit=False, info=info or {})


def unavailable_reason(error: BaseException) -> str | None:
    """The sentence for a database that is down, slow or locked; None for anything else
    (a bug such as a missing table must not pass for an outage)."""
    if isinstance(error, sa_exc.TimeoutError):
        return BUSY
    if not isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return None
    original = error.orig
    if isinstance(original, sqlite3.Error):
        text = str(original).lower()
        if "locked" in text or "busy" in text:
            return BUSY
        return UNAVAILABLE if "unable to open" in text or "disk i/o" in text else None
    name = type(original).__name__
    if name == "QueryCanceled":
        return TOO_SLOW
    if name in ("LockNotAvailable", "DeadlockDetected"):
        return BUSY
    return UNAVAILABLE


@contextmanager
def unavailable_as_user_error() -> Iterator[None]:
    """Let a database outage inside the block surface as DatabaseUnavailable."""
    try:
        yield
    except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError) as exc:
        reason = unavailable_reason(exc)
        if reason is None:
            raise
        raise DatabaseUnavailable(reason) from exc


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One user action, one transaction: committed when the block ends, rolled back on error.

    A database that refuses, times out or stays locked raises DatabaseUnavailable.
    """
    with unavailable_as_user_error(), factory() as session, session.begin():
        yield session
