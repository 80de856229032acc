"""The four-table data contract: what columns each table has and what they must hold.

Everything downstream (engine, pages, exports) relies on the *normalised* schemas below, so
the validator's job is to turn whatever arrived into exactly these dtypes or refuse it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

TABLES: tuple[str, ...] = ("accounts", "users", "events", "touches")

ColumnKind = Literal["string", "float", "int", "date", "datetime"]

ROLES: tuple[str, ...] = ("admin", "champion", "end_user", "exec_sponsor")
DEFAULT_ROLE = "end_user"
CHANNELS: tuple[str, ...] = (
    "email",
    "in_app",
    "training",
    "office_hours",
    "ticket",
    "call",
    "meeting",
    "documentation",
    "community",
    "webinar",
    "chat",
)


@dataclass(frozen=True)
class Column:
    """One contract column; `required` means the column must exist and every value be set."""

    name: str
    kind: ColumnKind
    required: bool = False


CONTRACT: dict[str, tuple[Column, ...]] = {
    "accounts": (
        Column("account_id", "string", required=True),
        Column("account_name", "string"),
        Column("segment", "string"),
        Column("contract_value", "float"),
        Column("start_date", "date", required=True),
        Column("licensed_seats", "int"),
        Column("csm", "string"),
        Column("churn_date", "date"),
        Column("journey_variant", "string"),
    ),
    "users": (
        Column("user_id", "string", required=True),
        Column("account_id", "string", required=True),
        Column("role", "string"),
        Column("team", "string"),
    ),
    "events": (
        Column("account_id", "string", required=True),
        Column("user_id", "string"),
        Column("event", "string", required=True),
        Column("timestamp", "datetime", required=True),
    ),
    "touches": (
        Column("account_id", "string", required=True),
        Column("user_id", "string"),
        Column("channel", "string", required=True),
        Column("timestamp", "datetime", required=True),
        Column("touchpoint", "string"),
        Column("csat", "float"),
    ),
}

_DTYPES: dict[ColumnKind, pl.DataType] = {
    "string": pl.String(),
    "float": pl.Float64(),
    "int": pl.Int64(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us"),
}


def schema(table: str) -> pl.Schema:
    """The normalised schema of a table: timestamps are naive UTC, dates are UTC calendar dates."""
    return pl.Schema({c.name: _DTYPES[c.kind] for c in CONTRACT[table]})


def empty(table: str) -> pl.DataFrame:
    """An empty frame with the normalised schema, for workspaces that have no data yet."""
    return pl.DataFrame(schema=schema(table))


def column_names(table: str) -> list[str]:
    return [c.name for c in CONTRACT[table]]


def segment_from_contract_value() -> pl.Expr:
    """The contract-value bands that name a segment when the file leaves it empty:
    under 25,000 SMB, 25,000 to 100,000 Mid-Market, above 100,000 Enterprise."""
    value = pl.col("contract_value")
    return (
        pl.when(value < 25_000)
        .then(pl.lit("SMB"))
        .when(value <= 100_000)
        .then(pl.lit("Mid-Market"))
        .when(value > 100_000)
        .then(pl.lit("Enterprise"))
    )
