"""The database going away, or refusing a write, while a person is editing a form (AppTest, on
SQLite and PostgreSQL): what they typed is kept, the save is reported as not saved (one
message, never a "Saved" toast or a success box), nothing reaches the database, and once the
database is back the same values save with one click. Forms: a CSM's risk state, a journey
element added to the map, a workshop note.

How the database goes away: on PostgreSQL the test database stops taking connections
(`ALLOW_CONNECTIONS false`) and every open connection to it is ended, as when the server
restarts or a network path drops; on SQLite the file is moved away and the app's idle
connections are closed, so the next connection finds no file (it must not create an empty one
in its place: core.db.engine opens the file without creating it once it has opened it). A
write is refused when another connection holds the lock it needs until the app's lock wait
runs out (10 s on both databases).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from core import journey as jm
from core.at_risk import risk_states
from core.db.engine import unit_of_work
from core.journey import workshop
from core.workspace import workspaces
from tests.support.databases import PG_ADMIN_URL
from ui import state

PAGE = "pages/at_risk.py"
TYPED = {"state": "plan_in_place", "note": "Exec call booked for Friday", "author": "Priya"}


@contextmanager
def database_gone(engine: Engine) -> Iterator[None]:
    """The app's database is unreachable inside the block, and back afterwards."""
    if engine.dialect.name == "postgresql":
        yield from _postgresql_gone(engine)
    else:
        yield from _sqlite_gone(engine)


def _postgresql_gone(engine: Engine) -> Iterator[None]:
    name = engine.url.database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


def _sqlite_gone(engine: Engine) -> Iterator[None]:
    path = Path(str(engine.url.database))
    moved = path.with_name(path.name + ".gone")
    engine.dispose()
    state._engine().dispose()  # the app's own idle connections still hold the file open
    shutil.move(path, moved)
    try:
        yield
    finally:
        shutil.move(moved, path)


@contextmanager
def write_lock_held(engine: Engine) -> Iterator[None]:
    """Another connection holds the lock a risk-state save needs; plain reads still work."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("BEGIN"))
            conn.execute(text("LOCK TABLE risk_state IN EXCLUSIVE MODE"))
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.rollback()


@contextmanager
def journey_lock_held(engine: Engine, map_id: int) -> Iterator[None]:
    """Another connection holds the map's row, which every journey edit locks first."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("BEGIN"))
            conn.execute(
                text("SELECT id FROM journey_map WHERE id = :id FOR UPDATE"), {"id": map_id}
            )
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.rollback()


def _open_account(app: AppTest) -> str:
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    box = app.selectbox(key="ar_account")
    account = box.options[0].split(" · ")[0]
    box.set_value(account).run()
    assert not app.exception, app.exception
    return account


def _type(app: AppTest) -> None:
    app.radio(key="ar_state").set_value(TYPED["state"])
    app.text_area(key="ar_note").input(TYPED["note"])
    app.text_input(key="ar_author").input(TYPED["author"])


def _form_values(app: AppTest) -> dict[str, object]:
    return {
        "state": app.radio(key="ar_state").value,
        "note": app.text_area(key="ar_note").value,
        "author": app.text_input(key="ar_author").value,
    }


def _stored(factory: sessionmaker[Session], account: str) -> risk_states.RiskStateInfo | None:
    with unit_of_work(factory) as s:
        ws = next(w for w in workspaces.list_workspaces(s))
        return risk_states.get_risk_state(s, ws.id, account)


def _says_not_saved(app: AppTest, words: str) -> None:
    """Exactly one error, with `words`, and no sign anywhere that the save went through."""
    assert not app.exception, app.exception
    errors = [e.value for e in app.error]
    assert len(errors) == 1, errors
    assert words in errors[0]
    assert "nothing was" in errors[0]
    assert "saved" in errors[0]
    assert not app.toast, [t.value for t in app.toast]
    assert not app.success, [s.value for s in app.success]


def _saves_once_back(app: AppTest, factory: sessionmaker[Session], account: str) -> None:
    app.button(key="ar_state_save").click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    stored = _stored(factory, account)
    assert stored is not None
    assert (stored.state, stored.note, stored.updated_by) == (
        TYPED["state"],
        TYPED["note"],
        TYPED["author"],
    )


