"""The checks that need the whole export, and the bookkeeping of problems.

Run once after every batch is read: a user's account from a later group call, the account-id
join, required values, ranges, repeated account ids and duplicates by insert id. Every
problem names the export's own file, row and field.
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from core.data.presets.base import Tables
from core.data.presets.result import FILE, INSERT_ID, AccountJoin, PresetResult
from core.data.presets.sources import ROW
from core.data.validate import PROBLEM_SCHEMA, problem
from core.model.contract import CONTRACT

MAX_PROBLEMS = 20_000


class Problems:
    """Collects problem frames, keeping at most MAX_PROBLEMS rows but counting all of them."""

    def __init__(self) -> None:
        self.parts: list[pl.DataFrame] = []
        self.kept = 0
        self.total = 0

    def add(self, frame: pl.DataFrame) -> None:
        self.total += len(frame)
        room = MAX_PROBLEMS - self.kept
        if len(frame) and room > 0:
            self.parts.append(frame.head(room))
            self.kept += min(room, len(frame))

    def frame(self) -> pl.DataFrame:
        """Sorted by file and row; a row whose value did not parse is not also 'empty'."""
        found = pl.concat([pl.DataFrame(schema=PROBLEM_SCHEMA), *self.parts])
        first = pl.struct("file", "row", "column").is_first_distinct() | pl.col("row").is_null()
        found = found.filter(first).sort("file", "row", nulls_last=False, maintain_order=True)
        if self.total > self.kept:
            more = problem("(import)", f"… and {self.total - self.kept:,} more problems not listed")
            found = pl.concat([found, more])
        return found


def derive_users(tables: Tables) -> tuple[Tables, list[str]]:
    """One row per user: the latest account and the latest role/team the export gave."""
    users = tables.get("users")
    if users is None or users.is_empty():
        return tables, []
    latest = [pl.col(c).drop_nulls().last() for c in ("account_id", "role", "team")]
    users = (
        users.filter(pl.col("user_id").is_not_null())
        .group_by("user_id", maintain_order=True)
        .agg(*latest, pl.col(ROW).last(), pl.col(FILE).last())
    )
    no_account = users.filter(pl.col("account_id").is_null())
    notes = []
    if len(no_account):
        notes.append(
            f"{len(no_account):,} user(s) never appear with an account and were left out of "
            "the users table (their events still load)"
        )
    return {**tables, "users": users.filter(pl.col("account_id").is_not_null())}, notes


def fill_accounts_from_users(tables: Tables) -> tuple[Tables, list[str]]:
    """An event without an account (a missing group) takes its user's account, if known."""
    events, users = tables.get("events"), tables.get("users")
    if events is None or users is None or events.is_empty():
        return tables, []
    owner = users.select("user_id", pl.col("account_id").alias("__owner"))
    before = events.get_column("account_id").null_count()
    if not before:
        return tables, []
    events = (
        events.join(owner, on="user_id", how="left", maintain_order="left")
        .with_columns(pl.coalesce("account_id", "__owner").alias("account_id"))
        .drop("__owner")
    )
    filled = before - events.get_column("account_id").null_count()
    notes = [f"{filled:,} event(s) without an account took their user's account"] if filled else []
    return {**tables, "events": events}, notes


def join_accounts(
    tables: Tables, join: AccountJoin, files: list[str], sources: dict[str, dict[str, str]]
) -> tuple[Tables, pl.DataFrame]:
    """Replace every account id by the one the crosswalk gives; unknown ids are problems."""
    lookup = join.lookup.select(
        pl.col("key").cast(pl.String).alias("__key"), pl.col("account_id").alias("__joined")
    ).unique("__key", keep="first")
    problems = [pl.DataFrame(schema=PROBLEM_SCHEMA)]
    out = {}
    for table, frame in tables.items():
        joined = frame.join(lookup, left_on="account_id", right_on="__key", how="left")
        missing = joined.filter(pl.col("account_id").is_not_null() & pl.col("__joined").is_null())
        column = sources.get(table, {}).get("account_id", "account_id")
        rule = f"account_id: no row of {join.label} has this id"
        problems.append(row_problems(missing, files, column, rule, pl.col("account_id")))
        # Unknown ids stay as they were (already reported), so they are not also "empty".
        joined_id = pl.coalesce("__joined", "account_id").alias("account_id")
        out[table] = joined.with_columns(joined_id).drop("__joined")
    return out, pl.concat(problems)


