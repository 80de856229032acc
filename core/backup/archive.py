"""The backup file itself: a zip of manifest.json plus one JSON-lines file per table.

Values are written by their column's kind (recorded in the manifest, so a file explains
itself without the code that wrote it): binary as base64, JSON as JSON, dates and datetimes as
ISO 8601 text, everything else as plain JSON. Every table file's SHA-256 is in the manifest and
is checked before anything is restored, so a damaged file is refused as a whole.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, Date, DateTime, Float, LargeBinary, Numeric

from core.common.errors import UserError

FORMAT = "waypoint-workspace-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MAX_MANIFEST = 10 * 1024 * 1024


class BackupError(UserError):
    """A backup or restore that cannot be done as asked; the message says why and what to do."""


def column_kind(column: Column[Any]) -> str:
    """How a column's values are written: binary, json, datetime, date, decimal or value."""
    kind = column.type
    if isinstance(kind, LargeBinary):
        return "binary"
    if isinstance(kind, JSON):
        return "json"
    if isinstance(kind, DateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Numeric) and not isinstance(kind, Float):
        return "decimal"
    return "value"


def encode(kind: str, value: Any) -> Any:
    if value is None or kind in ("value", "json"):
        return value
    if kind == "binary":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind in ("datetime", "date"):
        return value.isoformat()
    return str(value)


def decode(kind: str, value: Any) -> Any:
    if value is None or kind in ("value", "json"):
        return value
    if kind == "binary":
        return base64.b64decode(value, validate=True)
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    raise ValueError(f"unknown column kind {kind!r}")


BATCH_ROWS = 200
BATCH_BYTES = 32 * 1024 * 1024


