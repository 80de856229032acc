"""Validating a folder without loading it: count the problems first, list them only if any.

A scheduled `python -m core score DIR` must not hold 20M events in memory just to learn that
they are clean. Each Parquet or CSV file of users, events and touches is scanned once, lazily
and streaming, counting the rows that break each rule of the contract (the very masks the
row-level check uses: core.data.validate.value_checks), the account ids that are not in the
accounts table, the roles and channels outside the contract, CSAT outside 1..5, and which
text columns need trimming at all. The accounts table, small, is checked row by row as always.

Only when a count is not zero (or a file is not one this check can scan: a workbook, JSON, a
duplicated header, a column of an unreadable type) is the folder checked again the thorough
way, core.data.validate.check_sources, whose report lists every problem with file, row,
column, value and rule. So bad data gets exactly the report it always got, and clean data is
never materialised just to be checked. Events and touches files are not read whole for that
report either: a second streaming pass picks out the rows that break a rule (the same masks
the counts summed), and the row-level check reads only those, numbered as in the file, and
none of a file the counts proved clean (one bad event in 20M: 1.2 GB of CSV read whole held
7 GB). Should those rows turn out to break nothing, the whole files decide as before.

A clean folder becomes CheckedTables: the engine reads users, events and touches as lazy
scans of the files with the normalising expressions applied, and a text column that needs
no trimming is read as it is (the checks proved it), so the scans stay as cheap as a plain
Parquet read. A filter on the normalised timestamp cannot reach the Parquet reader through
the conversion, so the engine's date ranges (`lazy_dated`) are applied to the file's own
timestamp column first: the reader then decodes only the rows in range.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from core.common.progress import ProgressFn, no_progress
from core.data import readers
from core.data.readers import (
    SourceFile,
    _looks_semicolon,
    file_format,
    files_in_directory,
    scan_file,
)
from core.data.validate import (
    _NAIVE_FORMATS,
    _ROW,
    _TZ_FORMATS,
    NUL_RULE,
    ValidationFailed,
    _check_file,
    _concat_table,
    _enum_value,
    _finish_table,
    _parse,
    _temporal_bounds,
    _unsupported,
    check_sources,
    load_sources,
    parse_iso_datetime,
    problem,
    value_checks,
)
from core.model.contract import CHANNELS, CONTRACT, DEFAULT_ROLE, ROLES, TABLES, Column, schema
from core.model.dataset import Dataset, in_range
from core.model.plan import MeasurementPlan

ROWS = "__rows"
LAZY_TABLES = ("users", "events", "touches")
_ENUMS: dict[tuple[str, str], tuple[tuple[str, ...], str | None]] = {
    ("users", "role"): (ROLES, DEFAULT_ROLE),
    ("touches", "channel"): (CHANNELS, None),
}
_RANGES: dict[tuple[str, str], tuple[float, float]] = {("touches", "csat"): (1, 5)}


DatedScan = Callable[[datetime | None, datetime], pl.LazyFrame]


@dataclass(frozen=True)
class CheckedTables:
    """A validated folder: accounts in memory (small), the other tables as lazy scans in the
    normalised schemas. `counts` holds each table's rows. The engine's Tables protocol."""

    accounts: pl.DataFrame
    scans: dict[str, pl.LazyFrame]
    counts: dict[str, int]
    thorough: bool = False  # True when the row-level check had to run (and found nothing)
    notes: list[str] = field(default_factory=list)  # what a command says on stderr

    dated: dict[str, list[DatedScan]] = field(default_factory=dict)
    """Per table, per file: its normalised scan cut to a time range on the file's own column."""

    def lazy(self, table: str) -> pl.LazyFrame:
        return self.accounts.lazy() if table == "accounts" else self.scans[table]

    def lazy_dated(self, table: str, low: datetime | None, high: datetime) -> pl.LazyFrame:
        """Rows with a timestamp in [low, high) (core.model.dataset.dated_rows)."""
        parts = self.dated.get(table)
        if not parts:
            return self.lazy(table).filter(in_range(pl.col("timestamp"), low, high))
        frames = [part(low, high) for part in parts]
        return frames[0] if len(frames) == 1 else pl.concat(frames)

    def row_count(self, table: str) -> int:
        return self.counts[table]

    def in_memory(self) -> Dataset:
        """The tables read into frames (one streaming pass each)."""
        frames = pl.collect_all([self.lazy(t) for t in TABLES], engine="streaming")
        return Dataset(**dict(zip(TABLES, frames, strict=True)))


class _NotProven(Exception):
    """The fast check cannot vouch for the folder: the thorough check decides, reading of the
    files in `rows` (by name) only the rows given there (RowsToCheck)."""

    def __init__(self, rows: dict[str, pl.DataFrame] | None = None) -> None:
        super().__init__()
        self.rows = rows or {}


@dataclass(frozen=True)
class RowsToCheck:
    """What the row-level check needs to read when the fast check found a rule broken: per
    events or touches file (by name), its rows that break a rule (none for a file proven
    clean), numbered as in the file (`__row`); every other file is read whole."""

    rows: dict[str, pl.DataFrame]