def row_problems(
    frame: pl.DataFrame, files: list[str], column: str, rule: str, shown: pl.Expr | None = None
) -> pl.DataFrame:
    names = dict(enumerate(files))
    value = shown.cast(pl.String) if shown is not None else pl.lit(None, pl.String)
    return frame.select(
        pl.col(FILE)
        .replace_strict(names, default="(import)", return_dtype=pl.String)
        .alias("file"),
        pl.col(ROW).cast(pl.Int64).alias("row"),
        pl.lit(column).alias("column"),
        value.alias("value"),
        pl.lit(rule).alias("rule"),
    )


def required_problems(
    tables: Tables, files: list[str], sources: dict[str, dict[str, str]]
) -> pl.DataFrame:
    problems = [pl.DataFrame(schema=PROBLEM_SCHEMA)]
    for table, frame in tables.items():
        for column in CONTRACT[table]:
            if not column.required or frame.is_empty():
                continue
            empty = frame.filter(pl.col(column.name).is_null())
            source = sources.get(table, {}).get(column.name, column.name)
            if len(empty) == len(frame):
                rule = f"{column.name}: no row has a value; check which field is mapped to it"
                problems.append(problem(", ".join(files), rule, column=source))
            elif len(empty):
                rule = f"{column.name}: required value is empty"
                if table == "events" and column.name == "account_id" and "users" in tables:
                    rule += " (and no other row gives this user an account)"
                problems.append(row_problems(empty.head(MAX_PROBLEMS), files, source, rule))
    return pl.concat(problems)


RANGES = {
    ("accounts", "contract_value"): (0, None, "must be 0 or more"),
    ("accounts", "licensed_seats"): (1, None, "must be 1 or more"),
    ("touches", "csat"): (1, 5, "must be between 1 and 5"),
}


def range_problems(
    tables: Tables, files: list[str], sources: dict[str, dict[str, str]]
) -> pl.DataFrame:
    problems = [pl.DataFrame(schema=PROBLEM_SCHEMA)]
    for (table, column), (low, high, rule) in RANGES.items():
        frame = tables.get(table)
        if frame is None or frame.is_empty():
            continue
        value = pl.col(column)
        bad = (value < low) if high is None else ((value < low) | (value > high))
        label = sources.get(table, {}).get(column, column)
        out = frame.filter(value.is_not_null() & bad)
        problems.append(row_problems(out, files, label, f"{column}: {rule}", value))
    return pl.concat(problems)


def duplicate_ids(
    tables: Tables, files: list[str], sources: dict[str, dict[str, str]]
) -> pl.DataFrame:
    """Two rows of an accounts export with the same id: which one is right is not ours to say."""
    accounts = tables.get("accounts")
    if accounts is None:
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    key = pl.col("account_id")
    repeats = accounts.filter(key.is_not_null() & ~key.is_first_distinct())
    column = sources.get("accounts", {}).get("account_id", "account_id")
    rule = "account_id: the same id appears twice"
    return row_problems(repeats, files, column, rule, key)


def drop_duplicates(tables: Tables) -> tuple[Tables, int]:
    """Keep the first row of every insert id; rows without one are all kept."""
    dropped, out = 0, {}
    for table, frame in tables.items():
        if INSERT_ID not in frame.columns:
            out[table] = frame
            continue
        key = pl.col(INSERT_ID)
        kept = frame.filter(key.is_null() | key.is_first_distinct()).drop(INSERT_ID)
        dropped += len(frame) - len(kept)
        out[table] = kept
    return out, dropped


def unknown_accounts(result: PresetResult, known: Collection[str]) -> pl.DataFrame:
    """Rows whose account is neither loaded nor in the export itself (for the preview; a
    full load finds the same through the contract check)."""
    accounts = result.tables.get("accounts")
    new_ids = accounts.get_column("account_id").to_list() if accounts is not None else []
    ids = pl.Series([*known, *new_ids], dtype=pl.String).implode()
    problems = [pl.DataFrame(schema=PROBLEM_SCHEMA)]
    for table, frame in result.tables.items():
        if table == "accounts" or frame.is_empty():
            continue
        key = pl.col("account_id")
        missing = frame.filter(key.is_not_null() & ~key.is_in(ids))
        label = result.sources.get(table, {}).get("account_id", "account_id")
        rule = "account_id: unknown account_id (not in the accounts table)"
        problems.append(row_problems(missing, list(result.files), label, rule, key))
    found = pl.concat(problems).unique(["file", "row", "column"], keep="first")
    return found.sort("file", "row", maintain_order=True)
