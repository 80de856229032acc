"""Checking imported tables against the data contract, and turning them into a Dataset.

An import is all or nothing: every problem in every file is collected (file, row, column,
value, rule) so the user can fix them in one go, and a Dataset is only produced when there
are none. Row numbers count data rows from 1, the header not included.

Tables the user did not upload this time are checked from the data loaded before; a problem
there names the table in words ("Events already loaded") and its stored row, never a file the
user has not seen. Numbers are shown as written: a whole number without ".0".
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from core.common.errors import UserError
from core.common.progress import ProgressFn
from core.data.readers import SourceFile, UnreadableFile, files_in_directory, read_file
from core.model.contract import (
    CHANNELS,
    CONTRACT,
    DEFAULT_ROLE,
    ROLES,
    TABLES,
    Column,
    schema,
    segment_from_contract_value,
)
from core.model.dataset import Dataset
from core.model.plan import MeasurementPlan

PROBLEM_SCHEMA = pl.Schema(
    {"file": pl.String, "row": pl.Int64, "column": pl.String, "value": pl.String, "rule": pl.String}
)
MAX_PROBLEMS_PER_RULE = 1_000
_ROW = "__row"
_FILE = "__file"

_TZ_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z")
_NAIVE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)
FIRST_DATE = date(1970, 1, 1)
# Whole numbers are stored as 64-bit integers and summed as floats: above 2^53 neither is exact.
LARGEST_WHOLE = 2**53
_KIND_RULES = {
    "float": "not a number",
    "int": "not a whole number",
    "date": "not a date (expected YYYY-MM-DD)",
    "datetime": "not a date-time (expected ISO 8601, e.g. 2026-03-01T09:30:00Z)",
}


NUL_RULE = "contains a NUL character"


def accepted_dates(today: date | None = None) -> tuple[date, date]:
    """Dates and timestamps the contract accepts: 1970-01-01 up to a year after today.

    Anything earlier or later is a typo or a placeholder (0000-01-01, 9999-12-31), and would
    overflow the engine's day arithmetic; refusing it here keeps every page working.
    """
    today = today or date.today()
    try:
        last = today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        last = today.replace(year=today.year + 1, day=28)
    return FIRST_DATE, last


TABLE_WORDS: dict[str, str] = {
    "accounts": "Accounts",
    "users": "Users",
    "events": "Events",
    "touches": "Touches",
}


def stored_name(table: str) -> str:
    """How problems name a table kept from the data loaded before: the user uploaded no file
    for it this time, so a file name would mean nothing to them."""
    return f"{TABLE_WORDS[table]} already loaded"


STORED_NAMES: frozenset[str] = frozenset(stored_name(t) for t in TABLES)


def stored_file(table: str) -> str:
    """The internal file name a table of the loaded data is checked under (Parquet, so the
    readers know it); problems never show it (display_name)."""
    return f"(current {table}).parquet"


_DISPLAY_NAMES = {stored_file(t): stored_name(t) for t in TABLES}


def display_name(file: str) -> str:
    """The name problems give a source: the file's own, or the stored table's in words."""
    return _DISPLAY_NAMES.get(file, file)


def is_stored(file: pl.Expr) -> pl.Expr:
    """Whether a problem's file is a stored table (or another name in brackets, such as
    "(import)"): those are listed after the files the user chose."""
    return file.is_in(list(STORED_NAMES)) | file.str.starts_with("(")


def row_words(file: str, row: int) -> str:
    """ "row 4" of a file the user chose; "stored row 4" of a table loaded before."""
    return f"stored row {row}" if file in STORED_NAMES else f"row {row}"


def _date_rule() -> str:
    first, last = accepted_dates()
    return f"date outside the accepted range {first.isoformat()} to {last.isoformat()}"


class ValidationFailed(UserError):
    """The import was refused; `problems` lists every reason, in PROBLEM_SCHEMA."""

    def __init__(self, problems: pl.DataFrame) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) found; nothing was loaded")

    def report(self, limit: int = 50) -> str:
        """A message for a terminal: the count, then the first problems one per line."""
        lines = [f"invalid data: {len(self.problems)} problem(s) found, nothing was loaded"]
        lines += [f"  {line}" for line in describe_problems(self.problems, limit)]
        if len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)


def describe_problems(problems: pl.DataFrame, limit: int) -> list[str]:
    """The first problems as sentences: 'events.csv, row 4, column timestamp, value ...: rule'."""
    lines = []
    for p in problems.head(limit).iter_rows(named=True):
        where = p["file"] + (f", {row_words(p['file'], p['row'])}" if p["row"] is not None else "")
        column = f", column {p['column']}" if p["column"] else ""
        value = f", value {p['value']!r}" if p["value"] is not None else ""
        lines.append(f"{where}{column}{value}: {p['rule']}")
    return lines


def summarise_problems(problems: pl.DataFrame) -> pl.DataFrame:
    """One line per kind of problem, with how many rows have it and the first of them."""
    return (
        problems.group_by("file", "column", "rule", maintain_order=True)
        .agg(pl.len().alias("rows"), pl.col("row").min().alias("first_row"))
        .select("file", "column", "rule", "rows", "first_row")
    )


def problem(
    file: str, rule: str, *, row: int | None = None, column: str = "", value: str | None = None
) -> pl.DataFrame:
    """A single problem as a one-row frame, for file-level issues found outside the checks."""
    return pl.DataFrame(
        {"file": [file], "row": [row], "column": [column], "value": [value], "rule": [rule]},
        schema=PROBLEM_SCHEMA,
    )


def _problems_where(
    frame: pl.DataFrame, mask: pl.Expr, column: str, rule: str, shown: pl.Expr | None = None
) -> pl.DataFrame:
    """Every row of `frame` where `mask` holds, as problems about `column` showing `shown`.

    At most MAX_PROBLEMS_PER_RULE rows per file are listed, then one line counting the rest:
    a file wrong on every row must not cost more memory as a problem list than as data.
    """
    if shown is None:
        shown = pl.col(column) if column in frame.columns else pl.lit(None, pl.String)
    value = as_text(frame, shown)
    found = (
        frame.lazy()
        .filter(mask)
        .select(
            pl.col(_FILE).alias("file"),
            pl.col(_ROW).cast(pl.Int64).alias("row"),
            pl.lit(column).alias("column"),
            value.alias("value"),
            pl.lit(rule).alias("rule"),
        )
    )
    listed = found.head(MAX_PROBLEMS_PER_RULE + 1).collect()
    if len(listed) <= MAX_PROBLEMS_PER_RULE:
        return listed
    counts = frame.lazy().filter(mask).group_by(_FILE).agg(pl.len()).collect()
    more = [
        problem(
            file,
            f"{rule} (also in {count - MAX_PROBLEMS_PER_RULE:,} more rows, not listed)",
            column=column,
        )
        for file, count in counts.iter_rows()
        if count > MAX_PROBLEMS_PER_RULE
    ]
    limited = found.filter(pl.int_range(pl.len()).over("file") < MAX_PROBLEMS_PER_RULE)
    return pl.concat([limited.collect(), *more])


def as_text(frame: pl.DataFrame, value: pl.Expr) -> pl.Expr:
    """A value as a person wrote it: a whole number stored as a float (Excel and Parquet
    numbers, or a number already checked) without its ".0", so -5000 reads "-5000"."""
    dtype = frame.lazy().select(value).collect_schema().dtypes()[0]
    if not dtype.is_float():
        return value.cast(pl.String)
    whole = value.is_finite() & (value == value.round(0)) & (value.abs() < LARGEST_WHOLE)
    return (
        pl.when(whole)
        .then(value.cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(value.cast(pl.String))
    )


# ------------------------------------------------------------------------------ parsing


# What spreadsheets and dataframe libraries write for "no value". Only read as empty in
# number and date columns, where they can never be a real value; a name stays a name.
NA_TOKENS: tuple[str, ...] = ("", "na", "n/a", "null", "none", "nan", "nat")


def _blank_to_null(expr: pl.Expr, tokens: tuple[str, ...] = ("",)) -> pl.Expr:
    stripped = expr.str.strip_chars()
    return pl.when(stripped.str.to_lowercase().is_in(list(tokens))).then(None).otherwise(stripped)


def parse_iso_datetime(text: pl.Expr) -> pl.Expr:
    """ISO 8601 with or without an offset; offsets are converted to UTC, none means UTC.

    The first layout (_LAYOUTS' order) that reads a value decides it, and each layout reads
    only the values the ones before it could not. A coalesce of all eight parsed every
    value eight times (and the text's clean-up with it): the row-level check of a 20M-row
    CSV took minutes, most of them here."""
    return text.map_batches(_read_layouts, return_dtype=pl.Datetime("us"), is_elementwise=True)


_LAYOUTS: tuple[tuple[str, bool], ...] = (
    *((layout, True) for layout in _TZ_FORMATS),
    *((layout, False) for layout in _NAIVE_FORMATS),
)
"""Every accepted layout and whether it carries an offset, in the order they are tried."""


def _read_layout(layout: str, *, aware: bool) -> pl.Expr:
    text = pl.col("text")
    if not aware:
        return text.str.to_datetime(layout, strict=False, time_unit="us", cache=False)
    return text.str.to_datetime(
        layout, strict=False, time_zone="UTC", time_unit="us", cache=False
    ).dt.replace_time_zone(None)


def _read_layouts(values: pl.Series) -> pl.Series:
    """parse_iso_datetime over one batch of values (a loop over layouts, not rows)."""
    parsed = pl.Series(values.name, [], pl.Datetime("us")).extend_constant(None, len(values))
    text = values.cast(pl.String).str.replace(r"[zZ]$", "+00:00")
    pending = pl.DataFrame({"text": text}).with_row_index("at").drop_nulls("text")
    for layout, aware in _LAYOUTS:
        if pending.is_empty():
            break
        pending = pending.with_columns(_read_layout(layout, aware=aware).alias("read"))
        read = pending.select("at", "read").filter(pl.col("read").is_not_null())
        if not read.is_empty():
            parsed.scatter(read.get_column("at"), read.get_column("read"))
        pending = pending.filter(pl.col("read").is_null()).drop("read")
    return parsed


def _as_utc_naive(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        expr = expr.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return expr.cast(pl.Datetime("us"))


def _parse(column: Column, dtype: pl.DataType) -> pl.Expr:
    """An expression turning the raw column into the contract type; unparseable -> null."""
    raw = pl.col(column.name)
    if column.kind in ("date", "datetime") and isinstance(dtype, pl.Datetime | pl.Date):
        parsed = _as_utc_naive(raw, dtype)
        return parsed.dt.date() if column.kind == "date" else parsed
    if column.kind in ("float", "int") and dtype.is_numeric():
        value = raw.cast(pl.Float64)
    else:
        if column.kind == "string":
            return _blank_to_null(raw.cast(pl.String))
        text = _blank_to_null(raw.cast(pl.String), NA_TOKENS)
        if column.kind in ("date", "datetime"):
            parsed = parse_iso_datetime(text)
            return parsed.dt.date() if column.kind == "date" else parsed
        value = text.str.replace_all(r"[\s_]", "").cast(pl.Float64, strict=False)
    value = pl.when(value.is_finite()).then(value)
    if column.kind == "int":
        whole = (value == value.round(0)) & (value.abs() <= LARGEST_WHOLE)
        return pl.when(whole).then(value).cast(pl.Int64, strict=False)
    return value


def _is_blank(column: Column, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(column.name)
    if dtype == pl.String and column.kind == "string":
        # Only whitespace: the same rows as _blank_to_null's, without lower-casing every value.
        return col.is_null() | (col.str.strip_chars().str.len_bytes() == 0)
    if dtype == pl.String:
        return col.is_null() | col.str.strip_chars().str.to_lowercase().is_in(list(NA_TOKENS))
    return col.is_null()


# ------------------------------------------------------------------------------ per file


def _normalise_names(frame: pl.DataFrame, file: str) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Trim and lower-case column names; two columns that collide is a problem."""
    names = [str(c).strip().lower() for c in frame.columns]
    seen: set[str] = set()
    problems = []
    for name in names:
        if name in seen:
            problems.append(problem(file, "the column appears twice in the header", column=name))
        seen.add(name)
    if problems:
        return frame, problems
    return frame.rename(dict(zip(frame.columns, names, strict=True))), []


_UNSUPPORTED: tuple[tuple[type[pl.DataType], str], ...] = (
    (pl.List, "lists"),
    (pl.Array, "lists"),
    (pl.Struct, "nested records"),
    (pl.Duration, "durations"),
    (pl.Binary, "binary data"),
    (pl.Object, "objects"),
)


def _unsupported(dtype: pl.DataType) -> str | None:
    """What a column holds when it is a type the contract cannot read (None when it can)."""
    for kind, words in _UNSUPPORTED:
        if isinstance(dtype, kind):
            return words
    return None


def _temporal_bounds(dtype: pl.DataType) -> tuple[int, int] | None:
    """The accepted range as the column's stored integers (days, or ns/us/ms since 1970)."""
    first, last = accepted_dates()
    if isinstance(dtype, pl.Date):
        return (first - FIRST_DATE).days, (last - FIRST_DATE).days
    if isinstance(dtype, pl.Datetime):
        per_second = {"ns": 10**9, "us": 10**6, "ms": 10**3}[dtype.time_unit or "us"]
        end = datetime.combine(last + timedelta(days=1), datetime.min.time())
        return 0, int((end - datetime(1970, 1, 1)).total_seconds()) * per_second - 1
    return None


def _usable_columns(
    frame: pl.DataFrame, file: str
) -> tuple[pl.DataFrame, list[pl.DataFrame], set[str]]:
    """Set aside what must not reach the parsers, each as a problem: columns of a type the
    contract cannot read, and stored dates outside the accepted range (converting those
    overflows). `frame` has the row numbers already; returns the columns set aside too."""
    problems: list[pl.DataFrame] = []
    unusable: set[str] = set()
    for name, dtype in frame.schema.items():
        if name in (_ROW, _FILE):
            continue
        words = _unsupported(dtype)
        if words is not None:
            rule = f"the column holds {words}; use text, numbers or dates"
            problems.append(problem(file, rule, column=name))
            unusable.add(name)
            continue
        bounds = _temporal_bounds(dtype)
        if bounds is None:
            continue
        stored = pl.col(name).to_physical()
        outside = stored.is_not_null() & ((stored < bounds[0]) | (stored > bounds[1]))
        shown = pl.lit(None, pl.String)
        problems.append(_problems_where(frame, outside, name, _date_rule(), shown))
        # In range from here on (1970-01-01 stands in): reported once, never again as empty.
        stand_in = pl.lit(0, pl.Int64).cast(dtype)
        frame = frame.with_columns(pl.when(~outside).then(pl.col(name)).otherwise(stand_in))
    return frame.drop(unusable), problems, unusable


ValueCheck = tuple[pl.Expr, str, pl.Expr | None]


def value_checks(column: Column, dtype: pl.DataType) -> list[ValueCheck]:
    """The rules on one column's values as (mask, rule, shown): a mask holds on the rows that
    break the rule. Over a frame with the raw column and its parsed `__typed_<name>`; the
    row-level check lists the rows, the fast check (core.data.fast_check) only counts them."""
    typed = pl.col(f"__typed_{column.name}")
    blank = _is_blank(column, dtype)
    found: list[ValueCheck] = []
    if column.required:
        found.append((blank, "required value is empty", None))
    if column.kind == "string":
        nul = pl.col(column.name).cast(pl.String).str.contains("\x00", literal=True)
        found.append((nul, NUL_RULE, None))
        return found
    unreadable = ~blank & typed.is_null()
    if column.kind == "int":
        number = pl.col(column.name).cast(pl.String).str.replace_all(r"[\s_]", "")
        too_large = number.cast(pl.Float64, strict=False).abs() > LARGEST_WHOLE
        rule = f"too large for a whole number (at most {LARGEST_WHOLE:,})"
        found.append((unreadable & too_large, rule, None))
        unreadable = unreadable & ~too_large.fill_null(False)
    found.append((unreadable, _KIND_RULES[column.kind], None))
    if column.kind in ("date", "datetime"):
        first, last = accepted_dates()
        low = (
            pl.lit(first)
            if column.kind == "date"
            else pl.lit(datetime.combine(first, datetime.min.time()))
        )
        high = (
            pl.lit(last)
            if column.kind == "date"
            else pl.lit(datetime.combine(last + timedelta(days=1), datetime.min.time()))
        )
        outside = (typed < low) | (typed > high if column.kind == "date" else typed >= high)
        found.append((outside.fill_null(False), _date_rule(), None))
    return found


def _value_problems(
    column: Column, dtype: pl.DataType, checked: pl.DataFrame
) -> list[pl.DataFrame]:
    """The rows of one column whose value is missing, unreadable or out of range."""
    return [
        _problems_where(checked, mask, column.name, rule, shown)
        for mask, rule, shown in value_checks(column, dtype)
    ]


def _check_file(source: SourceFile) -> tuple[pl.DataFrame | None, list[pl.DataFrame]]:
    """Read one file and parse its contract columns; return the typed frame and its problems.

    Only the contract's columns are kept, so a column named like a helper below (`__row`)
    or of a type nothing here reads can never get in the way.
    """
    names = {c.name for c in CONTRACT[source.table]}
    name = display_name(source.name)
    try:
        raw = read_file(source, keep=lambda header: header.strip().lower() in names)
    except UnreadableFile as exc:
        return None, [problem(name, str(exc))]
    raw, problems = _normalise_names(raw, name)
    if problems:
        return None, problems
    wanted = [c.name for c in CONTRACT[source.table] if c.name in raw.columns]
    return _check_rows(source.table, name, raw.select(wanted).with_row_index(_ROW, offset=1))


def _check_given_rows(
    source: SourceFile, rows: pl.DataFrame
) -> tuple[pl.DataFrame | None, list[pl.DataFrame]]:
    """_check_file over some rows of the file only, read as _check_file reads them, under
    the contract's column names and numbered as in the whole file (`__row`)."""
    wanted = [c.name for c in CONTRACT[source.table] if c.name in rows.columns]
    return _check_rows(source.table, display_name(source.name), rows.select(_ROW, *wanted))


def _check_rows(
    table: str, name: str, raw: pl.DataFrame
) -> tuple[pl.DataFrame | None, list[pl.DataFrame]]:
    """The rules of each column over a file's numbered rows; the typed frame and problems."""
    raw = raw.with_columns(pl.lit(name).alias(_FILE))
    raw, problems, unusable = _usable_columns(raw, name)
    # Each column parsed once, beside its raw values: the rules read both, the table keeps
    # the parsed one (parsing twice doubled the cost of a CSV's timestamps).
    present = [c for c in CONTRACT[table] if c.name in raw.columns]
    dtypes = {c.name: raw.schema[c.name] for c in present}
    checked = raw.with_columns(
        _parse(c, dtypes[c.name]).alias(f"__typed_{c.name}") for c in present
    )
    parsed: list[pl.Expr] = [pl.col(_ROW), pl.col(_FILE)]
    for column in CONTRACT[table]:
        if column.name not in raw.columns:
            if column.required and column.name not in unusable:
                problems.append(problem(name, "required column is missing", column=column.name))
            parsed.append(pl.lit(None, schema(table)[column.name]).alias(column.name))
            continue
        problems += _value_problems(column, dtypes[column.name], checked)
        parsed.append(pl.col(f"__typed_{column.name}").alias(column.name))
    raw_text = [
        pl.col(c).cast(pl.String).alias(f"__raw_{c}")
        for c in ("role", "channel")
        if c in raw.columns
    ]
    return checked.select(*parsed, *raw_text), problems


# ------------------------------------------------------------------------------ per table


def _enum_value(expr: pl.Expr) -> pl.Expr:
    """'Exec Sponsor', 'in-app' and 'IN_APP' all mean the same contract value."""
    return expr.str.strip_chars().str.to_lowercase().str.replace_all(r"[\s\-]+", "_")


def _check_enum(
    frame: pl.DataFrame, name: str, allowed: Sequence[str], default: str | None
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    value = _enum_value(pl.col(name))
    if default is not None:
        value = value.fill_null(default)
    frame = frame.with_columns(value.alias(name))
    bad = pl.col(name).is_not_null() & ~pl.col(name).is_in(list(allowed))
    rule = f"must be one of {', '.join(allowed)}"
    raw = f"__raw_{name}"
    shown = pl.col(raw) if raw in frame.columns else None
    return frame, [_problems_where(frame, bad, name, rule, shown)]


def _check_range(
    frame: pl.DataFrame, name: str, low: float, high: float | None, rule: str
) -> pl.DataFrame:
    col = pl.col(name)
    bad = col < low if high is None else (col < low) | (col > high)
    return _problems_where(frame, col.is_not_null() & bad, name, rule)


def _check_unique(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """Every repeat of an id after its first occurrence, pointing back at the first one."""
    key = pl.col(name)
    repeats = frame.with_columns(
        pl.format(
            "duplicate {} (first seen in {} {} {})",
            pl.lit(name),
            pl.col(_FILE).first().over(name),
            pl.when(is_stored(pl.col(_FILE).first().over(name)))
            .then(pl.lit("stored row"))
            .otherwise(pl.lit("row")),
            pl.col(_ROW).first().over(name),
        ).alias("__rule")
    ).filter(key.is_not_null() & ~key.is_first_distinct())
    listed = repeats.head(MAX_PROBLEMS_PER_RULE).select(
        pl.col(_FILE).alias("file"),
        pl.col(_ROW).cast(pl.Int64).alias("row"),
        pl.lit(name).alias("column"),
        key.alias("value"),
        pl.col("__rule").alias("rule"),
    )
    if len(repeats) <= MAX_PROBLEMS_PER_RULE:
        return listed
    more = (
        f"duplicate {name} (also in {len(repeats) - MAX_PROBLEMS_PER_RULE:,} more rows, not listed)"
    )
    return pl.concat([listed, problem(repeats.item(-1, _FILE), more, column=name)])


def _check_references(frame: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    known = accounts.get_column("account_id").drop_nulls().unique()
    missing = pl.col("account_id").is_not_null() & ~pl.col("account_id").is_in(known.implode())
    return _problems_where(
        frame, missing, "account_id", "unknown account_id (not in the accounts table)"
    )


def _resolve_segments(
    frame: pl.DataFrame, segments: Collection[str]
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Fill empty segments from contract value and map names to the workspace's spelling."""
    canonical = {s.lower(): s for s in segments}
    given = pl.col("segment")
    mapped = given.str.to_lowercase().replace_strict(
        canonical, default=None, return_dtype=pl.String
    )
    frame = frame.with_columns(
        pl.when(given.is_null())
        .then(segment_from_contract_value())
        .otherwise(mapped)
        .alias("segment"),
        given.alias("__given_segment"),
    )
    no_basis = pl.col("__given_segment").is_null() & pl.col("contract_value").is_null()
    unknown = pl.col("__given_segment").is_not_null() & pl.col("segment").is_null()
    derived_unknown = (
        pl.col("__given_segment").is_null()
        & pl.col("segment").is_not_null()
        & ~pl.col("segment").is_in(list(segments))
    )
    known = ", ".join(segments) or "none defined"
    problems = [
        _problems_where(
            frame,
            no_basis,
            "segment",
            "segment is empty and there is no contract_value to derive it from",
        ),
        _problems_where(
            frame,
            unknown,
            "segment",
            f"unknown segment (this workspace has: {known})",
            pl.col("__given_segment"),
        ),
        _problems_where(
            frame,
            derived_unknown,
            "segment",
            f"segment derived from contract_value is not in this workspace (it has: {known})",
        ),
    ]
    return frame, problems


def _finish_accounts(
    frame: pl.DataFrame, segments: Collection[str]
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    frame, problems = _resolve_segments(frame, segments)
    problems += [
        _check_range(frame, "contract_value", 0, None, "must be 0 or more"),
        _check_range(frame, "licensed_seats", 1, None, "must be 1 or more"),
        _check_unique(frame, "account_id"),
    ]
    frame = frame.with_columns(pl.col("account_name").fill_null(pl.col("account_id")))
    return frame, problems


def _finish_table(
    table: str, frame: pl.DataFrame, accounts: pl.DataFrame, segments: Collection[str]
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Table-specific rules on a table whose columns already have their contract types."""
    if table == "accounts":
        return _finish_accounts(frame, segments)
    problems = [_check_references(frame, accounts)]
    if table == "users":
        frame, more = _check_enum(frame, "role", ROLES, DEFAULT_ROLE)
        problems += more + [_check_unique(frame, "user_id")]
    elif table == "touches":
        frame, more = _check_enum(frame, "channel", CHANNELS, None)
        problems += more + [_check_range(frame, "csat", 1, 5, "must be between 1 and 5")]
    return frame, problems


# ------------------------------------------------------------------------------ entry points


def _concat_table(table: str, parts: list[pl.DataFrame]) -> pl.DataFrame:
    base = pl.DataFrame(schema={_ROW: pl.Int64, _FILE: pl.String, **dict(schema(table))})
    frames = [base] + [p.with_columns(pl.col(_ROW).cast(pl.Int64)) for p in parts]
    return pl.concat(frames, how="diagonal_relaxed")


def check_sources(
    sources: Sequence[SourceFile],
    segments: Collection[str],
    on_progress: ProgressFn | None = None,
    rows: Mapping[str, pl.DataFrame] | None = None,
) -> tuple[Dataset | None, pl.DataFrame]:
    """Validate a set of files as one import; the Dataset is None whenever any problem exists.

    `rows`, by file name, replaces a file by some of its rows (_check_given_rows): the fast
    check's rows that break a rule, so a large file is not read whole to list them. The
    tables are then incomplete: a caller that gets a Dataset back must check again without."""
    report = on_progress or (lambda _f, _m: None)
    parts: dict[str, list[pl.DataFrame]] = {t: [] for t in TABLES}
    problems: list[pl.DataFrame] = []
    if not any(s.table == "accounts" for s in sources):
        problems.append(
            problem(
                "(import)", "an accounts file is required (accounts.csv, .parquet, .jsonl or .xlsx)"
            )
        )
    total = sum(s.size() for s in sources) or 1
    done = 0
    for source in sources:
        report(0.8 * done / total, f"Reading {display_name(source.name)}")
        given = (rows or {}).get(source.name)
        frame, found = _check_file(source) if given is None else _check_given_rows(source, given)
        problems += found
        if frame is not None:
            parts[source.table].append(frame)
        done += source.size()
    report(0.85, "Checking ids, references and segments")
    tables = {t: _concat_table(t, parts[t]) for t in TABLES}
    finished: dict[str, pl.DataFrame] = {}
    for table in TABLES:
        finished[table], found = _finish_table(table, tables[table], tables["accounts"], segments)
        problems += found
    # The files the user just chose first; tables kept from before (stored_name) last.
    all_problems = pl.concat([pl.DataFrame(schema=PROBLEM_SCHEMA), *problems]).sort(
        is_stored(pl.col("file")), "file", "row", "column", nulls_last=False
    )
    report(1.0, "Checked")
    if len(all_problems):
        return None, all_problems
    data = {t: finished[t].select(list(schema(t))).cast(pl.Schema(schema(t))) for t in TABLES}
    return Dataset(**data), all_problems


def load_sources(
    sources: Sequence[SourceFile], segments: Collection[str], on_progress: ProgressFn | None = None
) -> Dataset:
    dataset, problems = check_sources(sources, segments, on_progress)
    if dataset is None:
        raise ValidationFailed(problems)
    return dataset


def load_directory(path: Path, plan: MeasurementPlan | None = None) -> Dataset:
    """Validate the table files of a folder (the command line's DATA_DIR)."""
    plan = plan or MeasurementPlan()
    if not path.is_dir():
        raise ValidationFailed(problem(str(path), "not a folder"))
    sources = files_in_directory(path)
    return load_sources(sources, list(plan.segments))
