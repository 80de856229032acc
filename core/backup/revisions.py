"""The schema revisions the migration scripts know, read from core/db/migrations.

A backup records the revision its database was at; restore compares it with these: the head
restores directly, an older known revision is brought up through the migrations themselves
(core.backup.upgrade), and an unknown one (made by a newer Waypoint) is refused.
"""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from core.db.engine import alembic_config


def scripts(engine: Engine) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(engine))


def head(engine: Engine) -> str:
    found = scripts(engine).get_current_head()
    if found is None:
        raise RuntimeError("the migration scripts have more than one head")
    return found


def history(engine: Engine) -> list[str]:
    """Every revision, oldest first."""
    return [s.revision for s in reversed(list(scripts(engine).walk_revisions()))]


def previous(engine: Engine) -> str | None:
    """The revision before the head: the schema of the previous release."""
    down = scripts(engine).get_revision(head(engine)).down_revision
    if down is not None and not isinstance(down, str):
        raise RuntimeError("the head revision merges several branches")
    return down


def current(connection: Connection) -> str | None:
    """The revision a database is at (None for one never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()
