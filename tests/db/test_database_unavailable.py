"""A database that refuses, never answers, answers too slowly or stays locked gives one clear
DatabaseUnavailable within seconds, never the driver's error with host, port and name."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from core.access.guard import system_factory
from core.common.errors import UserError
from core.db import engine as db
from core.db.engine import DatabaseUnavailable, make_engine, migrate, unit_of_work


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def _assert_plain(exc: DatabaseUnavailable, port: int) -> None:
    message = str(exc)
    assert isinstance(exc, UserError)
    assert "Try again" in message
    for part in ("127.0.0.1", str(port), "waypoint_secret_db", "psycopg", "Error"):
        assert part not in message


def test_a_refused_connection_is_one_plain_message():
    port = _free_port()
    engine = make_engine(f"postgresql+psycopg://someone@127.0.0.1:{port}/waypoint_secret_db")
    started = time.perf_counter()
    with pytest.raises(DatabaseUnavailable) as caught, unit_of_work(system_factory(engine)) as s:
        s.execute(text("select 1"))
    assert time.perf_counter() - started < db.CONNECT_TIMEOUT_S + 5
    _assert_plain(caught.value, port)


def test_a_server_that_never_answers_gives_up_after_the_connect_timeout(silent_server: int):
    url = f"postgresql+psycopg://someone@127.0.0.1:{silent_server}/waypoint_secret_db"
    engine = make_engine(url)
    started = time.perf_counter()
    with pytest.raises(DatabaseUnavailable) as caught:
        migrate(engine)
    took = time.perf_counter() - started
    assert took < db.CONNECT_TIMEOUT_S * 2 + 5, f"waited {took:.0f} s"
    _assert_plain(caught.value, silent_server)


def test_a_statement_that_runs_too_long_is_stopped(
    postgresql_url: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(db, "STATEMENT_TIMEOUT_MS", 300)
    engine = make_engine(postgresql_url)
    try:
        with pytest.raises(DatabaseUnavailable, match="took too long"):
            with unit_of_work(system_factory(engine)) as s:
                s.execute(text("select pg_sleep(3)"))
    finally:
        engine.dispose()


def test_a_sqlite_database_locked_by_another_writer_is_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    engine = make_engine(url)
    migrate(engine)
    holder = make_engine(url)
    factory = system_factory(engine)
    with holder.connect() as locker:
        locker.execute(text("BEGIN IMMEDIATE"))
        with pytest.raises(DatabaseUnavailable, match="busy"), unit_of_work(factory) as s:
            s.execute(text("CREATE TABLE t (x INTEGER)"))
        locker.execute(text("ROLLBACK"))


def test_a_bug_is_not_passed_off_as_an_outage(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'bug.db'}")
    with pytest.raises(Exception, match="no such table") as caught:
        with unit_of_work(system_factory(engine)) as s:
            s.execute(text("select * from no_such_table"))
    assert not isinstance(caught.value, DatabaseUnavailable)
