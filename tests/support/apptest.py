"""The whole app in Streamlit's AppTest, on a real, migrated database."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from ui.app_shell import keep_app_shell_in_apptest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app(
    migrated_engine: Engine, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> AppTest:
    """The whole app in AppTest on an empty, migrated database (SQLite and PostgreSQL).

    Its first run creates the demo workspace (150 accounts). Use `app.switch_page(
    "pages/x.py").run()` to open a page.
    """
    monkeypatch.setenv("DATABASE_URL", migrated_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("WAYPOINT_DEMO_ACCOUNTS", "150")
    keep_app_shell_in_apptest(monkeypatch)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def open_in_empty_workspace(app: AppTest, factory: sessionmaker[Session], name: str) -> int:
    """Create an empty workspace (default segments, no data, no maps, no rounds) and make it
    the one the AppTest session looks at; the demo workspace holds maps and rounds."""
    from core.db.engine import unit_of_work
    from core.workspace.workspaces import create_workspace

    with unit_of_work(factory) as s:
        workspace_id = create_workspace(s, name).id
    app.session_state["workspace_id"] = workspace_id
    return workspace_id


def workspace_id_named(factory: sessionmaker[Session], name: str) -> int:
    from core.db.engine import unit_of_work
    from core.workspace.workspaces import list_workspaces

    with unit_of_work(factory) as s:
        return next(w.id for w in list_workspaces(s) if w.name == name)


def act_as(
    monkeypatch: pytest.MonkeyPatch, key: str, name: str = "", *, is_admin: bool = False
) -> None:
    """Make the AppTest session a signed-in person (who `st.user` would name once the identity
    provider has signed them in; the provider itself is driven in tests/browser). Call before
    the run that should see them; their role comes from the `member` rows, as in the app."""
    from core.access.identity import Person

    person = Person(key, name or key, is_admin=is_admin)
    monkeypatch.setattr("ui.identity.signed_in", lambda: person)


def add_member(factory: sessionmaker[Session], workspace_id: int, key: str, role: str) -> None:
    """Give `key` a role in a workspace, as an owner would on the Members page."""
    from core.access.members import add_member as add
    from core.db.engine import unit_of_work

    with unit_of_work(factory) as s:
        add(s, workspace_id, key, role)


def open_tab(app: AppTest, label: str) -> AppTest:
    """Open one of the journey page's tabs, as a click on it does: most tabs draw their parts
    only while open (ui.journey.tabs)."""
    from ui.journey.tabs import TAB_KEY

    app.session_state[TAB_KEY] = label
    return app.run()


def open_map_management(app: AppTest) -> AppTest:
    """Open the journey page's popover that makes and changes maps: its forms are drawn only
    while it is open (ui.journey.maps)."""
    from ui.journey.maps import MANAGE_KEY

    app.session_state[MANAGE_KEY] = True
    return app.run()
