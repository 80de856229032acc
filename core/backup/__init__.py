"""Back up a whole workspace to one portable file and restore it, on SQLite or PostgreSQL.

`python -m core backup --workspace NAME --out FILE` and `python -m core restore FILE
[--as NEW_NAME]` (core/cli.py) run these against the database DATABASE_URL names, so the same
file moves a workspace from the SQLite default to PostgreSQL and back.

The file (format "waypoint-workspace-backup", version 1) is a zip archive holding:

- `manifest.json`: `format`, `format_version`, `workspace` (its name), `alembic_revision` (the
  schema revision of the database it came from), `created_at` (UTC, ISO 8601),
  `source_database` (sqlite or postgresql) and `tables`, in insert order (parents first), each
  with `name`, `file`, `rows`, `sha256` (of the file), `primary_key`, `columns` (column -> how
  its values are written: value, json, binary, date, datetime, decimal) and `references`
  (foreign-key column -> the table it points at).
- `tables/<table>.jsonl`: one JSON object per row, ordered by id, with every column: binary
  values (the stored Parquet of data versions) in base64, dates and datetimes in ISO 8601, JSON
  columns as JSON, the rest as plain JSON values.

What a workspace is comes from the ORM metadata (core.backup.schema): every table that hangs
off `workspace` through foreign keys, so tables added later are carried without code here.
Ids held without a foreign key are listed in core.backup.references. Restore (core.backup.load)
is one transaction: it refuses a name in use, a file that is not a backup, is damaged or was
made by a newer schema; a backup from an older revision is upgraded through the migrations
(core.backup.upgrade); rows get new ids and every reference is renumbered to match.
"""

from core.backup.archive import BackupError
from core.backup.dump import BackupSummary, backup_workspace
from core.backup.load import RestoreSummary, restore_workspace

__all__ = [
    "BackupError",
    "BackupSummary",
    "RestoreSummary",
    "backup_workspace",
    "restore_workspace",
]
