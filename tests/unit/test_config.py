"""Where the database comes from: environment first, then secrets, then local SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.db.config import DEFAULT_SQLITE, database_url, normalise_url


def test_environment_wins(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@h/db")
    assert database_url({"DATABASE_URL": "sqlite:///x.db"}) == "postgresql+psycopg://u:p@h/db"


@pytest.mark.parametrize(
    "secrets",
    [{"DATABASE_URL": "postgresql://u@h/db"}, {"database": {"url": "postgresql://u@h/db"}}],
)
def test_secrets_in_either_form(monkeypatch: pytest.MonkeyPatch, secrets: dict):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url(secrets) == "postgresql+psycopg://u@h/db"


def test_default_is_the_local_sqlite_file(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url(None) == f"sqlite:///{DEFAULT_SQLITE}"
    assert DEFAULT_SQLITE.parent.name == "data"


def test_other_urls_are_left_alone():
    assert normalise_url(" sqlite:////tmp/a.db ") == "sqlite:////tmp/a.db"
    assert normalise_url("postgresql+psycopg://h/db") == "postgresql+psycopg://h/db"


def test_the_default_database_is_the_data_folder_of_the_project():
    from core.db.config import DEFAULT_SQLITE

    root = Path(__file__).resolve().parents[2]
    assert DEFAULT_SQLITE == root / "data" / "waypoint.db"
    assert (root / "app.py").exists()