# Tables without a rule across rows (uniqueness): the rows breaking a rule are all a report
# needs of them. Users (unique ids) and accounts are always read whole.
NARROWED_TABLES = ("events", "touches")
# A file with more rows than this breaking a rule is read whole: the report lists at most
# 1,000 rows a rule either way, and should the rows break nothing after all (a timestamp
# layout the fast check's parser does not read), the whole files are read beside them.
NARROWED_MAX_ROWS = 1_000_000


class _RulesBroken(Exception):
    """A file's counts are not all zero; what is needed to find the rows (_failing_rows)."""

    def __init__(self, scan: pl.LazyFrame, typed: list[pl.Expr], masks: list[pl.Expr]) -> None:
        super().__init__()
        self.scan, self.typed, self.masks = scan, typed, masks


def check_directory(
    path: Path, plan: MeasurementPlan | None = None, on_progress: ProgressFn = no_progress
) -> CheckedTables:
    """Validate the table files of a folder (the command line's DATA_DIR); raise
    ValidationFailed with the full row-level report when anything is wrong. `on_progress`
    hears of each file as its pass starts (and of the thorough check's steps)."""
    plan = plan or MeasurementPlan()
    if not path.is_dir():
        raise ValidationFailed(problem(str(path), "not a folder"))
    sources = files_in_directory(path)
    segments = list(plan.segments)
    try:
        return fast_check(sources, segments, on_progress)
    except _NotProven as not_proven:
        rows = RowsToCheck(not_proven.rows)
    on_progress(0.0, "Checking row by row")
    # raises ValidationFailed: the full report
    dataset = row_level_check(sources, segments, rows, on_progress)
    frames = dataset.frames()
    return CheckedTables(
        accounts=dataset.accounts,
        scans={t: frames[t].lazy() for t in LAZY_TABLES},
        counts={t: len(f) for t, f in frames.items()},
        thorough=True,
    )


def fast_check(
    sources: Sequence[SourceFile],
    segments: Collection[str],
    on_progress: ProgressFn = no_progress,
) -> CheckedTables:
    """The checked tables when every count is zero; _NotProven otherwise (or when a file is
    not one this check can scan), and then only the thorough check may decide."""
    by_table: dict[str, list[SourceFile]] = {t: [] for t in TABLES}
    for source in sources:
        by_table[source.table].append(source)
    if not by_table["accounts"]:
        raise _NotProven
    total = max(1, sum(s.size() for s in sources))
    on_progress(0.0, "Checking accounts")
    accounts = _accounts(by_table["accounts"], segments)
    done = sum(s.size() for s in by_table["accounts"])
    known = accounts.get_column("account_id")
    scans: dict[str, pl.LazyFrame] = {}
    dated: dict[str, list[DatedScan]] = {}
    counts = {"accounts": len(accounts)}
    notes: list[str] = []
    accounts_key = _stat_key(by_table["accounts"])
    failing: dict[str, pl.DataFrame | None] = {}  # a file's rows breaking a rule, if known
    for table in LAZY_TABLES:
        parts = []
        for source in by_table[table]:
            on_progress(done / total, f"Checking {source.name}")
            try:
                parts.append(_checked_scan(table, source, known, notes, accounts_key))
            except _RulesBroken as broken:
                failing[source.name] = _failing_rows(table, source, broken)
            except _NotProven:
                failing[source.name] = None
            done += source.size()
        counts[table] = sum(rows for _, rows, _ in parts)
        scans[table] = (
            pl.concat([scan for scan, _, _ in parts])
            if parts
            else pl.LazyFrame(schema=schema(table))
        )
        dated[table] = [cut for _, _, cut in parts]
    on_progress(1.0, "Checked")
    users = by_table["users"]
    users_failed = any(s.name in failing for s in users)
    duplicates = bool(users) and not users_failed and _has_duplicates(scans["users"], "user_id")
    if failing or duplicates:
        # Users proven clean (no rule broken, no id twice) need not be read again either.
        clean_users = not duplicates and not users_failed
        raise _NotProven(_rows_to_check(by_table, failing, clean_users=clean_users))
    return CheckedTables(accounts=accounts, scans=scans, counts=counts, notes=notes, dated=dated)


def checked_tables(
    sources: Sequence[SourceFile],
    segments: Collection[str],
    on_progress: ProgressFn = no_progress,
) -> CheckedTables | RowsToCheck:
    """The Data page's fast path: the normalised tables as scans of the files when the
    aggregate pass proves every file clean; otherwise what the row-level check, which alone
    may then decide (bad data, or a file this check cannot scan), needs to read
    (row_level_check), and its report names every problem. The store reads the scans in
    slices (core.data.store), so a clean upload is never held in memory whole."""
    try:
        return fast_check(sources, segments, on_progress)
    except _NotProven as not_proven:
        return RowsToCheck(not_proven.rows)


