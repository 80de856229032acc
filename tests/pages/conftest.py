"""The page lane: every page in Streamlit's AppTest, on both databases."""

from tests.support.apptest import app  # noqa: F401 - fixtures
from tests.support.databases import (  # noqa: F401 - fixtures
    backend,
    factory,
    migrated_engine,
    postgresql_url,
    sqlite_url,
)
