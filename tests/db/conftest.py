"""The database lane: a real database on SQLite and, whenever reachable, PostgreSQL."""

from tests.support.databases import (  # noqa: F401 - fixtures
    backend,
    factory,
    migrated_engine,
    postgresql_url,
    sqlite_url,
)