def test_the_database_going_away_while_a_form_is_edited(
    app: AppTest, factory: sessionmaker[Session], migrated_engine: Engine
):
    account = _open_account(app)
    before = _stored(factory, account)  # the demo may hold a call on it already
    _type(app)
    with database_gone(migrated_engine):
        app.button(key="ar_state_save").click().run()
        _says_not_saved(app, "The database is not answering right now")
        assert any("it was not saved" in c.value for c in app.caption)
        kept = {k: app.session_state[f"ar_{k}"] for k in TYPED}
        assert kept == TYPED
        app.button(key="outage_retry").click().run()  # still away: the same message again
        _says_not_saved(app, "The database is not answering right now")
    assert _stored(factory, account) == before

    app.button(key="outage_retry").click().run()
    assert not app.exception, app.exception
    assert app.title[0].value == "At-risk accounts"
    assert _form_values(app) == TYPED
    assert _stored(factory, account) == before
    _saves_once_back(app, factory, account)


def test_a_save_the_database_refuses_is_reported_as_not_saved(
    app: AppTest, factory: sessionmaker[Session], migrated_engine: Engine
):
    account = _open_account(app)
    before = _stored(factory, account)
    _type(app)
    with write_lock_held(migrated_engine):
        app.button(key="ar_state_save").click().run()
        _says_not_saved(app, "The database is busy with another change")
        assert app.title[0].value == "At-risk accounts"
        assert _form_values(app) == TYPED
    assert _stored(factory, account) == before
    _saves_once_back(app, factory, account)


@pytest.fixture(autouse=True)
def _back_in_place(migrated_engine: Engine) -> Iterator[None]:
    """Whatever a test did, the shared database is reachable again for the next one."""
    yield
    with migrated_engine.connect() as conn:
        conn.execute(text("select 1"))


JOURNEY = "pages/journey.py"


def test_a_journey_edit_the_database_refuses_keeps_what_was_typed(
    app: AppTest, factory: sessionmaker[Session], migrated_engine: Engine
):
    app.switch_page(JOURNEY).run()
    assert not app.exception, app.exception
    map_id = app.selectbox(key="journey_map_id").value
    with unit_of_work(factory) as s:
        revision = jm.map_revision(s, map_id)
    app.selectbox(key="add_kind").set_value("touchpoint")
    app.text_input(key="add_name").input("Welcome call typed during an outage")
    with journey_lock_held(migrated_engine, map_id):
        app.button(key="add_submit").click().run()
        _says_not_saved(app, "The database is busy with another change")
        assert app.text_input(key="add_name").value == "Welcome call typed during an outage"
    with unit_of_work(factory) as s:
        assert jm.map_revision(s, map_id) == revision
    app.button(key="add_submit").click().run()
    assert not app.exception, app.exception
    assert not app.error, ([e.value for e in app.error], app.text_input(key="add_name").value)
    with unit_of_work(factory) as s:
        names = [t["name"] for t in jm.load(s, map_id).of("touchpoint")]
    assert "Welcome call typed during an outage" in names
    assert app.text_input(key="add_name").value == ""  # cleared once stored


def test_a_note_the_database_refuses_stays_in_the_box(
    app: AppTest, factory: sessionmaker[Session], migrated_engine: Engine
):
    app.switch_page(JOURNEY).run()
    assert not app.exception, app.exception
    map_id = app.selectbox(key="journey_map_id").value
    typed = "The admin never got the invite; resend from the CSM's address"
    app.text_area(key="note_text").input(typed)
    with journey_lock_held(migrated_engine, map_id):
        app.button(key="note_submit").click().run()
        _says_not_saved(app, "The database is busy with another change")
        assert app.text_area(key="note_text").value == typed
    app.button(key="note_submit").click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    with unit_of_work(factory) as s:
        assert typed in [n.text for n in workshop.list_notes(s, map_id)]
    assert app.text_area(key="note_text").value == ""