def row_level_check(
    sources: Sequence[SourceFile],
    segments: Collection[str],
    rows: RowsToCheck,
    on_progress: ProgressFn = no_progress,
) -> Dataset:
    """core.data.validate.load_sources after the fast check could not vouch for the files:
    first over only the rows it found breaking a rule (and the files it could not narrow);
    raises ValidationFailed with the full report. Should those rows break no rule of the
    row-level check after all (a padded account id, a timestamp in another layout), the
    tables it returns would be partial: the whole files are checked instead."""
    if rows.rows:
        dataset, problems = check_sources(sources, segments, on_progress, rows=rows.rows)
        if dataset is None:
            raise ValidationFailed(problems)
        del dataset  # partial: not held while the whole files are read
    return load_sources(sources, segments, on_progress)


def checked_dataset(
    sources: Sequence[SourceFile],
    segments: Collection[str],
    on_progress: ProgressFn = no_progress,
) -> Dataset | None:
    """checked_tables, read into memory (the tests compare it with the row-level check's
    tables)."""
    checked = checked_tables(sources, segments, on_progress)
    return checked.in_memory() if isinstance(checked, CheckedTables) else None


def _accounts(sources: list[SourceFile], segments: Collection[str]) -> pl.DataFrame:
    """The accounts table checked row by row (core.data.validate), in its normalised schema."""
    parts = []
    for source in sources:
        frame, problems = _check_file(source)
        if frame is None or any(len(p) for p in problems):
            raise _NotProven
        parts.append(frame)
    table = _concat_table("accounts", parts)
    finished, problems = _finish_table("accounts", table, table, segments)
    if any(len(p) for p in problems):
        raise _NotProven
    return finished.select(list(schema("accounts"))).cast(schema("accounts"))


def _has_duplicates(scan: pl.LazyFrame, column: str) -> bool:
    """Whether a value of the column occurs twice (nulls aside). First by the values' 64-bit
    hashes: as many distinct hashes as values proves the values distinct (equal values hash
    alike), at a quarter of the cost of marking duplicates (3.5M user ids: 0.18 s against
    0.7-0.8 s). Fewer means a duplicate or, rarely, two values of one hash: then the values
    themselves decide."""
    value = pl.col(column).drop_nulls()
    values, hashes = (
        scan.select(value.len().alias("n"), value.hash().n_unique().alias("h"))
        .collect(engine="streaming")
        .row(0)
    )
    if hashes == values:
        return False
    found = scan.select(value.is_duplicated().any()).collect(engine="streaming")
    return bool(found.item())


def _scan(source: SourceFile) -> pl.LazyFrame | None:
    """readers.scan_file, and the same scan over the bytes of an upload (the Data page's
    files and the tables it keeps from before are bytes)."""
    if isinstance(source.data, Path):
        return scan_file(source)
    fmt = file_format(source.name)
    if fmt == "parquet":
        return pl.scan_parquet(io.BytesIO(source.data))
    if fmt not in ("csv", "tsv"):
        return None
    separator = "\t" if fmt == "tsv" else ","
    if separator == "," and _looks_semicolon(source.data[:65_536].removeprefix(b"\xef\xbb\xbf")):
        separator = ";"
    return pl.scan_csv(
        io.BytesIO(source.data),
        separator=separator,
        infer_schema=False,
        truncate_ragged_lines=False,
    )


def _beyond_upload_memory(source: SourceFile, scan: pl.LazyFrame, columns: int) -> bool:
    """An upload the row-level check would refuse as too large (readers.MAX_CHECK_MEMORY)
    is not loaded the fast way either: one upload's memory stays bounded as issue 13 set."""
    assert isinstance(source.data, bytes)
    if file_format(source.name) == "parquet":
        rows = int(scan.select(pl.len()).collect().item())
    else:
        rows = source.data.count(b"\n") + 1
    needed = rows * columns * readers.CHECK_BYTES_PER_CELL + source.size()
    return needed > readers.MAX_CHECK_MEMORY


def _contract_columns(table: str, source: SourceFile) -> tuple[pl.LazyFrame, pl.Schema]:
    """The file's contract columns under their contract names (headers trimmed, any case),
    required timestamps held as text already parsed (_typed_text_dates)."""
    scan, columns = _raw_contract_columns(table, source)
    if isinstance(source.data, bytes) and _beyond_upload_memory(source, scan, len(columns)):
        raise _NotProven  # the row-level check refuses it, with the usual words
    return _typed_text_dates(table, scan, columns)


def _raw_contract_columns(table: str, source: SourceFile) -> tuple[pl.LazyFrame, pl.Schema]:
    """The same, read as core.data.validate reads them (text of a CSV as text)."""
    scan = _scan(source)
    if scan is None:
        raise _NotProven
    names = {c.name for c in CONTRACT[table]}
    try:
        header = scan.collect_schema()
    except (Exception, pl.exceptions.PanicException):  # noqa: BLE001 - the thorough check names it
        raise _NotProven from None
    kept = {str(n): str(n).strip().lower() for n in header if str(n).strip().lower() in names}
    if len(set(kept.values())) != len(kept):
        raise _NotProven
    columns = pl.Schema({kept[n]: header[n] for n in kept})
    for column in CONTRACT[table]:
        if column.required and column.name not in columns:
            raise _NotProven
    if any(_unsupported(dtype) is not None for dtype in columns.dtypes()):
        raise _NotProven
    return scan.select(pl.col(n).alias(to) for n, to in kept.items()), columns


