"""A database that does not answer: every page shows one clear message, never a traceback."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.support.apptest import APP
from ui.app_shell import keep_app_shell_in_apptest
from ui.registry import PAGES

# Nothing listens on port 1: the connection is refused at once.
UNREACHABLE = "postgresql+psycopg://secret_user@127.0.0.1:1/secret_db"


@pytest.mark.parametrize("path", [p.path for p in PAGES])
def test_every_page_says_the_database_is_not_answering(path: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    keep_app_shell_in_apptest(monkeypatch)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(path).run()
    assert not at.exception
    (error,) = at.error
    assert "The database is not answering right now" in error.value
    assert "nothing was loaded or saved" in error.value
    assert not any(x in error.value for x in ("127.0.0.1", "secret_user", "secret_db", "5432"))
    assert at.button(key="outage_retry")