def batches(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Rows in groups small enough for one statement: at most BATCH_ROWS rows and, since a
    data version's Parquet slices can be tens of megabytes each, about BATCH_BYTES of them."""
    batch: list[dict[str, Any]] = []
    size = 0
    for row in rows:
        batch.append(row)
        size += sum(len(v) for v in row.values() if isinstance(v, bytes | str))
        if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


@dataclass(frozen=True)
class TableEntry:
    """A table as the manifest describes it."""

    name: str
    file: str
    rows: int
    sha256: str
    primary_key: str
    columns: dict[str, str]  # column -> kind
    references: dict[str, str]  # foreign-key column -> table it points at


class BackupWriter:
    """Writes tables one after the other, then the manifest; the file appears only when whole."""

    def __init__(self, path: Path, header: Mapping[str, Any]) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.header = dict(header)
        self.tables: list[dict[str, Any]] = []
        self.zip = zipfile.ZipFile(self.partial, "w", compression=zipfile.ZIP_DEFLATED)

    def add_table(
        self,
        name: str,
        primary_key: str,
        columns: Mapping[str, str],
        references: Mapping[str, str],
        rows: Iterable[Mapping[str, Any]],
    ) -> int:
        file = f"tables/{name}.jsonl"
        digest = hashlib.sha256()
        count = 0
        info = zipfile.ZipInfo(file, date_time=time.localtime()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        with self.zip.open(info, "w", force_zip64=True) as out:
            for row in rows:
                line = {c: encode(k, row[c]) for c, k in columns.items()}
                data = (json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n").encode()
                digest.update(data)
                out.write(data)
                count += 1
        self.tables.append(
            {
                "name": name,
                "file": file,
                "rows": count,
                "sha256": digest.hexdigest(),
                "primary_key": primary_key,
                "columns": dict(columns),
                "references": dict(references),
            }
        )
        return count

    def finish(self) -> None:
        manifest = {**self.header, "tables": self.tables}
        self.zip.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
        self.zip.close()
        self.partial.replace(self.path)

    def abandon(self) -> None:
        self.zip.close()
        self.partial.unlink(missing_ok=True)


class BackupReader:
    """Opens a backup, checks it is one and is whole, and streams each table's rows."""

    def __init__(self, path: Path, shown: Path | None = None) -> None:
        self.path = shown or path  # the file the person named (not a scratch copy of it)
        self.zip = _open_zip(path)
        self.manifest = self._manifest()
        self.tables = {t.name: t for t in self._entries()}

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> BackupReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _not_ours(self, why: str) -> BackupError:
        return BackupError(f"{self.path} is not a Waypoint workspace backup ({why}).")

    def corrupt(self, why: str) -> BackupError:
        return BackupError(
            f"{self.path} is damaged ({why}); nothing was restored. "
            "Make the backup again, or use another copy of it."
        )

    def _manifest(self) -> dict[str, Any]:
        try:
            info = self.zip.getinfo(MANIFEST)
        except KeyError:
            raise self._not_ours("it has no manifest.json") from None
        if info.file_size > MAX_MANIFEST:
            raise self._not_ours("its manifest is far too large")
        try:
            manifest = json.loads(self.zip.read(MANIFEST))
        except (zipfile.BadZipFile, OSError, ValueError, zlib.error) as exc:
            raise self.corrupt(f"its manifest cannot be read: {exc}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise self._not_ours("its manifest is not one Waypoint writes")
        version = manifest.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise BackupError(
                f"{self.path} was written by a newer Waypoint (backup format {version}); this "
                f"one reads format {FORMAT_VERSION}. Upgrade Waypoint to restore it."
            )
        if not isinstance(manifest.get("workspace"), str) or not manifest.get("alembic_revision"):
            raise self.corrupt("its manifest names no workspace or schema revision")
        return manifest

    def _entries(self) -> Iterator[TableEntry]:
        tables = self.manifest.get("tables")
        if not isinstance(tables, list):
            raise self.corrupt("its manifest lists no tables")
        for item in tables:
            try:
                yield TableEntry(
                    str(item["name"]),
                    str(item["file"]),
                    int(item["rows"]),
                    str(item["sha256"]),
                    str(item["primary_key"]),
                    {str(k): str(v) for k, v in dict(item["columns"]).items()},
                    {str(k): str(v) for k, v in dict(item["references"]).items()},
                )
            except (KeyError, TypeError, ValueError):
                raise self.corrupt("its manifest has a table entry it cannot read") from None

    @property
    def workspace(self) -> str:
        return str(self.manifest["workspace"])

    @property
    def revision(self) -> str:
        return str(self.manifest["alembic_revision"])

    def verify(self) -> None:
        """Check every table file against its size and checksum before anything is written."""
        for entry in self.tables.values():
            digest = hashlib.sha256()
            lines = 0
            for data in self._lines(entry):
                digest.update(data)
                lines += 1
            if digest.hexdigest() != entry.sha256 or lines != entry.rows:
                raise self.corrupt(f"the rows of table {entry.name} do not match their checksum")

    def _lines(self, entry: TableEntry) -> Iterator[bytes]:
        try:
            with self.zip.open(entry.file) as stream:
                yield from stream
        except KeyError:
            raise self.corrupt(f"the file for table {entry.name} is missing") from None
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise self.corrupt(f"table {entry.name} cannot be read: {exc}") from None

    def rows(self, name: str) -> Iterator[dict[str, Any]]:
        """A table's rows with their values decoded (bytes, dates, datetimes as written)."""
        entry = self.tables[name]
        for data in self._lines(entry):
            try:
                line = json.loads(data)
                yield {c: decode(k, line[c]) for c, k in entry.columns.items()}
            except (ValueError, KeyError, TypeError) as exc:
                raise self.corrupt(f"a row of table {name} cannot be read: {exc}") from None


def _open_zip(path: Path) -> zipfile.ZipFile:
    if not path.is_file():
        raise BackupError(f"There is no file at {path}.")
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BackupError(
            f"{path} is not a Waypoint workspace backup (it is not a zip file, or it is cut "
            "short); nothing was restored."
        ) from None
    except OSError as exc:
        raise BackupError(f"{path} cannot be read: {exc.strerror or exc}.") from None