# Z-suffixed UTC timestamps as most exports write them, read without rewriting the "Z".
_Z_FORMATS = ("%Y-%m-%dT%H:%M:%S%.fZ", "%Y-%m-%d %H:%M:%S%.fZ", "%Y-%m-%dT%H:%MZ")
SAMPLE_ROWS = 1_000


def _format_parser(fmt: str, text: pl.Expr) -> pl.Expr:
    """Parse with one layout. Without polars' cache of parsed strings: timestamps are nearly
    all distinct, and the cache cost a tenth of the parse (20M values of a CSV export)."""
    if fmt == FIXED_Z:
        return _fixed_z_parser(text)
    if fmt in _TZ_FORMATS:
        aware = text.str.to_datetime(
            fmt, strict=False, time_zone="UTC", time_unit="us", cache=False
        )
        return aware.dt.replace_time_zone(None)
    return text.str.to_datetime(fmt, strict=False, time_unit="us", cache=False)


# "2026-07-20T20:34:00.807Z", as most exports write timestamps: cut into its fields and
# built as a datetime it parses in a third of the time the layout parser takes (3M values:
# 0.33 s against 0.98 s; the parse was most of a 20M-row CSV's check).
FIXED_Z = "fixed-z"
_FIXED_Z_SHAPE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$"


def _fixed_z_parser(text: pl.Expr) -> pl.Expr:
    """Timestamps of exactly the shape above; any other value becomes null (as one the layout
    parser cannot read: the null count sends the file to the row-level check). Fields that
    make no time (30 February, hour 24) raise, which sends it there too."""

    def field_at(start: int, length: int) -> pl.Expr:
        return text.str.slice(start, length).cast(pl.Int32, strict=False)

    built = pl.datetime(
        field_at(0, 4),
        field_at(5, 2),
        field_at(8, 2),
        field_at(11, 2),
        field_at(14, 2),
        field_at(17, 2),
        field_at(20, 3) * 1000,
        time_unit="us",
    )
    return pl.when(text.str.contains(_FIXED_Z_SHAPE)).then(built)


def _one_format(values: pl.Series) -> str | None:
    """The first ISO 8601 layout that reads every sampled timestamp exactly as the row-level
    parser (validate.parse_iso_datetime) does; None when no single one does."""
    if values.is_empty():
        return None
    sample = values.to_frame("t").lazy()
    exact = sample.select(parse_iso_datetime(pl.col("t"))).collect().to_series()
    if exact.null_count():
        return None
    fixed = sample.select(_fixed_z_parser(pl.col("t"))).collect().to_series()
    if fixed.equals(exact):
        return FIXED_Z
    for fmt in (*_Z_FORMATS, *_TZ_FORMATS, *_NAIVE_FORMATS):
        parsed = sample.select(_format_parser(fmt, pl.col("t"))).collect().to_series()
        if parsed.equals(exact):
            return fmt
    return None


def _typed_text_dates(
    table: str, scan: pl.LazyFrame, columns: pl.Schema
) -> tuple[pl.LazyFrame, pl.Schema]:
    """Required timestamps held as text (CSV) parsed once, in the one layout a sample of the
    file uses: about a fifth of the cost of trying every layout on every row. A row in
    another layout, padded or empty, becomes null, which the null count of a required column
    refuses, so the row-level check (every layout) decides that file."""
    text = [
        c.name
        for c in CONTRACT[table]
        if c.kind == "datetime" and c.required and columns.get(c.name) == pl.String
    ]
    if not text:
        return scan, columns
    parsers = {}
    try:
        sample = scan.select(text).head(SAMPLE_ROWS).collect()
        for name in text:
            fmt = _one_format(sample.get_column(name).drop_nulls())
            if fmt is not None:
                parsers[name] = _format_parser(fmt, pl.col(name)).alias(name)
    except (Exception, pl.exceptions.PanicException):  # noqa: BLE001 - the thorough check names it
        raise _NotProven from None
    if not parsers:
        return scan, columns
    typed = pl.Schema({n: pl.Datetime("us") if n in parsers else d for n, d in columns.items()})
    return scan.with_columns(parsers.values()), typed


def _normalised(column: Column, dtype: pl.DataType, table: str, *, as_is: bool) -> pl.Expr:
    """The contract value of a column: its parser, or the column itself for text that the
    counts proved needs no trimming; roles and channels spelled as the contract does."""
    expr = pl.col(column.name) if as_is else _parse(column, dtype)
    enum = _ENUMS.get((table, column.name))
    if enum is not None:
        expr = _enum_value(expr)
        if enum[1] is not None:
            expr = expr.fill_null(enum[1])
    return expr


