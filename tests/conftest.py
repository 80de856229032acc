"""Test lanes: every test is marked by the folder it lives in.

- tests/unit: no database, no Streamlit runtime; runs in seconds (`pytest tests/unit`).
- tests/db: use cases against a real database, on SQLite and on PostgreSQL.
- tests/pages: every page through Streamlit's AppTest, on both databases.
- tests/browser: the real server in headless Chromium.

Select a lane by folder or by marker (`pytest -m "not browser"`). Fixtures live in
tests/support and each lane's conftest takes only what it needs, so the unit lane never
imports a database driver or Streamlit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

LANES = ("unit", "db", "pages", "browser")
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        lane = Path(item.path).resolve().relative_to(HERE).parts[0]
        if lane in LANES:
            item.add_marker(getattr(pytest.mark, lane))
