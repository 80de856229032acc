"""The account-id join: when the export's account ids are not the ids of the accounts table.

The product knows an account by its group id ("grp_acme"), the CRM by its record id ("9001").
A CRM export (or any table) with a column holding the product's id links the two: each id in
the export is looked up in `key_column` and replaced by the same row's `id_column`.
"""

from __future__ import annotations

import polars as pl

from core.data.presets import values
from core.data.presets.result import AccountJoin
from core.data.presets.sources import read_table
from core.data.readers import SourceFile, UnreadableFile
from core.data.validate import ValidationFailed, problem

ID_COLUMNS = ("Record ID", "Account ID", "account_id", "Id", "ID")


def _column(frame: pl.DataFrame, wanted: str, file: str, what: str) -> str:
    by_lower = {c.lower(): c for c in frame.columns}
    found = by_lower.get(wanted.strip().lower())
    if found is None:
        shown = ", ".join(frame.columns[:30])
        rule = f"the {what} column {wanted!r} is not in this file (it has: {shown})"
        raise ValidationFailed(problem(file, rule, column=wanted))
    return found


def id_column_guess(columns: list[str]) -> str | None:
    by_lower = {c.lower(): c for c in columns}
    return next((by_lower[c.lower()] for c in ID_COLUMNS if c.lower() in by_lower), None)


def account_join(source: SourceFile, key_column: str, id_column: str | None = None) -> AccountJoin:
    """A crosswalk from a table file: `key_column` holds the export's ids, `id_column` ours."""
    try:
        frame = read_table(source)
    except UnreadableFile as exc:
        raise ValidationFailed(problem(source.name, str(exc))) from exc
    key = _column(frame, key_column, source.name, "join")
    chosen = id_column or id_column_guess(frame.columns)
    if chosen is None:
        rule = "name the column that holds the account ids (e.g. Record ID or Account ID)"
        raise ValidationFailed(problem(source.name, rule))
    ident = _column(frame, chosen, source.name, "account id")
    lookup = frame.select(
        values.identifier(pl.col(key)).alias("key"),
        values.identifier(pl.col(ident)).alias("account_id"),
    ).filter(pl.col("key").is_not_null() & pl.col("account_id").is_not_null())
    return AccountJoin(lookup, f"{source.name} (column {key})")