def _needs_trimming(name: str) -> pl.Expr:
    text = pl.col(name)
    return ((text.str.len_bytes() == 0) | (text != text.str.strip_chars())).sum()


def _stored_dates_outside(name: str, dtype: pl.DataType) -> _Rule | None:
    """For a column stored as dates or timestamps: whether any lies outside the accepted
    range (None for other types). In range, its parsed values are too, and none is
    unreadable (core.data.validate._usable_columns sets the others aside before parsing), so
    this and the null count stand for all of value_checks' rules on such a column; the
    smallest and largest values cost next to nothing to find (the count is 0 or 1)."""
    bounds = _temporal_bounds(dtype)
    if bounds is None:
        return None
    stored = pl.col(name).to_physical()
    count = ((stored.min() < bounds[0]) | (stored.max() > bounds[1])).fill_null(False)
    return _Rule(count.cast(pl.Int64), (stored < bounds[0]) | (stored > bounds[1]))


@dataclass(frozen=True)
class _Rule:
    """One rule as the fast check counts it, and its mask over the rows (true where the row
    breaks it), which picks out those rows when the count is not zero."""

    count: pl.Expr
    rows: pl.Expr

    @staticmethod
    def of(mask: pl.Expr) -> _Rule:
        return _Rule(mask.sum(), mask)


@dataclass
class _Counts:
    """What one file's pass counts: typed helper columns, a count per rule over the rows
    (each must be zero), per text column one screen for NUL characters and trimming, and
    for columns of few distinct values (`few`) the rules and the trimming count over their
    distinct values instead. `masks` holds each rule's row mask under the name its count
    gets in _counted's result."""

    typed: list[pl.Expr] = field(default_factory=list)
    rules: list[pl.Expr] = field(default_factory=list)
    few: dict[str, tuple[list[pl.Expr], pl.Expr | None]] = field(default_factory=dict)
    screens: dict[str, pl.Expr] = field(default_factory=dict)
    """Per text column of many values: rows holding a NUL or needing trimming (_screen)."""
    masks: dict[str, pl.Expr] = field(default_factory=dict)
    distinct: dict[str, pl.Series] = field(default_factory=dict)
    """Per few-valued column, its distinct values as _counted found them (_looked_up)."""


NUL_OR_EDGE_SPACE = r"\x00|^\s|\s$"


def _screen(name: str) -> pl.Expr:
    """Rows of a text column that hold a NUL character or need trimming (empty, or white
    space at either end), in one regular expression: over 20M user ids it cost 1.1 CPU s
    against 1.5 for the two counts apart. Usually zero, which proves both counts zero; when
    it is not, _exact_screens counts each (the regular expression's \\s and strip_chars both
    take Unicode's White_Space)."""
    text = pl.col(name)
    return (text.str.contains(NUL_OR_EDGE_SPACE) | (text.str.len_bytes() == 0)).sum()


def _exact_screens(scan: pl.LazyFrame, names: list[str]) -> dict[str, int]:
    """The NUL rule's and the trimming counts of text columns whose screen found rows."""
    nul = [pl.col(n).str.contains("\x00", literal=True).sum().alias(f"rule:nul:{n}") for n in names]
    trims = [_needs_trimming(n).alias(f"trim:{n}") for n in names]
    return scan.select(*nul, *trims).collect(engine="streaming").row(0, named=True)


def _column_rules(
    table: str, column: Column, dtype: pl.DataType, typed: list[pl.Expr], *, screened: bool = False
) -> list[_Rule]:
    """One column's rules (adding the typed helper columns they need to `typed`); without
    the NUL rule when the column is `screened` (_screen counts it)."""
    name = column.name
    outside = _stored_dates_outside(name, dtype)
    rules: list[_Rule] = []
    if name == "account_id" and dtype == pl.String:
        # Every id is one of the accounts' (_Counts' reference rule): those are set, trimmed
        # and free of NUL characters, so the id's own rules need only its nulls counted.
        rules.append(_Rule(pl.col(name).null_count(), pl.col(name).is_null()))
    elif outside is not None:
        if column.required:
            rules.append(_Rule(pl.col(name).null_count(), pl.col(name).is_null()))
        rules.append(outside)
    else:
        if column.kind != "string":
            typed.append(_parse(column, dtype).alias(f"__typed_{name}"))
        checks = value_checks(column, dtype)
        rules += [_Rule.of(mask) for mask, rule, _ in checks if not (screened and rule == NUL_RULE)]
    enum = _ENUMS.get((table, name))
    if enum is not None:
        value = _normalised(column, dtype, table, as_is=False)
        rules.append(_Rule.of(value.is_not_null() & ~value.is_in(list(enum[0]))))
    limits = _RANGES.get((table, name))
    if limits is not None:
        value = pl.col(f"__typed_{name}")
        rules.append(_Rule.of(value.is_not_null() & ((value < limits[0]) | (value > limits[1]))))
    return rules


