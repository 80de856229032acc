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
