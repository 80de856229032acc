"""Bring a backup made at an older schema revision up to this Waypoint's, through the migrations.

The old rows go, under their own ids, into a scratch SQLite database created at the backup's
revision (its tables reflected as they were then); the same migrations that upgrade a live
database then bring it to the head, and the workspace is backed up again from there. So a
backup is upgraded exactly as the database it came from would have been, with no second copy
of the migration logic.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Engine, MetaData, insert

from core.backup.archive import BackupReader, batches
from core.backup.schema import reflect
from core.db.engine import alembic_config, make_engine


def _migrate_to(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _load_as_is(engine: Engine, reader: BackupReader) -> None:
    """Every table of the backup with its ids unchanged (the scratch database holds nothing
    else), in the backup's order, parents first."""
    metadata = MetaData()
    reflect(metadata, engine)
    with engine.begin() as conn:
        for name in reader.tables:
            if name not in metadata.tables:
                raise reader.corrupt(f"table {name} is not part of revision {reader.revision}")
            table = metadata.tables[name]
            for batch in batches(reader.rows(name)):
                conn.execute(insert(table), batch)


def upgraded_copy(reader: BackupReader, workdir: Path) -> Path:
    """A backup of the same workspace at the head revision, written in `workdir`."""
    from core.backup.dump import backup_workspace  # dump imports nothing of this module

    engine = make_engine(f"sqlite:///{workdir / 'upgrade.db'}")
    try:
        _migrate_to(engine, reader.revision)
        _load_as_is(engine, reader)
        _migrate_to(engine, "heads")
        out = workdir / "upgraded.zip"
        backup_workspace(engine, reader.workspace, out)
        return out
    finally:
        engine.dispose()