def _rule_counts(table: str, columns: pl.Schema, known: pl.Series, few: Collection[str]) -> _Counts:
    """Every rule of the file's columns as a count. A rule holds or fails value by value,
    so over a column's distinct values its count is zero exactly when it is over the rows:
    a column of few distinct values (event names) is checked that way, at a third of the
    cost."""
    counts = _Counts()
    for column in CONTRACT[table]:
        if column.name not in columns:
            continue
        dtype = columns[column.name]
        text = column.kind == "string" and dtype == pl.String and column.name != "account_id"
        screened = text and column.name not in few
        rules = _column_rules(table, column, dtype, counts.typed, screened=screened)
        if column.name in few:
            trim = _needs_trimming(column.name).alias(f"trim:{column.name}") if text else None
            counts.few[column.name] = ([r.count for r in rules], trim)
            counts.masks |= {f"rule:{column.name}:{i}": r.rows for i, r in enumerate(rules)}
            continue
        _add_rules(counts, rules)
        if screened:
            counts.screens[column.name] = _screen(column.name).alias(f"screen:{column.name}")
            nul = pl.col(column.name).str.contains("\x00", literal=True)
            counts.masks[f"rule:nul:{column.name}"] = nul
    if "account_id" in columns:
        _add_rules(counts, [_reference_rule(known)])
    return counts


def _reference_rule(known: pl.Series) -> _Rule:
    """Rows whose account id is not one of the accounts'. Counted on the ids' 64-bit hashes,
    under a seed drawn for this check: looking up 20M integers costs a third of looking up
    20M strings (0.25 s less of a 20M-event check). A hash unlike every account's proves
    the id unknown, so the count never accuses a good row; an unknown id whose hash matches
    an account's would go uncounted, which by chance is about 5 in 10^9 for a million
    unknown ids, and by design needs the seed, which is never shown. The rows
    themselves (the mask) are picked out by comparing the ids as text."""
    ids = pl.col("account_id").cast(pl.String)
    seed = secrets.randbits(32)
    hashes = known.hash(seed=seed).implode()
    count = (ids.is_not_null() & ~ids.hash(seed=seed).is_in(hashes)).sum()
    return _Rule(count, (~ids.is_in(known.implode())).fill_null(False))


def _add_rules(counts: _Counts, rules: list[_Rule]) -> None:
    """Rules counted over every row, named "rule:<i>" in _counted's result."""
    for rule in rules:
        counts.masks[f"rule:{len(counts.rules)}"] = rule.rows
        counts.rules.append(rule.count)


FEW_SAMPLE_ROWS = 100_000


def _few_values(table: str, scan: pl.LazyFrame, columns: pl.Schema) -> set[str]:
    """Text columns whose first rows hold at most one distinct value in a hundred."""
    names = [
        c.name
        for c in CONTRACT[table]
        if c.kind == "string" and columns.get(c.name) == pl.String and c.name != "account_id"
    ]
    if not names:
        return set()
    sample = scan.select(names).head(FEW_SAMPLE_ROWS).collect()
    return {n for n in names if sample.get_column(n).n_unique() * 100 <= len(sample)}


