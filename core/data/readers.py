"""Reading uploaded or on-disk table files into polars, whatever format they came in.

Reading is kept apart from validation: a reader only turns bytes into a frame with the
original column names, and reports a file it cannot read at all as one problem. Checking the
values against the contract is core.data.validate's job.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from core.common.archives import ArchiveRefused, check_workbook
from core.common.errors import UserError

FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
}


class UnreadableFile(UserError):
    """The file could not be parsed at all; the message says why in plain words."""


# Checking a file holds it in memory as text, then typed, with a few working copies: about
# this many bytes for every cell of a contract column (measured 57-70 on CSV exports), plus
# the file itself. A file that would need more than MAX_CHECK_MEMORY is refused before it
# is read, so one upload can never take the memory every other session needs.
CHECK_BYTES_PER_CELL = 80
JSON_BYTES_PER_BYTE = 8
MAX_CHECK_MEMORY = 10 * 1024**3


def _check_cells(rows: int, columns: int, size: int) -> None:
    needed = rows * columns * CHECK_BYTES_PER_CELL + size
    _check_memory(needed, f"{rows:,} rows of {columns} columns")


def _check_memory(needed: int, what: str) -> None:
    if needed > MAX_CHECK_MEMORY:
        raise UnreadableFile(
            f"too large to check in one go: it would need about {needed / 1024**3:,.1f} GB "
            f"of memory ({what}), more than the "
            f"{MAX_CHECK_MEMORY / 1024**3:,.0f} GB one upload may use; split it into "
            "smaller files (by date, for example)"
        )


def _count_lines(data: bytes | Path) -> int:
    if isinstance(data, bytes):
        return data.count(b"\n") + 1
    lines = 1
    with data.open("rb") as handle:
        while block := handle.read(16 * 1024 * 1024):
            lines += block.count(b"\n")
    return lines


@dataclass(frozen=True)
class SourceFile:
    """One file to import: its display name, its bytes (or path) and the table it feeds."""

    name: str
    table: str
    data: bytes | Path

    def size(self) -> int:
        return self.data.stat().st_size if isinstance(self.data, Path) else len(self.data)


def file_format(name: str) -> str | None:
    return FORMATS.get(Path(name).suffix.lower())


_TABLE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("account", "accounts"),
    ("user", "users"),
    ("event", "events"),
    ("touch", "touches"),
)
# When a name mentions two tables ("user_touches", "account_users"), the plural names the
# rows; the most specific plurals are tried first.
_PLURALS: tuple[str, ...] = ("touches", "events", "accounts", "users")


def guess_table(name: str) -> str | None:
    """The table a file feeds, from its name: 'Accounts 2026.csv', 'crm_accounts.xlsx' and
    'user_touches.csv' feed accounts, accounts and touches."""
    stem = Path(name).stem.lower().strip()
    for prefix, table in _TABLE_PREFIXES:
        if stem.startswith(prefix):
            if any(p in stem for p in _PLURALS if p != table):
                break
            return table
    for plural in _PLURALS:
        if plural in stem:
            return plural
    for prefix, table in _TABLE_PREFIXES:
        if prefix in stem:
            return table
    return None


ColumnFilter = Callable[[str], bool]


def _source(data: bytes | Path) -> io.BytesIO | Path:
    return io.BytesIO(data) if isinstance(data, bytes) else data


def _head(data: bytes | Path, size: int = 65_536) -> bytes:
    if isinstance(data, bytes):
        return data[:size]
    with data.open("rb") as handle:
        return handle.read(size)


def _read_csv(data: bytes | Path, separator: str, keep: ColumnFilter | None) -> pl.DataFrame:
    """Polars skips a UTF-8 BOM itself; the bytes are read in place, never copied here."""
    if separator == "," and _looks_semicolon(_head(data).removeprefix(b"\xef\xbb\xbf")):
        separator = ";"
    options = {"separator": separator, "infer_schema": False}
    columns = None
    if keep is not None:
        header = pl.read_csv(_source(data), n_rows=0, **options).columns  # type: ignore[arg-type]  # mypy cannot match the options dict to read_csv's keywords
        columns = [name for name in header if keep(name)]
        size = len(data) if isinstance(data, bytes) else data.stat().st_size
        _check_cells(_count_lines(data), len(columns), size)
    return pl.read_csv(
        _source(data),
        columns=columns,
        truncate_ragged_lines=False,
        **options,  # type: ignore[arg-type]  # as above
    )


def _looks_semicolon(raw: bytes) -> bool:
    header = raw.split(b"\n", 1)[0]
    return header.count(b";") > header.count(b",")


def _read_parquet(data: bytes | Path, keep: ColumnFilter | None) -> pl.DataFrame:
    if keep is None:
        return pl.read_parquet(_source(data))
    names = [n for n in pl.read_parquet_schema(_source(data)) if keep(n)]
    rows = pl.scan_parquet(_source(data)).select(pl.len()).collect().item()
    size = len(data) if isinstance(data, bytes) else data.stat().st_size
    _check_cells(rows, len(names), size)
    return pl.read_parquet(_source(data), columns=names)


# The old binary .xls format cannot be checked before reading the way a .xlsx zip can, so it
# is read in a child process whose memory is capped: a crafted file that makes the reader
# allocate without bound ends that child, never the server.
LEGACY_EXCEL_MEMORY = 3 * 1024**3
_LEGACY_EXCEL_READER = """
import io, resource, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import polars as pl
frame = pl.read_excel(io.BytesIO(sys.stdin.buffer.read()), infer_schema_length=0)
frame.write_ipc(sys.stdout.buffer)
"""


def _read_legacy_excel(data: bytes | Path) -> pl.DataFrame:
    raw = data if isinstance(data, bytes) else data.read_bytes()
    done = subprocess.run(
        [sys.executable, "-c", _LEGACY_EXCEL_READER, str(LEGACY_EXCEL_MEMORY)],
        input=raw,
        capture_output=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise UnreadableFile(f"could not read the file as an .xls workbook: {_why(done)}")
    return pl.read_ipc(io.BytesIO(done.stdout))


def _why(done: subprocess.CompletedProcess[bytes]) -> str:
    text = done.stderr.decode("utf-8", "replace")
    if done.returncode < 0 or "memory allocation" in text or "MemoryError" in text:
        limit = LEGACY_EXCEL_MEMORY / 1024**3
        return f"reading it would take more than {limit:,.0f} GB of memory (stray cells far away?)"
    errors = [line for line in text.splitlines() if "Error: " in line or "Exception: " in line]
    return errors[-1].split(": ", 1)[-1][:300] if errors else "the reader gave up"


def _read(source: SourceFile, fmt: str, keep: ColumnFilter | None) -> pl.DataFrame:
    if fmt in ("csv", "tsv"):
        return _read_csv(source.data, "\t" if fmt == "tsv" else ",", keep)
    if fmt == "parquet":
        return _read_parquet(source.data, keep)
    if keep is not None and fmt in ("jsonl", "json"):
        # Every key of every record is parsed: measured 3-5x the file's size.
        size = source.size()
        _check_memory(JSON_BYTES_PER_BYTE * size, f"{size / 1024**2:,.0f} MB of JSON")
    if fmt == "jsonl":
        frame = pl.read_ndjson(_source(source.data), infer_schema_length=None)
    elif fmt == "json":
        frame = pl.read_json(_source(source.data), infer_schema_length=None)
    elif Path(source.name).suffix.lower() == ".xls":
        frame = _read_legacy_excel(source.data)
    else:
        frame = pl.read_excel(_source(source.data), infer_schema_length=0)
    return frame if keep is None else frame.select([c for c in frame.columns if keep(str(c))])


def read_file(source: SourceFile, keep: ColumnFilter | None = None) -> pl.DataFrame:
    """Read one file into a frame; raise UnreadableFile with a reason a person can act on.

    With `keep`, only the columns whose header it accepts are read (where the format allows
    reading less), so columns nobody uses cost no memory.
    """
    fmt = file_format(source.name)
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise UnreadableFile(f"unsupported file type (use one of {known})")
    if fmt == "excel" and Path(source.name).suffix.lower() in (".xlsx", ".xlsm"):
        try:
            check_workbook(source.data)
        except ArchiveRefused as exc:
            raise UnreadableFile(f"refused as a workbook: {exc}") from None
    try:
        return _read(source, fmt, keep)
    except UnreadableFile:
        raise
    except (Exception, pl.exceptions.PanicException) as exc:  # noqa: BLE001 - any parser failure (even a panic in the native reader) means the same thing to a user
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreadableFile(f"could not read the file as {fmt}: {first_line[:300]}") from None


def scan_file(source: SourceFile) -> pl.LazyFrame | None:
    """A lazy scan of a Parquet or CSV file on disk with its original column names, read as
    read_file would (CSV all text, a semicolon header recognised); None for other formats and
    for bytes, which the fast check leaves to read_file. Reading errors surface when the scan
    is collected."""
    fmt = file_format(source.name)
    if not isinstance(source.data, Path) or fmt not in ("csv", "tsv", "parquet"):
        return None
    if fmt == "parquet":
        return pl.scan_parquet(source.data)
    separator = "\t" if fmt == "tsv" else ","
    if separator == "," and _looks_semicolon(_head(source.data).removeprefix(b"\xef\xbb\xbf")):
        separator = ";"
    return pl.scan_csv(
        source.data, separator=separator, infer_schema=False, truncate_ragged_lines=False
    )


def files_in_directory(directory: Path) -> list[SourceFile]:
    """The table files in a folder, matched by name; other files are left alone."""
    found: list[SourceFile] = []
    for path in sorted(directory.iterdir()):
        table = guess_table(path.name) if path.is_file() else None
        if table is not None and file_format(path.name) is not None:
            found.append(SourceFile(path.name, table, path))
    return found