def cache_dir() -> Path:
    """Where Parquet copies of large CSV files (csv/) and clean verdicts on large files
    (checks/) are kept: WAYPOINT_CACHE_DIR, else the user's cache folder."""
    configured = os.environ.get("WAYPOINT_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "waypoint"


# A CSV file this large is read once into a Parquet copy that the checks and every later
# scan of the engine read instead (parsing 20M timestamps is most of the cost of CSV).
CSV_COPY_BYTES = 64 * 1024**2
_COPY_VERSION = "1"


def _copy_path(table: str, path: Path) -> tuple[Path, str]:
    """The copy's file: named after the CSV's path, keyed on its size and modification time
    (a changed file gets a new copy; the old one is removed)."""
    stat = path.stat()
    where = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    key = f"{_COPY_VERSION}:{table}:{stat.st_size}:{stat.st_mtime_ns}"
    name = f"{where}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.parquet"
    return cache_dir() / "csv" / name, where


def _parquet_copy(
    table: str, source: SourceFile, scan: pl.LazyFrame, notes: list[str]
) -> pl.LazyFrame:
    """A scan of the Parquet copy of a large CSV file (written now unless an up-to-date one
    exists): its contract columns, timestamps already parsed."""
    assert isinstance(source.data, Path)
    copy, where = _copy_path(table, source.data)
    if copy.exists():
        notes.append(f"{source.name}: reading the Parquet copy made earlier ({copy})")
        return pl.scan_parquet(copy)
    partial = copy.with_suffix(f".{os.getpid()}.tmp")
    try:
        copy.parent.mkdir(parents=True, exist_ok=True)
        for stale in copy.parent.glob(f"{where}-*.parquet"):
            stale.unlink(missing_ok=True)
        # LZ4: 0.6-0.8 s less than zstd for 20M events; the copy is a local cache, its
        # size matters less than the first command's time.
        scan.sink_parquet(partial, engine="streaming", compression="lz4")
        partial.replace(copy)
    except OSError:
        return scan  # no room or no permission for a copy: read the CSV itself
    finally:
        partial.unlink(missing_ok=True)
    notes.append(f"{source.name}: read once into a Parquet copy ({copy})")
    return pl.scan_parquet(copy)


def _counted(table: str, scan: pl.LazyFrame, counts: _Counts) -> dict[str, int]:
    """The file's counts by name (ROWS, "rule:...", "trim:<column>"): one streaming pass
    over the rows, beside one over each few-valued column's distinct values."""
    rows = [pl.len().alias(ROWS), *(r.alias(f"rule:{i}") for i, r in enumerate(counts.rules))]
    main = scan.with_columns(counts.typed).select(*rows, *counts.screens.values())
    distinct = [scan.select(name).unique() for name in counts.few]
    separate = pl.QueryOptFlags(comm_subplan_elim=False)
    found, *values = pl.collect_all([main, *distinct], engine="streaming", optimizations=separate)
    result = found.row(0, named=True)
    flagged = [name for name in counts.screens if result.pop(f"screen:{name}")]
    result.update({f"trim:{name}": 0 for name in counts.screens if name not in flagged})
    if flagged:
        result.update(_exact_screens(scan, flagged))
    for (name, (rules, trim)), frame in zip(counts.few.items(), values, strict=True):
        counts.distinct[name] = frame.get_column(name)
        named = [r.alias(f"rule:{name}:{i}") for i, r in enumerate(rules)]
        trims = [trim] if trim is not None else []
        result.update(frame.select(*named, *trims).row(0, named=True))
    return result


# A clean verdict on a file this large is kept (cache_dir()/checks), keyed on the file's and
# the accounts files' paths, sizes and modification times and on today's date (the accepted
# date range moves with it): a second command over the same export does not check it again.
VERDICT_BYTES = 64 * 1024**2
# A file modified this recently may still be being written: its verdict is not kept.
SETTLED_SECONDS = 5.0
_VERDICT_VERSION = "1"


def _stat_key(sources: Sequence[SourceFile]) -> str:
    parts = []
    for source in sources:
        if not isinstance(source.data, Path):
            return ""
        stat = source.data.stat()
        parts.append(f"{source.data.resolve()}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


def _verdict_path(table: str, source: SourceFile, accounts_key: str) -> Path | None:
    if not isinstance(source.data, Path) or not accounts_key or source.size() < VERDICT_BYTES:
        return None
    key = "|".join(
        (_VERDICT_VERSION, table, _stat_key([source]), accounts_key, date.today().isoformat())
    )
    return cache_dir() / "checks" / f"{hashlib.sha256(key.encode()).hexdigest()}.json"


def _keep_verdict(path: Path, source: SourceFile, found: dict[str, int]) -> None:
    assert isinstance(source.data, Path)
    if time.time() - source.data.stat().st_mtime < SETTLED_SECONDS:
        return
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(found), encoding="utf-8")
        partial.replace(path)
    except OSError:
        return  # no room or no permission: the next command checks again
    finally:
        partial.unlink(missing_ok=True)


def _kept_verdict(path: Path | None, source: SourceFile, notes: list[str]) -> dict[str, int] | None:
    if path is None or not path.exists():
        return None
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    notes.append(f"{source.name}: unchanged since it was checked; not checked again ({path})")
    return {str(k): int(v) for k, v in found.items()}


def _stored_bound(bound: datetime, dtype: pl.DataType) -> pl.Expr:
    """A naive UTC time as a value of the file's own timestamp type, to compare with it."""
    value = pl.lit(bound.replace(tzinfo=UTC))
    zone = getattr(dtype, "time_zone", None)
    return value.dt.convert_time_zone(zone) if zone else value.dt.replace_time_zone(None)


def _dated_scan(scan: pl.LazyFrame, exprs: list[pl.Expr], stored: pl.DataType | None) -> DatedScan:
    """The normalised scan cut to [low, high), compared on the file's timestamp column when
    it holds timestamps (the comparison is the same instant either way: the normalising only
    converts it to naive UTC microseconds, and the bounds are whole microseconds)."""

    def cut(low: datetime | None, high: datetime) -> pl.LazyFrame:
        if not isinstance(stored, pl.Datetime):
            return scan.select(exprs).filter(in_range(pl.col("timestamp"), low, high))
        lo = None if low is None else _stored_bound(low, stored)
        return scan.filter(in_range(pl.col("timestamp"), lo, _stored_bound(high, stored))).select(
            exprs
        )

    return cut


def _checked_scan(
    table: str, source: SourceFile, known: pl.Series, notes: list[str], accounts_key: str = ""
) -> tuple[pl.LazyFrame, int, DatedScan]:
    """One streaming pass over a file counting every rule's rows (or the clean verdict kept
    from an earlier command); the normalised scan, the file's row count and its dated cut
    when all are zero, _NotProven otherwise."""
    scan, columns = _contract_columns(table, source)
    on_disk = isinstance(source.data, Path)
    if on_disk and file_format(source.name) in ("csv", "tsv") and source.size() >= CSV_COPY_BYTES:
        try:
            scan = _parquet_copy(table, source, scan, notes)
        except (Exception, pl.exceptions.PanicException):  # noqa: BLE001 - the thorough check names it
            raise _NotProven from None
    verdict = _verdict_path(table, source, accounts_key)
    found = _kept_verdict(verdict, source, notes)
    distinct: dict[str, pl.Series] = {}
    if found is None:
        try:
            counts = _rule_counts(table, columns, known, _few_values(table, scan, columns))
            found = _counted(table, scan, counts)
        except (Exception, pl.exceptions.PanicException):  # noqa: BLE001 - the thorough check names it
            raise _NotProven from None
        broken = [counts.masks[k] for k in found if k.startswith("rule:") and found[k]]
        if broken:
            raise _RulesBroken(scan, counts.typed, broken)
        if verdict is not None:
            _keep_verdict(verdict, source, found)
        distinct = counts.distinct
    contract = schema(table)
    exprs = []
    for column in CONTRACT[table]:
        if column.name not in columns:
            exprs.append(pl.lit(None, contract[column.name]).alias(column.name))
            continue
        as_is = (column.name == "account_id" and columns[column.name] == pl.String) or (
            f"trim:{column.name}" in found and not found[f"trim:{column.name}"]
        )
        value = _normalised(column, columns[column.name], table, as_is=as_is)
        plain = as_is and (table, column.name) not in _ENUMS  # the column as it is
        if not plain and column.name in distinct:
            value = _looked_up(column.name, value, distinct[column.name])
        exprs.append(value.cast(contract[column.name]).alias(column.name))
    cut = _dated_scan(scan, exprs, columns.get("timestamp"))
    return scan.select(exprs), int(found[ROWS]), cut


# A few-valued column with more distinct values than this is normalised row by row.
LOOKUP_MAX_VALUES = 10_000


def _looked_up(name: str, value: pl.Expr, distinct: pl.Series) -> pl.Expr:
    """A few-valued column's normalising expression, worked out once per distinct value and
    looked up for every row: roles and channels are trimmed, lower-cased and rewritten with
    a regular expression, which over 3.5M users cost 0.2 s of every score (the sponsors are
    read from them) against 0.1 s for the lookup. Every value the rows hold is among the
    distinct values the check found, so the lookup leaves none out."""
    if len(distinct) > LOOKUP_MAX_VALUES:
        return value
    mapped = distinct.to_frame(name).select(value).to_series()
    present = distinct.is_not_null()
    looked_up = pl.col(name).replace_strict(
        distinct.filter(present), mapped.filter(present), default=None, return_dtype=mapped.dtype
    )
    of_null = mapped.filter(~present)
    if of_null.is_empty():
        return looked_up
    missing = pl.lit(of_null[0], mapped.dtype)
    return pl.when(pl.col(name).is_null()).then(missing).otherwise(looked_up)


def _failing_rows(table: str, source: SourceFile, broken: _RulesBroken) -> pl.DataFrame | None:
    """The rows of a file that break a rule, numbered as in the file and read as the row-level
    check reads them (None when that check must read the file whole). Two streaming passes:
    the rule masks over the scan the counts ran on pick out row numbers, then those rows are
    read from the file itself (a CSV's text, not its Parquet copy)."""
    if table not in NARROWED_TABLES:
        return None
    try:
        numbers = (
            broken.scan.with_row_index(_ROW, offset=1)
            .with_columns(broken.typed)
            .filter(pl.any_horizontal(broken.masks))
            .select(_ROW)
            .collect(engine="streaming")
            .get_column(_ROW)
        )
        if len(numbers) > NARROWED_MAX_ROWS:
            return None
        raw, _ = _raw_contract_columns(table, source)
        return (
            raw.with_row_index(_ROW, offset=1)
            .filter(pl.col(_ROW).is_in(numbers.implode()))
            .collect(engine="streaming")
        )
    except (Exception, pl.exceptions.PanicException):  # noqa: BLE001 - read whole then
        return None


def _rows_to_check(
    by_table: dict[str, list[SourceFile]],
    failing: dict[str, pl.DataFrame | None],
    *,
    clean_users: bool,
) -> dict[str, pl.DataFrame]:
    """Per events and touches file, the rows the row-level check reads: those breaking a rule
    for a failing file, none of a file the counts proved clean (nor of the users files when
    `clean_users`); files missing here (accounts, a file that could not be narrowed, users
    otherwise) are read whole."""
    rows: dict[str, pl.DataFrame] = {}
    for table in (*NARROWED_TABLES, *(["users"] if clean_users else [])):
        for source in by_table[table]:
            if source.name in failing:
                found = failing[source.name]
                if found is not None:
                    rows[source.name] = found
                continue
            try:
                raw, _ = _raw_contract_columns(table, source)
                rows[source.name] = raw.with_row_index(_ROW, offset=1).head(0).collect()
            except (Exception, pl.exceptions.PanicException):  # noqa: BLE001 - read whole then
                continue
    return rows
